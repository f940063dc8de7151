/**
 * Client-side pacing that keeps every client of one organization under Gladly's limits.
 * Admission is synchronous while there is budget, so a request pays nothing for the limiter
 * until the organization is actually near its limit.
 */

/** Frees a slot's place in the window; call it when the response (or the failure) arrives. */
export type Release = () => void;

interface Slot {
  /** When the request was answered, or Infinity while it is in flight. */
  end: number;
}

/**
 * At most `limit` requests in any `windowMs` *as the server counts them*, first come first served.
 * The server counts a request somewhere between the moment it was sent and the moment its
 * answer came back, so a slot stays taken while the request is in flight and for `windowMs`
 * after its answer. That is always safe, whatever the network delay, and on a fast network
 * costs almost nothing.
 */
export class SlidingWindowLimiter {
  private readonly slots = new Set<Slot>();
  private readonly waiting: { resolve: (release: Release) => void; reject: (error: unknown) => void; signal?: AbortSignal; onAbort?: () => void }[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    if (!(limit > 0)) throw new RangeError("limit must be positive");
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Slots taken: in flight, or answered within the window. */
  get inUse(): number {
    this.prune(performance.now());
    return this.slots.size;
  }

  private prune(now: number): void {
    for (const slot of this.slots) if (slot.end <= now - this.windowMs) this.slots.delete(slot);
  }

  private take(): Release {
    const slot: Slot = { end: Infinity };
    this.slots.add(slot);
    return () => {
      if (slot.end !== Infinity) return;
      slot.end = performance.now();
      this.pump();
    };
  }

  /** Takes a slot now if one is free and nobody is queued ahead. */
  tryAcquire(): Release | undefined {
    this.prune(performance.now());
    if (this.waiting.length || this.slots.size >= this.limit) return undefined;
    return this.take();
  }

  /** Resolves with the slot's release once taken; rejects with the signal's reason if aborted while queued. */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const now = this.tryAcquire();
    if (now) return Promise.resolve(now);
    return new Promise<Release>((resolve, reject) => {
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
      this.pump();
    });
  }

  /** Hands free slots to the queue, then sleeps until the next slot leaves the window. */
  private pump(): void {
    const now = performance.now();
    this.prune(now);
    while (this.waiting.length && this.slots.size < this.limit) {
      const next = this.waiting.shift()!;
      if (next.signal && next.onAbort) next.signal.removeEventListener("abort", next.onAbort);
      next.resolve(this.take());
    }
    if (!this.waiting.length) return;
    let earliest = Infinity;
    for (const slot of this.slots) earliest = Math.min(earliest, slot.end + this.windowMs);
    // All slots in flight: a release will pump again.
    if (earliest === Infinity || earliest >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = earliest;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, earliest - now));
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

/** Slots already last until the answer plus the window; this only absorbs timer jitter. */
const SAFETY_MS = 2;

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
