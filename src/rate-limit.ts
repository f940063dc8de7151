import Bottleneck from "bottleneck";
import { GladlyInputError } from "./errors.ts";
import { type Release, Semaphore, SlidingWindowLimiter } from "./limiter.ts";
import type { Send } from "./transport.ts";

/** What a request asks of the limiter. */
export interface LimitRequest {
  /** Reports have their own, tighter limits. */
  report: boolean;
  /** 0 (first) … 9 (last); interactive calls default to 5, bulk work should use more. */
  priority: number;
  signal?: AbortSignal | undefined;
}

/** What the server said about the budget, from one answer. */
export interface LimitObservation {
  status: number;
  limit?: number | undefined;
  remaining?: number | undefined;
  retryAfterMs?: number | undefined;
}

/** The shape a replacement limiter implements (`rateLimit: { limiter }`). */
export interface GladlyLimiter {
  /** Resolves when the request may be sent; call the returned function when its answer arrives. */
  acquire(request: LimitRequest): Promise<Release>;
  observe?(observation: LimitObservation): void;
  counts?(): LimiterCounts;
  /** Closes connections the limiter holds (Redis). */
  disconnect?(): Promise<void>;
}

export interface LimiterCounts {
  /** Requests waiting for budget. */
  queued: number;
  /** Requests sent and not yet answered, or answered within the last second. */
  inWindow: number;
}

export type RedisOption = { url: string } | { client: unknown };

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
  /** Key that processes sharing one organization's budget agree on (default: the API origin). */
  id?: string;
  /** A limiter of your own instead of the built-in one. */
  limiter?: GladlyLimiter;
}

/** Slots already last until the answer plus the window; this only absorbs timer jitter. */
const SAFETY_MS = 2;
/** Across processes admission is spaced rather than counted; 5 % slack absorbs the jitter of timers and Redis round trips. */
const CLUSTER_SPACING = 1.05;

/**
 * The built-in limiter for one organization. A request is admitted synchronously while the
 * window has budget and nobody is waiting, so it costs nothing then; only when the budget is
 * spent do requests queue, in bottleneck, ordered by priority. With Redis, bottleneck's cluster
 * spaces admissions across every process as well.
 */
export class OrganizationLimiter implements GladlyLimiter {
  readonly window: SlidingWindowLimiter;
  private readonly reports: SlidingWindowLimiter;
  private readonly reportSlots: Semaphore;
  private readonly queue = new Bottleneck({ maxConcurrent: 1 });
  private readonly cluster: Bottleneck | undefined;
  private waiting = 0;
  private readonly adaptive: boolean;

  constructor(options: RateLimitOptions & { id: string }) {
    const perSecond = options.perSecond ?? 10;
    this.adaptive = options.adaptive ?? true;
    // Others may already be using the budget: one answer's headers say how much before a burst.
    this.window = new SlidingWindowLimiter(perSecond, 1000 + SAFETY_MS, { probeFirst: this.adaptive && !options.redis });
    this.reports = new SlidingWindowLimiter(options.reportsPerMinute ?? 10, 60_000 + SAFETY_MS);
    this.reportSlots = new Semaphore(options.reportsConcurrent ?? 2);
    if (options.redis) {
      try {
        const connection =
          "client" in options.redis
            ? { connection: new Bottleneck.IORedisConnection({ client: options.redis.client as never }) }
            : { datastore: "ioredis", clientOptions: options.redis.url };
        this.cluster = new Bottleneck({ id: `gladly-api:${options.id}`, minTime: Math.ceil((1000 / perSecond) * CLUSTER_SPACING), clearDatastore: false, timeout: 60_000, ...connection } as never);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND") throw new GladlyInputError("rateLimit.redis", "needs the ioredis package (npm install ioredis)");
        throw error;
      }
    }
  }

  async acquire({ report, priority, signal }: LimitRequest): Promise<Release> {
    const releases: Release[] = [];
    const releaseAll: Release = () => releases.splice(0).forEach((release) => release());
    try {
      if (report) {
        releases.push(await this.reportSlots.acquire(signal));
        releases.push(await this.reports.acquire(signal));
      }
      if (this.cluster) await abortable(this.cluster.schedule({ priority }, async () => undefined), signal);
      const now = this.waiting === 0 ? this.window.tryAcquire() : undefined;
      releases.push(now ?? (await this.queued(priority, signal)));
    } catch (error) {
      releaseAll();
      throw error;
    }
    return releaseAll;
  }

