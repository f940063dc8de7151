import type { Hooks } from "./hooks.ts";
import type { Send } from "./transport.ts";

/** Thrown when no answer arrived within `timeout`; the retry layer may try again. */
export class AttemptTimeoutError extends Error {
  override name = "TimeoutError";
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs}ms`);
  }
}

/** How a grouped method reads its answer, so the retry layer can read it inside its loop; "stream" leaves it to the caller. */
export type BodyKind = "json" | "text" | "binary" | "none" | "stream";

/**
 * State one call shares between its layers. When the caller passed a signal, the request's
 * signal follows it and `controller`, which the send layer aborts when an attempt times out;
 * each retry gets a fresh controller.
 */
export interface CallControl {
  controller: AbortController | undefined;
  /** The caller's own signal: its abort ends the call, and is never retried. */
  userSignal?: AbortSignal | undefined;
  /** How many attempts were sent. */
  attempts: number;
  /** The success body, read within the retry loop. */
  body?: { json?: unknown; text?: string; bytes?: ArrayBuffer };
  /** Overrides how the body is read ("stream": not at all). */
  bodyKind?: BodyKind;
  /** False to hand back a redirect instead of following it. */
  followRedirects?: boolean;
}

export function newCallControl(userSignal?: AbortSignal): CallControl {
  return { controller: userSignal ? new AbortController() : undefined, userSignal, attempts: 0 };
}

/**
 * The signal a request of this call carries, if any. A Request that follows a signal costs about a
 * tenth of a loopback round trip, so one is attached only when the caller brought a signal.
 */
export function callSignal(control: CallControl): AbortSignal | undefined {
  if (!control.userSignal) return undefined;
  control.controller ??= new AbortController();
  return AbortSignal.any([control.userSignal, control.controller.signal]);
}

/**
 * The innermost layer: what is sent, once the limiter has admitted it. `timeoutMs` bounds the
 * wait for the answer's headers (a long download is not cut off by it).
 */
export function sendLayer(next: Send, timeoutMs: number | undefined, hooks: Hooks): Send {
  return async (request) => {
    const control = request.control;
    const info = hooks.onRequest || hooks.onResponse ? { method: request.method, url: request.url, attempt: request.attempt } : undefined;
    if (info) hooks.onRequest?.(info);
    const started = info ? performance.now() : 0;
    let outgoing = request;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let timedOut: Promise<never> | undefined;
    if (timeoutMs && timeoutMs > 0) {
      const controller = control ? control.controller : new AbortController();
      if (controller) {
        timer = setTimeout(() => controller.abort(new AttemptTimeoutError(timeoutMs)), timeoutMs);
        // openapi-fetch's own methods carry no per-call controller: give the request one.
        if (!control) outgoing = { ...request, signal: request.signal ? AbortSignal.any([request.signal, controller.signal]) : controller.signal };
      } else {
        // No signal on the request: the attempt gives up at the deadline, and the late answer, if
        // one comes, is discarded (undici closes a connection that never answers after 5 minutes).
        timedOut = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new AttemptTimeoutError(timeoutMs)), timeoutMs);
        });
      }
    }
    try {
      const pending = next(outgoing);
      if (timedOut) pending.then((late) => (timer === undefined ? late.body?.cancel() : undefined), () => undefined);
      const response = await (timedOut ? Promise.race([pending, timedOut]) : pending);
      if (info) hooks.onResponse?.({ ...info, status: response.status, durationMs: performance.now() - started });
      return response;
    } finally {
      clearTimeout(timer);
      timer = undefined;
    }
  };
}
