/** Observability: every hook is optional, called synchronously, and must not throw. */
import { reportedUrl } from "./errors.ts";

/** What every hook learns of the request it reports: method, URL (never credentials) and attempt. */
export interface RequestInfo {
  /** The HTTP method, e.g. `GET`. */
  method: string;
  /**
   * The request URL; credentials are never part of it, nor the query string of a URL off Gladly's
   * API origin (the signed file link of a 303 carries its signature there).
   */
  url: string;
  /** 1 for the first try, 2 for the first retry, … */
  attempt: number;
}

/**
 * Callbacks that observe the client (the `hooks` option): requests, answers, retries, 429s, capped
 * lists and the shared limiter. Each is optional and called synchronously; one that throws does not
 * stop the request.
 */
export interface Hooks {
  /** A request is about to be sent (after the rate limiter admitted it). */
  onRequest?(info: RequestInfo): void;
  /** Its answer arrived (with its body, for calls that read it; a stream's body may still be arriving). */
  onResponse?(info: RequestInfo & { status: number; durationMs: number }): void;
  /** A failed attempt will be retried after `delayMs`. */
  onRetry?(info: RequestInfo & { delayMs: number; reason: string; status?: number | undefined }): void;
  /** Gladly answered 429; the client waits `retryAfterMs` before sending more to the organization. */
  onRateLimited?(info: RequestInfo & { retryAfterMs: number }): void;
  /** A list Gladly caps came back full: there may be more than it returned. */
  onTruncated?(info: { operationId: string; count: number; cap: number }): void;
  /** The shared budget in Redis became unreachable (pacing locally, or failing, per `redisFallback`) or reachable again. */
  onLimiter?(info: { redis: "connected" | "unavailable"; reason: string }): void;
}

type Log = (line: string) => void;

/** `DEBUG=gladly-api` (or `gladly-api:*`, or `*`) turns on a one-line-per-event log on stderr. */
export function debugEnabled(env: Record<string, string | undefined>): boolean {
  return (env.DEBUG ?? "").split(/[\s,]+/).some((name) => name === "*" || name === "gladly-api" || name.startsWith("gladly-api:"));
}

function pathOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.pathname + parsed.search;
  } catch {
    return url;
  }
}

/** Hooks that print what happens; they see only method, URL and status, never headers. */
export function debugHooks(log: Log = (line) => console.error(line)): Hooks {
  return {
    onRequest: ({ method, url, attempt }) => log(`gladly-api → ${method} ${pathOf(url)}${attempt > 1 ? ` (attempt ${attempt})` : ""}`),
    onResponse: ({ method, url, status, durationMs }) => log(`gladly-api ← ${status} ${method} ${pathOf(url)} ${durationMs.toFixed(0)}ms`),
    onRetry: ({ method, url, delayMs, reason }) => log(`gladly-api ↻ ${method} ${pathOf(url)} in ${delayMs.toFixed(0)}ms: ${reason}`),
    onRateLimited: ({ method, url, retryAfterMs }) => log(`gladly-api ⏸ 429 on ${method} ${pathOf(url)}: pausing ${retryAfterMs.toFixed(0)}ms`),
    onTruncated: ({ operationId, count, cap }) => log(`gladly-api ⚠ ${operationId} returned ${count} of at most ${cap}: the list may be incomplete`),
    onLimiter: ({ redis, reason }) =>
      log(redis === "connected" ? `gladly-api ✓ redis: ${reason}; sharing the budget again` : `gladly-api ⚠ redis unavailable: ${reason}`),
  };
}

/** Calls every set of hooks in turn; one hook that throws does not stop the request. */
export function combineHooks(...sets: (Hooks | undefined)[]): Hooks {
  const present = sets.filter((h): h is Hooks => h !== undefined);
  const call =
    <K extends keyof Hooks>(name: K) =>
    (info: Parameters<NonNullable<Hooks[K]>>[0]) => {
      for (const hooks of present) {
        try {
          (hooks[name] as ((i: typeof info) => void) | undefined)?.(info);
        } catch {
          // An observer's bug must not break the call it observes.
        }
      }
    };
  if (present.length === 0) return {};
  return {
    onRequest: call("onRequest"),
    onResponse: call("onResponse"),
    onRetry: call("onRetry"),
    onRateLimited: call("onRateLimited"),
    onTruncated: call("onTruncated"),
    onLimiter: call("onLimiter"),
  };
}

/**
 * The hooks as the pipeline calls them: each URL as the client reports it (see reportedUrl), so the
 * caller's hooks and the debug log alike never see a signed link's query string. A hook that is
 * not set stays unset (the pipeline skips work for hooks nobody listens to).
 */
export function reportingHooks(hooks: Hooks, apiOrigin: string): Hooks {
  const reporting = <I extends RequestInfo>(hook: ((info: I) => void) | undefined) =>
    hook && ((info: I) => hook({ ...info, url: reportedUrl(info.url, apiOrigin) }));
  const { onRequest, onResponse, onRetry, onRateLimited, ...rest } = hooks;
  return {
    ...rest,
    ...(onRequest && { onRequest: reporting(onRequest) }),
    ...(onResponse && { onResponse: reporting(onResponse) }),
    ...(onRetry && { onRetry: reporting(onRetry) }),
    ...(onRateLimited && { onRateLimited: reporting(onRateLimited) }),
  };
}