  /** Waits in bottleneck's priority queue; the job at its head waits for the window. */
  private queued(priority: number, signal: AbortSignal | undefined): Promise<Release> {
    this.waiting++;
    let counted = true;
    const leave = () => {
      if (counted) this.waiting--;
      counted = false;
    };
    const job = this.queue.schedule({ priority }, () => {
      leave();
      return this.window.acquire(signal);
    });
    return abortable(job, signal, () => {
      leave();
      // A slot the job takes after the caller gave up is handed straight back.
      job.then((release) => release(), () => undefined);
    }).finally(leave);
  }

  observe({ status, limit, remaining, retryAfterMs }: LimitObservation): void {
    if (status === 429) this.window.pauseFor(retryAfterMs ?? 1000);
    // In a cluster the other consumers the headers reveal are mostly our own peers, whose share
    // Redis already accounts for: counting them again would starve and then burst.
    if (this.adaptive && !this.cluster && limit !== undefined && remaining !== undefined) this.window.observe(limit, remaining);
  }

  counts(): LimiterCounts {
    return { queued: this.waiting + this.window.queued, inWindow: this.window.inUse };
  }

  async disconnect(): Promise<void> {
    await this.cluster?.disconnect(false);
  }
}

/** Races a promise with an AbortSignal; `onAbort` cleans up what the promise still holds. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, onAbort?: () => void): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    onAbort?.();
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort?.();
      reject(signal.reason);
    };
    signal.addEventListener("abort", abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", abort);
        reject(error);
      },
    );
  });
}

const registry = new Map<string, OrganizationLimiter>();

/** One limiter per organization (API origin) and settings, shared by every client in the process. */
export function organizationLimiter(origin: string, options: RateLimitOptions): GladlyLimiter {
  if (options.limiter) return options.limiter;
  const id = options.id ?? origin;
  const key = JSON.stringify([id, options.perSecond, options.reportsPerMinute, options.reportsConcurrent, options.adaptive, options.redis && "url" in options.redis ? options.redis.url : options.redis ? "client" : null]);
  let limiter = registry.get(key);
  if (!limiter || (options.redis && "client" in options.redis)) {
    limiter = new OrganizationLimiter({ ...options, id });
    registry.set(key, limiter);
  }
  return limiter;
}

function headerNumber(response: Response, name: string): number | undefined {
  const value = response.headers.get(name);
  if (value === null || value.trim() === "") return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

/**
 * Paces requests to the API origin through the organization's limiter and tells it what each
 * answer said about the budget. Requests elsewhere (the file host behind an attachment's 303)
 * are not Gladly's to count.
 */
export function limitRequests(next: Send, apiBase: string, limiter: GladlyLimiter, priority: number, retryAfterMs: (response: Response) => number | undefined): Send {
  const base = new URL(apiBase);
  const reportsPath = `${base.pathname.replace(/\/$/, "")}/reports`;
  return async (request) => {
    // Cheap string checks on the hot path: the URL was built from this same base.
    if (!request.url.startsWith(base.origin + "/")) return next(request);
    const pathname = request.url.slice(base.origin.length).split("?")[0]!;
    const report = pathname === reportsPath || pathname.startsWith(`${reportsPath}/`);
    const release = await limiter.acquire({ report, priority, signal: request.signal });
    let response: Response;
    try {
      response = await next(request);
    } catch (error) {
      release();
      throw error;
    }
    limiter.observe?.({
      status: response.status,
      limit: headerNumber(response, "ratelimit-limit-second"),
      remaining: headerNumber(response, "ratelimit-remaining-second"),
      retryAfterMs: response.status === 429 ? retryAfterMs(response) : undefined,
    });
    // A report holds its concurrency slot until the CSV has been read, not only until headers arrive.
    return report ? releaseWhenConsumed(response, release) : (release(), response);
  };
}

function releaseWhenConsumed(response: Response, release: Release): Response {
  if (!response.body) {
    release();
    return response;
  }
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          release();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        release();
        controller.error(error);
      }
    },
    cancel(reason) {
      release();
      return reader.cancel(reason);
    },
  });
  const wrapped = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  Object.defineProperty(wrapped, "url", { value: response.url });
  return wrapped;
}
