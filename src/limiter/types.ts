import type { Release } from "./slots.ts";

export type { Release } from "./slots.ts";

/** What a request asks of the limiter. */
export interface LimitRequest {
  /** Reports have their own, tighter limits. */
  report: boolean;
  /** 0 (first) … 9 (last); interactive calls default to 5, bulk work should use more. */
  priority: number;
  signal?: AbortSignal | undefined;
  /** A known wait longer than this (a pause after a 429) fails the request at once instead. */
  maxWaitMs?: number | undefined;
}

/** What the server said about the budget, from one answer. */
export interface LimitObservation {
  status: number;
  limit?: number | undefined;
  remaining?: number | undefined;
  retryAfterMs?: number | undefined;
  /** When the request was admitted (`performance.now()`), so the limiter can tell its own requests from others'. */
  sentAt?: number | undefined;
}

/** The shape a replacement limiter implements (`rateLimit: { limiter }`). */
export interface GladlyLimiter {
  /** Resolves when the request may be sent; call the returned function when its answer arrives. */
  acquire(request: LimitRequest): Promise<Release>;
  /** Told what each answer said about the budget (status, Ratelimit-* headers, Retry-After). */
  observe?(observation: LimitObservation): void;
  /** What the limiter is doing now, for `client.rateLimit.counts()`. */
  counts?(): LimiterCounts;
  /** Closes connections the limiter holds (Redis). */
  disconnect?(): Promise<void>;
}

/** A snapshot of the limiter: queue depth, requests in the current window, and Redis status. */
export interface LimiterCounts {
  /** Requests waiting for budget. */
  queued: number;
  /** Requests sent and not yet answered, or answered within the last second. */
  inWindow: number;
  /** With Redis: whether the shared budget is reachable (false: pacing locally, see `redisFallback`). */
  redis?: "connected" | "unavailable" | undefined;
}

/** Where the shared budget lives: a Redis URL, or an ioredis client you already have. */
export type RedisOption = { url: string } | { client: unknown };

/** Settings of the client-side pacing (the `rateLimit` option); the defaults are Gladly's own limits. */
export interface RateLimitOptions {
  /** Requests per second for the organization, across every client (Gladly: 10). */
  perSecond?: number;
  /** Report generations per minute (Gladly: 10). */
  reportsPerMinute?: number;
  /** Reports generated at the same time (Gladly: 2). */
  reportsConcurrent?: number;
  /** Follow the Ratelimit-Limit-Second / Ratelimit-Remaining-Second headers (default true). */
  adaptive?: boolean;
  /**
   * Share the budget with other processes through Redis (bottleneck's clustering): a URL such
   * as redis://127.0.0.1:6379, or an existing ioredis client. Needs the `ioredis` package.
   */
  redis?: RedisOption;
  /**
   * While Redis cannot be reached: `"local"` (default) paces this process alone at
   * `localShare` of `perSecond`, and rejoins the shared budget when Redis is back; `"fail"`
   * rejects requests with GladlyLimiterError instead.
   */
  redisFallback?: "local" | "fail";
  /** Share of `perSecond` one process takes while Redis is down (default 0.25: four processes stay under the limit). */
  localShare?: number;
  /** Key that processes sharing one organization's budget agree on (default: the API origin). */
  id?: string;
  /** A limiter of your own instead of the built-in one. */
  limiter?: GladlyLimiter;
}

/** Thrown by the built-in limiter when the shared budget (Redis) is unreachable and `redisFallback` is "fail". */
export class LimiterUnavailableError extends Error {
  override name = "LimiterUnavailableError";
}
