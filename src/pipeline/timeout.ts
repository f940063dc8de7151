/**
 * Bounds each attempt: the wait for the answer, and the reading of its body when the call reads it
 * (a stream handed to the caller, a long download, is not cut off by it).
 *
 * Guarantee: at the deadline the request is aborted, so its socket is released at once rather than
 * left open until the HTTP stack gives up; the caller's signal is followed too. Each attempt (a
 * retry) gets a fresh deadline.
 */
import { MAX_TIMER_MS } from "../sleep.ts";
import type { Layer } from "./request.ts";

/** No answer arrived within the timeout; the retry layer may try again. */
export class AttemptTimeoutError extends Error {
  override name = "TimeoutError";
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs}ms`);
  }
}

export function timeoutLayer(defaultTimeoutMs: number): Layer {
  return async (request, next) => {
    const timeoutMs = request.settings.timeout ?? defaultTimeoutMs;
    if (!(timeoutMs > 0) || timeoutMs >= MAX_TIMER_MS) return next(request);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new AttemptTimeoutError(timeoutMs)), timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, deadline.signal]) : deadline.signal;
    try {
      return await next({ ...request, signal });
    } catch (error) {
      // fetch rejects with the signal's reason; say which signal fired.
      throw deadline.signal.aborted && !request.signal?.aborted ? deadline.signal.reason : error;
    } finally {
      clearTimeout(timer);
    }
  };
}
