/**
 * Reads `Ratelimit-Limit-Second` / `Ratelimit-Remaining-Second` to learn how much of the
 * organization's budget other integrations use, so this process takes only what they leave.
 *
 * Guarantee: what it attributes to others is never more than the server's count minus every
 * request of ours the server could have counted, so our own traffic (in flight, or answered just
 * now) never shrinks our share. It remembers the most others used over two windows: a dip in
 * their use (a request of theirs refused, a late timer) must not let us take their place, and it
 * forgets them two windows after they stop.
 *
 * `remaining` is read as "left after counting this request" (Gladly's meaning) until an answer
 * shows the other reading: a `remaining` equal to the limit can only mean "before this request".
 */
/** Rejections within this long, this many of them, mean `remaining` is counted before the request. */
const REJECTIONS_WINDOW_MS = 10_000;
const REJECTIONS_TO_SWITCH = 3;

export class SharedBudget {
  /** What other consumers were seen using, with when, kept as a decreasing run so the first is the largest of the window. */
  private readonly samples: { at: number; others: number }[] = [];
  private countsBefore = false;
  private rejections: number[] = [];
  /** When the first answer was read: for one window after it, what others use is not yet known well. */
  private firstAt: number | undefined;
  /** The limit the server announces; undefined until it says. */
  serverLimit: number | undefined;

  constructor(readonly windowMs: number) {}

  /**
   * One answer's headers. `ours` is how many of our requests the server may have counted when it
   * counted this one (this one included).
   */
  observe(limit: number, remaining: number, ours: number): void {
    if (!(limit > 0) || !(remaining >= 0)) return;
    this.serverLimit = limit;
    if (remaining >= limit) this.countsBefore = true;
    this.record(limit - remaining + (this.countsBefore ? 1 : 0), ours);
  }

  /**
   * A 429: the server's window was full when our request came, though we had not filled it, so
   * others hold what we did not. `ours` counts the refused request too, which the server did not.
   */
  observeRejection(limit: number, ours: number): void {
    if (!(limit > 0)) return;
    this.record(limit, ours - 1);
    // Refused again and again though we took only what others left: the server counts `remaining`
    // before the request (others hide that reading by never letting the window empty), so each
    // answer showed one request fewer than it held. Read it that way from now on.
    const now = performance.now();
    this.rejections = this.rejections.filter((at) => at > now - REJECTIONS_WINDOW_MS);
    this.rejections.push(now);
    if (this.rejections.length >= REJECTIONS_TO_SWITCH) this.countsBefore = true;
  }

  private record(counted: number, ours: number): void {
    this.firstAt ??= performance.now();
    const now = performance.now();
    this.prune(now);
    const others = Math.max(0, counted - ours);
    while (this.samples.length && this.samples.at(-1)!.others <= others) this.samples.pop();
    this.samples.push({ at: now, others });
  }

  /** Others' use: the most seen in the last two windows (their next second need not be their lightest). */
  othersUse(): number {
    this.prune(performance.now());
    return this.samples[0]?.others ?? 0;
  }

  /** The share left to us of `ownLimit` (at least 1, so a saturated organization still moves). */
  share(ownLimit: number): number {
    const others = this.othersUse();
    // One answer may catch others between two of their requests: one slot more of room until a window has been seen.
    const unsure = others > 0 && this.firstAt !== undefined && performance.now() - this.firstAt < this.windowMs ? 1 : 0;
    return Math.max(1, Math.min(ownLimit, this.serverLimit ?? Infinity) - others - unsure);
  }

  private prune(now: number): void {
    let old = 0;
    while (old < this.samples.length && this.samples[old]!.at <= now - 2 * this.windowMs) old++;
    if (old) this.samples.splice(0, old);
  }
}
