/**
 * Turns whatever was thrown below into the client's typed errors.
 *
 * Guarantee: a call fails with a GladlyError subclass or GladlyInputError, never a bare TypeError
 * from fetch: the caller's own abort is a GladlyAbortError (not a connection failure), a timeout or
 * network failure a GladlyConnectionError, a wait the limiter refuses a GladlyRateLimitError. A
 * body handed back unread (the stream helpers', openapi-fetch's) and read after the call returned
 * fails the same way, naming the URL that broke off as the client reports it (see `typedBody`).
 */
import { GladlyAbortError, GladlyError, GladlyInputError, GladlyLimiterError, GladlyRateLimitError, connectionError, pathOf, reportedUrl } from "../errors.ts";
import { LimiterUnavailableError } from "../limiter/types.ts";
import { WaitTooLongError } from "../limiter/slots.ts";
import type { Answer, Layer } from "./request.ts";
import { AttemptTimeoutError } from "./timeout.ts";

export function typedErrorsLayer(apiOrigin: string): Layer {
  return async (request, next) => {
    let answer: Answer;
    try {
      answer = await next(request);
    } catch (cause) {
      throw typedError(cause, request.method, request.url, request.signal);
    }
    if (answer.body !== undefined) return answer;
    const { response } = answer;
    return { ...answer, response: typedBody(response, request.method, reportedUrl(response.url || request.url, apiOrigin), request.signal) };
  };
}

export function typedError(cause: unknown, method: string, url: string, signal: AbortSignal | undefined, stage = "request failed"): Error {
  if (cause instanceof GladlyInputError || cause instanceof GladlyAbortError) return cause;
  const where = `${method} ${pathOf(url)}`;
  // The caller's abort wins over whatever it interrupted (an error answer whose body it cut short included).
  if (signal?.aborted) return new GladlyAbortError(`${where}: aborted by the caller`, { method, url, cause: signal.reason });
  if (cause instanceof GladlyError) return cause;
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
 * it never reaches) errors with a GladlyConnectionError for `method` and `url`, the caller's abort
 * with a GladlyAbortError. Status, headers and `url` stay those of the response.
 */
export function typedBody(response: Response, method: string, url: string, signal: AbortSignal | undefined): Response {
  if (!response.body) return response;
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
  // Configurable: openStream sets the URL its helpers report.
  Object.defineProperty(typed, "url", { value: response.url, configurable: true });
  return typed;
}
