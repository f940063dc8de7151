/**
 * The pacing primitive: at most `limit` slots taken, where a slot is taken when a request is
 * admitted and stays taken while it is in flight and for `holdMs` after its answer.
 *
 * Guarantee: a server that counts each request at any moment between its sending and its answer
 * never counts more than `limit` of ours in any `holdMs` window, whatever the network delay, fixed
 * or sliding. The same class serves requests/second (hold 1 s), reports/minute (hold 60 s) and
 * reports at once (hold 0). Admission is synchronous while a slot is free and nobody waits, so a
 * request pays nothing for the limiter until the budget is actually spent; past that, callers wait
 * in one priority queue (0 first … 9 last, first come first served within a priority).
 */

/**
 * Frees a slot; call it when the answer (or the failure) arrives. Calling it twice is harmless.
 * `unsent: true` says the request never left, so the slot frees at once instead of after the hold.
 */
export type Release = (unsent?: boolean) => void;

/** How long the first request may hold back the rest while its headers (and their budget) are awaited. */
const PROBE_WAIT_MS = 1000;

/** Longest pause honoured (a `Retry-After` of years would otherwise stop the client for good). */
export const MAX_PAUSE_MS = 5 * 60_000;

/** Thrown to a waiter whose known wait (a pause) exceeds what it may wait. */
export class WaitTooLongError extends Error {
  override name = "WaitTooLongError";
  constructor(readonly waitMs: number) {
    super(`the rate limit is paused for another ${Math.ceil(waitMs)}ms`);
  }
}

interface Waiter {
  resolve(release: Release): void;
  reject(error: unknown): void;
  maxWaitMs: number;
  done: boolean;
  cleanup?: (() => void) | undefined;
}

export interface AcquireOptions {
  /** 0 (first) … 9 (last); default 5. */
  priority?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Reject with WaitTooLongError at once (or when a pause starts) if a known pause lasts longer. */
  maxWaitMs?: number | undefined;
}

export class SlotPool {
  /** Taken and not answered yet. */
  private readonly inFlight = new Set<{ takenAt: number }>();
  /** Answer times of answered slots, oldest first; each frees at `end + holdMs`. */
  private readonly answered: number[] = [];
  /** Answer times kept a little past freeing, so an observation can tell what the server still counts. */
  private readonly recent: number[] = [];
  private readonly queues: Waiter[][] = Array.from({ length: 10 }, () => []);
  private waiting = 0;
  private pausedUntil = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  /** When set, only one request is admitted until the first answer (its headers inform the rest). */
  private probing: boolean;
  private limitNow: number;

  constructor(
    limit: number,
    readonly holdMs: number,
    options: { probeFirst?: boolean } = {},
  ) {
    if (!(limit >= 1)) throw new RangeError(`limit must be at least 1, got ${limit}`);
    this.limitNow = Math.floor(limit);
    this.probing = options.probeFirst ?? false;
  }

  /** Slots that may be taken at once; changes apply to the next admission. */
  get limit(): number {
    return this.limitNow;
  }
  set limit(value: number) {
    this.limitNow = Math.max(1, Math.floor(value));
    this.pump();
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.waiting;
  }

  /** Slots taken: in flight, or answered less than `holdMs` ago. */
  get inUse(): number {
    this.prune(performance.now());
    return this.inFlight.size + this.answered.length;
  }

  /**
   * Of our requests, how many a server may have counted in a window of `windowMs` ending when the
   * request taken at `sentAt` reached it: every one in flight, and every one answered after
   * `sentAt - windowMs` (an answer comes after the server counted the request).
   */
  countedSince(sentAt: number, windowMs: number): number {
    let count = this.inFlight.size;
    const from = sentAt - windowMs;
    for (let i = this.recent.length - 1; i >= 0 && this.recent[i]! > from; i--) count++;
    return count;
  }

  /** The remaining pause, in ms (0 when not paused). */
  pausedFor(): number {
    return Math.max(0, this.pausedUntil - performance.now());
  }

  /** Admits nothing for `ms` (capped at MAX_PAUSE_MS); waiters that may not wait that long fail now. */
  pauseFor(ms: number): void {
    const capped = Math.min(Number.isFinite(ms) ? Math.max(0, ms) : MAX_PAUSE_MS, MAX_PAUSE_MS);
    this.pausedUntil = Math.max(this.pausedUntil, performance.now() + capped);
    const wait = this.pausedFor();
    for (const queue of this.queues) {
      for (const waiter of queue) if (!waiter.done && waiter.maxWaitMs < wait) this.settle(waiter, () => waiter.reject(new WaitTooLongError(wait)));
    }
    this.pump();
  }

