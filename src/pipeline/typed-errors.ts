/**
 * Turns whatever was thrown below into the client's typed errors.
 *
 * Guarantee: a call fails with a GladlyError subclass or GladlyInputError, never a bare TypeError
 * from fetch: the caller's own abort is a GladlyAbortError (not a connection failure), a timeout or
 * network failure a GladlyConnectionError, a wait the limiter refuses a GladlyRateLimitError. A
 * body the stream helpers read after the call returned fails the same way (see `typedBody`).
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

export function typedError(cause: unknown, method: string, url: string, signal: AbortSignal | undefined, stage = "request failed"): Error {
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
  return connectionError(cause, method, url, cause instanceof AttemptTimeoutError ? "timed out" : stage);
}

/**
 * The response with a body whose failures are typed: one that breaks off (a reset, a Content-Length
 * it never reaches) errors with a GladlyConnectionError, the caller's abort with a GladlyAbortError.
 * Its `url` is `url`, the one to report, so whatever reads it names the call that way.
 */
export function typedBody(response: Response, method: string, url: string, signal: AbortSignal | undefined): Response {
  if (!response.body) {
    Object.defineProperty(response, "url", { value: url });
    return response;
  }
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (cause) {
          controller.error(typedError(cause, method, url, signal, "the body broke off"));
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    // Pull only when the reader asks: the source's own buffering is enough.
    { highWaterMark: 0 },
  );
  const typed = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  Object.defineProperty(typed, "url", { value: url });
  return typed;
}
