/**
 * Client-side pacing that keeps every client of one organization under Gladly's limits.
 * Admission is synchronous while there is budget, so a request pays nothing for the limiter
 * until the organization is actually near its limit.
 */

/** At most `limit` admissions in any `windowMs`, first come first served. */
export class SlidingWindowLimiter {
  private readonly stamps: number[] = [];
  private readonly waiting: { resolve: () => void; reject: (error: unknown) => void; signal?: AbortSignal; onAbort?: () => void }[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    if (!(limit > 0)) throw new RangeError("limit must be positive");
  }

  private prune(now: number): void {
    while (this.stamps.length && this.stamps[0]! <= now - this.windowMs) this.stamps.shift();
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Takes a slot now if one is free (and nobody is queued ahead). */
  tryAcquire(): boolean {
    const now = performance.now();
    this.prune(now);
    if (this.waiting.length || this.stamps.length >= this.limit) return false;
    this.stamps.push(now);
    return true;
  }

  /** Resolves when a slot is taken; rejects with the signal's reason if aborted while queued. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const entry: (typeof this.waiting)[number] = { resolve, reject, ...(signal && { signal }) };
      if (signal) {
        entry.onAbort = () => {
          const index = this.waiting.indexOf(entry);
          if (index >= 0) this.waiting.splice(index, 1);
          reject(signal.reason);
        };
        signal.addEventListener("abort", entry.onAbort, { once: true });
      }
      this.waiting.push(entry);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.timer || !this.waiting.length) return;
    const now = performance.now();
    this.prune(now);
    const wait = this.stamps.length < this.limit ? 0 : this.stamps[0]! + this.windowMs - now;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const at = performance.now();
      this.prune(at);
      while (this.waiting.length && this.stamps.length < this.limit) {
        const next = this.waiting.shift()!;
        if (next.signal && next.onAbort) next.signal.removeEventListener("abort", next.onAbort);
        this.stamps.push(at);
        next.resolve();
      }
      this.schedule();
    }, Math.max(0, wait));
  }
}

/** At most `limit` holders at once. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(readonly limit: number) {}

  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.waiting.shift()?.();
    };
  }
}

export interface RateLimitOptions {
  /** Requests per second for the organization, across every client in this process (Gladly: 10). */
  perSecond?: number;
  /** Report generations per minute (Gladly: 10). */
  reportsPerMinute?: number;
  /** Reports generated at the same time (Gladly: 2). */
  reportsConcurrent?: number;
}

/**
 * Gladly counts requests when they arrive; the client counts them when they leave. A window a
 * little longer than Gladly's absorbs the difference in network delay between two requests.
 */
const SAFETY_MS = 20;

export interface OrganizationLimits {
  requests: SlidingWindowLimiter;
  reports: SlidingWindowLimiter;
  reportSlots: Semaphore;
}

const registry = new Map<string, OrganizationLimits>();

/** One set of limiters per organization (API origin) and settings, shared by every client in the process. */
export function limitsFor(origin: string, options: RateLimitOptions = {}): OrganizationLimits {
  const perSecond = options.perSecond ?? 10;
  const reportsPerMinute = options.reportsPerMinute ?? 10;
  const reportsConcurrent = options.reportsConcurrent ?? 2;
  const key = `${origin} ${perSecond} ${reportsPerMinute} ${reportsConcurrent}`;
  let limits = registry.get(key);
  if (!limits) {
    limits = {
      requests: new SlidingWindowLimiter(perSecond, 1000 + SAFETY_MS),
      reports: new SlidingWindowLimiter(reportsPerMinute, 60_000 + SAFETY_MS),
      reportSlots: new Semaphore(reportsConcurrent),
    };
    registry.set(key, limits);
  }
  return limits;
}
