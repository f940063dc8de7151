/**
 * The client a row's function calls through: the job's client, with the job's priority and
 * signal on every call, creates under ids derived from the job and the row, and a journal entry
 * written before any call that is not safe to send twice.
 */
import type { OperationEntry } from "../../generated/operations.ts";
import type { GladlyClient } from "../client.ts";
import { GladlyError, GladlyInputError, GladlyLimiterError, GladlyRateLimitError } from "../errors.ts";
import type { CallOptions } from "../operations.ts";
import type { Priority } from "../pipeline/request.ts";
import { type RetryOptions, operationIsIdempotent, provablyNotSent } from "../pipeline/retry.ts";
import { deriveId } from "./ids.ts";
import { isPlainObject } from "../plain-object.ts";

export interface RowScope {
  jobId: string;
  key: string;
  priority: Priority;
  signal: AbortSignal | undefined;
  /** The job's retry settings for each call (a call's own `retry` wins). */
  retry: RetryOptions | undefined;
  /** Called as a call that is not safe to repeat leaves for the network (once per call). */
  beforeUnsafeCall(operation: OperationEntry): void;
  /** Called when such a call reached Gladly, or may have (it succeeded, or failed in a way that does not say it was refused). */
  unsafeCallReached(operation: OperationEntry): void;
}

/**
 * Whether a failed call may still have taken effect: anything but a refusal (Gladly's 4xx, a 429,
 * the client's own checks and limiter) or a connection that provably never opened.
 */
function mayHaveReached(error: unknown): boolean {
  if (error instanceof GladlyInputError || error instanceof GladlyLimiterError || error instanceof GladlyRateLimitError) return false;
  if (error instanceof GladlyError && error.status !== undefined && error.status >= 400 && error.status < 500) return false;
  return !provablyNotSent(error);
}

type Method = ((args?: Record<string, unknown>, options?: CallOptions) => Promise<unknown>) & { operation?: OperationEntry };

/** Wraps every operation method of `client`'s groups for one row; anything else passes through. */
export function rowClient(client: GladlyClient, scope: RowScope): GladlyClient {
  // The nth create of an operation within a row gets the nth derived id: a row that creates two
  // tasks creates the same two on every run.
  const creates = new Map<string, number>();
  const wrapMethod = (method: Method, op: OperationEntry): Method =>
    Object.assign(
      async (args: Record<string, unknown> = {}, options: CallOptions = {}) => {
        let callArgs = args;
        let idMayExist = false;
        if (op.createdResource && isPlainObject(args.body)) {
          const n = (creates.get(op.operationId) ?? 0) + 1;
          creates.set(op.operationId, n);
          if (args.body.id === undefined) {
            callArgs = { ...args, body: { ...args.body, id: await deriveId(scope.jobId, scope.key, `${op.operationId}#${n}`) } };
            idMayExist = true;
          } else if (typeof args.body.id === "string") {
            // An id the row gives (an `id` column) is the same on every run too: a 409 on it alone
            // is this row's create, made by a run that stopped before journaling it.
            idMayExist = true;
          }
        }
        const unsafe = !operationIsIdempotent(op) && !idMayExist;
        // Journaled as it leaves the rate limiter's queue for the network, not before: a call
        // still queued when the job stops never reached Gladly, and is simply run next time.
        let sent = false;
        const onSent = () => {
          if (sent) return;
          sent = true;
          scope.beforeUnsafeCall(op);
        };
        const call = method(callArgs, {
          priority: scope.priority,
          retry: scope.retry,
          ...(scope.signal ? { signal: scope.signal } : {}),
          ...options,
          ...(idMayExist ? { idMayExist } : {}),
          ...(unsafe ? { onSent } : {}),
        });
        if (!unsafe) return call;
        try {
          const result = await call;
          scope.unsafeCallReached(op);
          return result;
        } catch (error) {
          if (sent && mayHaveReached(error)) scope.unsafeCallReached(op);
          throw error;
        }
      },
      { operation: op },
    );
  const groups = new Map<PropertyKey, unknown>();
  return new Proxy(client, {
    get(target, name, receiver) {
      const group = Reflect.get(target, name, receiver) as unknown;
      if (typeof group !== "object" || group === null || name === "rateLimit") return group;
      if (!groups.has(name)) {
        groups.set(
          name,
          new Proxy(group, {
            get(groupTarget, methodName, groupReceiver) {
              const value = Reflect.get(groupTarget, methodName, groupReceiver) as Method | undefined;
              return typeof value === "function" && value.operation ? wrapMethod(value, value.operation) : value;
            },
          }),
        );
      }
      return groups.get(name);
    },
  });
}
