/**
 * Turns whatever was thrown below into the client's typed errors.
 *
 * Guarantee: a call fails with a GladlyError subclass or GladlyInputError, never a bare TypeError
 * from fetch: the caller's own abort is a GladlyAbortError (not a connection failure), a timeout or
 * network failure a GladlyConnectionError, a wait the limiter refuses a GladlyRateLimitError.
 */
import { GladlyAbortError, GladlyError, GladlyInputError, GladlyLimiterError, GladlyRateLimitError, connectionError, pathOf } from "../errors.ts";
import { LimiterUnavailableError } from "../limiter/types.ts";
import { WaitTooLongError } from "../limiter/slots.ts";
import type { Layer } from "./request.ts";
import { AttemptTimeoutError } from "./timeout.ts";

export const typedErrorsLayer: Layer = async (request, next) => {
  try {
    return await next(request);
  } catch (cause) {
    throw typedError(cause, request.method, request.url, request.signal);
  }
};

export function typedError(cause: unknown, method: string, url: string, signal: AbortSignal | undefined): Error {
  if (cause instanceof GladlyError || cause instanceof GladlyInputError) return cause;
  const where = `${method} ${pathOf(url)}`;
  if (signal?.aborted) return new GladlyAbortError(`${where}: aborted by the caller`, { method, url, cause: signal.reason });
  if (cause instanceof WaitTooLongError) {
    return new GladlyRateLimitError(`${where}: ${cause.message} after a 429, longer than this call may wait`, {
      status: 429,
      method,
      url,
      retryAfter: cause.waitMs / 1000,
    });
  }
  if (cause instanceof LimiterUnavailableError) return new GladlyLimiterError(`${where}: ${cause.message}`, { method, url, cause });
  return connectionError(cause, method, url, cause instanceof AttemptTimeoutError ? "timed out" : "request failed");
}
