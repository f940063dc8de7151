/**
 * Retries 429s (honouring Retry-After), 502/503/504, network failures, bodies cut short and JSON
 * garbled on the way, with exponential backoff and full jitter, within a bound on attempts and on
 * total time.
 *
 * Guarantee: a request that may have reached Gladly is sent again only when it is idempotent (a
 * 429, or a connection that provably never opened, is safe for any request); the caller's abort is
 * never retried; every retry goes back through the rate limiter below this layer.
 */
import { GladlyError, GladlyInputError, retryAfterMs as retryAfterOf } from "../errors.ts";
import { WaitTooLongError } from "../limiter/slots.ts";
import { LimiterUnavailableError } from "../limiter/types.ts";
import type { OperationEntry } from "../../generated/operations.ts";
import type { Hooks } from "../hooks.ts";
import { sleep } from "../sleep.ts";
import type { Answer, Layer, PipelineRequest } from "./request.ts";
import { AttemptTimeoutError } from "./timeout.ts";

/** How failed attempts are retried (the `retry` option, per client or per call): exponential backoff with jitter, within a time budget. */
export interface RetryOptions {
  /** Retries after the first attempt (default 3; 0 turns retrying off). */
  maxRetries?: number;
  /** Backoff ceiling before the first retry, in ms (default 500); it doubles with each retry. */
  initialDelayMs?: number;
  /** Largest backoff, in ms (default 20 000). */
  maxDelayMs?: number;
  /** No retry starts later than this after the first attempt, in ms (default 60 000). */
  maxElapsedMs?: number;
}

export const RETRY_DEFAULTS: Required<RetryOptions> = { maxRetries: 3, initialDelayMs: 500, maxDelayMs: 20_000, maxElapsedMs: 60_000 };

/** Connection failures where the request provably never reached the server. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);
const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"]);

/**
 * POSTs that are safe to send twice although POST: adding a topic that is already there,
 * add/remove lists, redaction, and reads that happen to be POSTs (reports, a JWT).
 */
const IDEMPOTENT_POSTS = new Set([
  "addTopicToConversation",
  "updateConversationFreeformTopics",
  "redactContent",
  "generateReport",
  "generateWorkSessionReport",
  "createUserIdentityJWT",
]);

/** Whether calling the operation twice is harmless (a create that takes an id is: the client chooses one). */
export function operationIsIdempotent(op: OperationEntry): boolean {
  return op.method !== "POST" || op.createdResource !== null || IDEMPOTENT_POSTS.has(op.operationId);
}

/** Whether sending the request twice is harmless: the call's own say, else its operation, else its method. */
export function isIdempotent(request: PipelineRequest): boolean {
  if (request.settings.idempotent !== undefined) return request.settings.idempotent;
  return request.operation ? operationIsIdempotent(request.operation) : IDEMPOTENT_METHODS.has(request.method);
}

function causeCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

/** Whether a thrown error says the request never left: a connection that provably never opened. */
export function provablyNotSent(error: unknown): boolean {
  const code = causeCode(error);
  return code !== undefined && NOT_SENT.has(code);
}

/** Why a thrown error may be retried, or undefined when it must not be. */
function errorReason(error: unknown, idempotent: boolean): string | undefined {
  const code = causeCode(error);
  if (provablyNotSent(error)) return `connection failed (${code}) before the request was sent`;
  if (!idempotent || !(error instanceof Error)) return undefined;
  if (error instanceof AttemptTimeoutError) return error.message;
  // A limiter's refusal, or a mistake of the caller's, is final.
  if (error instanceof WaitTooLongError || error instanceof LimiterUnavailableError || error instanceof GladlyError || error instanceof GladlyInputError)
    return undefined;
  return `connection failed (${code ?? error.message})`;
}

/** Why an answer may be retried, or undefined when it is final. */
function answerReason({ response, body }: Answer, idempotent: boolean): string | undefined {
  const status = response.status;
  // Gladly refuses a 429 before doing anything, so even a create can be sent again.
  if (status === 429) return "429 rate limited";
  if (!idempotent) return undefined;
  if (status === 502 || status === 503 || status === 504) return `${status} from the server`;
  if (body?.kind === "json-invalid") return "malformed JSON body";
  return undefined;
}

export function retryLayer(clientOptions: RetryOptions | false, hooks: Hooks, random: () => number = Math.random): Layer {
  const never = { ...RETRY_DEFAULTS, maxRetries: 0 };
  const clientDefaults = clientOptions === false ? never : { ...RETRY_DEFAULTS, ...clientOptions };
  return async (request, next) => {
    const own = request.settings.retry;
    const options = own === undefined ? clientDefaults : own === false ? never : { ...RETRY_DEFAULTS, ...(clientOptions || {}), ...own };
    const idempotent = isIdempotent(request);
    const started = performance.now();
    const mayRetry = (attempt: number, waitMs = 0) => attempt <= options.maxRetries && performance.now() - started + waitMs <= options.maxElapsedMs;
    for (let attempt = 1; ; attempt++) {
      let reason: string | undefined;
      let retryAfterMs: number | undefined;
      let status: number | undefined;
      try {
        const answer = await next(attempt === 1 ? request : { ...request, attempt });
        status = answer.response.status;
        reason = answerReason(answer, idempotent);
        if (status === 429) {
          retryAfterMs = retryAfterOf(answer.response);
          hooks.onRateLimited?.({ method: request.method, url: request.url, attempt, retryAfterMs: retryAfterMs ?? 0 });
        }
        if (!reason || !mayRetry(attempt, retryAfterMs)) return { response: answer.response, body: answer.body, attempts: attempt };
        if (!answer.response.bodyUsed) await answer.response.body?.cancel();
      } catch (error) {
        if (request.signal?.aborted) throw error;
        reason = errorReason(error, idempotent);
        if (!reason || !mayRetry(attempt)) throw error;
      }
      const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** (attempt - 1));
      const delayMs = retryAfterMs !== undefined ? retryAfterMs + random() * Math.min(ceiling, 250) : random() * ceiling;
      hooks.onRetry?.({ method: request.method, url: request.url, attempt, delayMs, reason, status });
      await sleep(delayMs, request.signal);
    }
  };
}
