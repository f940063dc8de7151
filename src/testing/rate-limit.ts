/**
 * Sliding-window limit: at most `limit` admissions in any `windowMs`. Stricter than a fixed
 * window, so a client that never trips this fake never trips Gladly either.
 */
export class SlidingWindow {
  private readonly stamps: number[] = [];
  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  private prune(at: number): void {
    while (this.stamps.length && this.stamps[0]! <= at - this.windowMs) this.stamps.shift();
  }

  /** Admits one request if there is room; otherwise reports how long until there is. */
  take(): { ok: true; remaining: number } | { ok: false; retryAfterMs: number } {
    const at = this.now();
    this.prune(at);
    if (this.stamps.length >= this.limit) return { ok: false, retryAfterMs: this.stamps[0]! + this.windowMs - at };
    this.stamps.push(at);
    return { ok: true, remaining: this.limit - this.stamps.length };
  }

  remaining(): number {
    this.prune(this.now());
    return Math.max(0, this.limit - this.stamps.length);
  }
}