  /** Takes a slot now if one is free, nothing is paused and nobody waits ahead. */
  tryAcquire(): Release | undefined {
    if (this.waiting > 0) return undefined;
    const now = performance.now();
    return this.free(now) ? this.take(now) : undefined;
  }

  /** Resolves with a slot once free; rejects with the signal's reason if aborted while waiting. */
  acquire(options: AcquireOptions = {}): Promise<Release> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const now = this.tryAcquire();
    if (now) return Promise.resolve(now);
    const maxWaitMs = options.maxWaitMs ?? Infinity;
    const pause = this.pausedFor();
    if (pause > maxWaitMs) return Promise.reject(new WaitTooLongError(pause));
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, maxWaitMs, done: false };
      if (signal) {
        const onAbort = () => this.settle(waiter, () => reject(signal.reason));
        signal.addEventListener("abort", onAbort, { once: true });
        waiter.cleanup = () => signal.removeEventListener("abort", onAbort);
      }
      const priority = Math.min(9, Math.max(0, Math.round(options.priority ?? 5)));
      this.queues[priority]!.push(waiter);
      this.waiting++;
      this.pump();
    });
  }

  private settle(waiter: Waiter, outcome: () => void): void {
    if (waiter.done) return;
    waiter.done = true;
    this.waiting--;
    waiter.cleanup?.();
    // Nobody left to wake: a pending timer must not keep the process alive (a pause can be minutes).
    if (this.waiting === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAt = Infinity;
    }
    outcome();
  }

  /** The first answer's headers arrived (or it took too long): the rest need not wait for it. */
  endProbe(): void {
    if (!this.probing) return;
    this.probing = false;
    this.pump();
  }

  private prune(now: number): void {
    const freeBefore = now - this.holdMs;
    let freed = 0;
    while (freed < this.answered.length && this.answered[freed]! <= freeBefore) freed++;
    if (freed) this.answered.splice(0, freed);
    // Kept one more hold past freeing, for countedSince.
    let old = 0;
    while (old < this.recent.length && this.recent[old]! <= freeBefore - this.holdMs) old++;
    if (old) this.recent.splice(0, old);
  }

  private free(now: number): boolean {
    this.prune(now);
    const taken = this.inFlight.size + this.answered.length;
    return taken < this.limitNow && now >= this.pausedUntil && !(this.probing && taken > 0);
  }

  private take(now: number): Release {
    const slot = { takenAt: now };
    this.inFlight.add(slot);
    // A probe slower than this is not worth waiting for: its headers would come too late to help.
    if (this.probing && this.inFlight.size === 1) setTimeout(() => this.endProbe(), PROBE_WAIT_MS).unref?.();
    return (unsent?: boolean) => {
      if (!this.inFlight.delete(slot)) return;
      if (unsent) {
        // Never sent, so never counted: free at once.
        this.pump();
        return;
      }
      const end = performance.now();
      this.answered.push(end);
      this.recent.push(end);
      this.probing = false;
      this.pump();
    };
  }

  private next(): Waiter | undefined {
    for (const queue of this.queues) {
      while (queue.length) {
        const waiter = queue.shift()!;
        if (!waiter.done) return waiter;
      }
    }
    return undefined;
  }

  /** Hands free slots to waiters in priority order, then sleeps until the next slot frees. */
  private pump(): void {
    let now = performance.now();
    while (this.waiting > 0 && this.free(now)) {
      const waiter = this.next();
      if (!waiter) break;
      this.settle(waiter, () => waiter.resolve(this.take(now)));
      now = performance.now();
    }
    if (this.waiting === 0) return;
    // Paused: wake when the pause ends. Full: wake when the oldest answered slot frees; if every
    // slot is in flight, the next answer pumps instead.
    const wakeAt = now < this.pausedUntil ? this.pausedUntil : this.answered.length ? this.answered[0]! + this.holdMs : Infinity;
    if (wakeAt === Infinity || wakeAt >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = wakeAt;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        this.pump();
      },
      Math.max(0, wakeAt - now) + 1,
    );
  }
}
