/**
 * Bounds each attempt: the wait for the answer, and the reading of its body when the call reads it
 * (a stream handed to the caller, a long download, is not cut off by it).
 *
 * Guarantee: at the deadline the attempt fails, even if the request cannot be stopped at once
 * (still connecting, or a caller's fetch that ignores signals), and the request is aborted, so its
 * socket is released at once rather than left open until the HTTP stack gives up; the caller's
 * signal is followed too. Each attempt (a retry) gets a fresh deadline.
 */
import { MAX_TIMER_MS } from "../sleep.ts";
import { Deadline } from "./deadline.ts";
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
    const deadline = new Deadline();
    const timer = setTimeout(() => deadline.expire(new AttemptTimeoutError(timeoutMs)), timeoutMs);
    // With a caller's signal fetch follows a signal anyway, so the deadline joins it; without
    // one, fetch is handed the deadline and enforces it the cheapest way it can (deadline.ts).
    const forNext = request.signal ? { ...request, signal: AbortSignal.any([request.signal, deadline.signal]) } : { ...request, deadline };
    try {
      return await deadline.bound(next(forNext));
    } catch (error) {
      // fetch rejects with the signal's reason, or undici's own error; say which end came first.
      throw deadline.reason && !request.signal?.aborted ? deadline.reason : error;
    } finally {
      clearTimeout(timer);
    }
  };
}
