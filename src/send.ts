import type { Hooks } from "./hooks.ts";
import type { Fetch } from "./transport.ts";

/** Thrown when no answer arrived within `timeout`; the retry layer may try again. */
export class AttemptTimeoutError extends Error {
  override name = "TimeoutError";
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs}ms`);
  }
}

/** Which attempt a request is; set by the retry layer, read for hooks. */
export const attemptOf = new WeakMap<Request, number>();

/**
 * The innermost layer: what is sent, once the limiter has admitted it. `timeoutMs` bounds the
 * wait for the answer's headers (a long download is not cut off by it).
 */
export function sendLayer(next: Fetch, timeoutMs: number | undefined, hooks: Hooks): Fetch {
  return async (request) => {
    const info = { method: request.method, url: request.url, attempt: attemptOf.get(request) ?? 1 };
    hooks.onRequest?.(info);
    const started = performance.now();
    let outgoing = request;
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (timeoutMs && timeoutMs > 0) {
      const controller = new AbortController();
      timer = setTimeout(() => controller.abort(new AttemptTimeoutError(timeoutMs)), timeoutMs);
      outgoing = new Request(request, { signal: request.signal ? AbortSignal.any([request.signal, controller.signal]) : controller.signal });
    }
    try {
      const response = await next(outgoing);
      hooks.onResponse?.({ ...info, status: response.status, durationMs: performance.now() - started });
      return response;
    } finally {
      clearTimeout(timer);
    }
  };
}
