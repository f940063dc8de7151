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
  /** Nothing is admitted before this time (after a 429, or when told the budget is spent). */
  private pausedUntil = 0;
  private readonly waiting: { resolve: (release: Release) => void; reject: (error: unknown) => void; signal?: AbortSignal; onAbort?: () => void }[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;

  /** False until the first answer, when `probeFirst`: the headers of one answer come before a burst. */
  private probed: boolean;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    options: { probeFirst?: boolean } = {},
  ) {
    if (!(limit > 0)) throw new RangeError("limit must be positive");
    this.probed = !options.probeFirst;
  }

  /** The budget the server announces (it may be lower than ours); undefined until it says. */
  private serverLimit: number | undefined;
  /** What other clients of the organization used of the server's window at the last answer. */
  private othersUse = 0;

  /**
   * What this client may use: the smaller limit, less what others were last seen using. Sharing
   * with others leaves 5 % headroom, since their next second need not look like their last.
   */
  get effectiveLimit(): number {
    const limit = Math.min(this.limit, this.serverLimit ?? Infinity);
    return this.othersUse > 0 ? Math.max(1, Math.floor((limit - this.othersUse) * 0.95)) : limit;
  }

  /**
   * Follows what the server reports: `remaining` of `limit` left in its window. Whatever it counted
   * beyond our own answered requests was spent by other clients; our share shrinks by that much,
   * spread over our own sliding window rather than released in a burst.
   */
  observe(limit: number, remaining: number): void {
    if (!(limit > 0) || !(remaining >= 0)) return;
    this.serverLimit = limit;
    const now = performance.now();
    this.prune(now);
    let answered = 0;
    for (const slot of this.slots) if (slot.end !== Infinity) answered++;
    this.othersUse = Math.max(0, limit - remaining - answered);
    this.pump();
  }

  /** Admits nothing for `ms` (Gladly answered 429). */
  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, performance.now() + ms);
    this.pump();
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
      this.probed = true;
      this.pump();
    };
  }

  /** Takes a slot now if one is free and nobody is queued ahead. */
  tryAcquire(): Release | undefined {
    const now = performance.now();
    this.prune(now);
    if (this.waiting.length || this.slots.size >= this.effectiveLimit || now < this.pausedUntil || (!this.probed && this.slots.size > 0)) return undefined;
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
    while (this.waiting.length && this.slots.size < this.effectiveLimit && now >= this.pausedUntil && (this.probed || this.slots.size === 0)) {
      const next = this.waiting.shift()!;
      if (next.signal && next.onAbort) next.signal.removeEventListener("abort", next.onAbort);
      next.resolve(this.take());
    }
    if (!this.waiting.length) return;
    // Paused: wake when the pause ends. Full: wake when the first answered slot leaves the window;
    // if every slot is still in flight, the next release pumps instead.
    let earliest = Infinity;
    if (now < this.pausedUntil) earliest = this.pausedUntil;
    else for (const slot of this.slots) earliest = Math.min(earliest, slot.end + this.windowMs);
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

/** At most `limit` holders at once; a released slot passes straight to the next waiter. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(readonly limit: number) {}

  async acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) throw signal.reason;
    if (this.active < this.limit) this.active++;
    else {
      await new Promise<void>((resolve, reject) => {
        const admit = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        const onAbort = () => {
          const index = this.waiting.indexOf(admit);
          if (index >= 0) this.waiting.splice(index, 1);
          reject(signal!.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        this.waiting.push(admit);
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
  }
}
