/**
 * Tells the hooks (and the debug log) about each attempt: sent, and answered with what status.
 * It sits inside the limiter, so a request is reported when it actually leaves, not while queued.
 */
import type { Hooks } from "../hooks.ts";
import type { Layer } from "./request.ts";

export function observeLayer(hooks: Hooks): Layer {
  if (!hooks.onRequest && !hooks.onResponse) return (request, next) => next(request);
  return async (request, next) => {
    const info = { method: request.method, url: request.url, attempt: request.attempt };
    hooks.onRequest?.(info);
    const started = performance.now();
    const answer = await next(request);
    hooks.onResponse?.({ ...info, status: answer.response.status, durationMs: performance.now() - started });
    return answer;
  };
}
