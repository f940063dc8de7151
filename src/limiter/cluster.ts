/**
 * The organization's budget shared across processes through Redis, with bottleneck's clustering.
 *
 * Guarantee: every process holds one of `perSecond` cluster-wide slots from admission until one
 * window after its answer (a bottleneck job that settles then), the same rule as the local
 * SlotPool, so a stalled event loop cannot bunch admissions. A job's `expiration` frees the slot
 * of a process that died. When Redis is unreachable nothing waits on it: `acquire` rejects at
 * once with ClusterDownError, and the caller paces locally until `onChange` reports it is back.
 */
import Bottleneck from "bottleneck";
import type { RedisOption } from "./types.ts";
import type { Release } from "./slots.ts";

/** How often a caller waiting in the cluster's queue checks that Redis still answers, and how long a PING may take. */
const WATCHDOG_MS = 2_000;

export class ClusterDownError extends Error {
  override name = "ClusterDownError";
}

interface RedisClientLike {
  status: string;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
}

export interface ClusterOptions {
  id: string;
  perSecond: number;
  windowMs: number;
  redis: RedisOption;
  /** How long Redis keeps a slot of a process that stopped answering (longest request + window). */
  expirationMs: number;
  /** How long the first request waits for a connection before pacing locally. */
  connectTimeoutMs: number;
  /** Redis became unreachable (with why) or reachable again. */
  onChange(up: boolean, reason: string): void;
}

/** Commands fail at once while disconnected instead of queueing; reconnection keeps trying every second at most. */
const FAIL_FAST = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  connectTimeout: 2_000,
  retryStrategy: (attempt: number) => Math.min(100 * attempt, 1_000),
};

/** ioredis options from a redis:// or rediss:// URL. */
function clientOptions(url: string): Record<string, unknown> {
  const parsed = new URL(url);
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") throw new TypeError(`expected a redis:// or rediss:// URL, got ${parsed.protocol}//`);
  const db = Number(parsed.pathname.slice(1) || "0");
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ""),
    port: Number(parsed.port || 6379),
    ...(parsed.username && { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password && { password: decodeURIComponent(parsed.password) }),
    ...(db && { db }),
    ...(parsed.protocol === "rediss:" && { tls: {} }),
    ...FAIL_FAST,
  };
}

export class RedisCluster {
  /** Made on the first join, and again when Redis's epoch changed (see join). */
  private bottleneck: Bottleneck | undefined;
  private epoch: string | undefined;
  private readonly connection: { client: RedisClientLike; disconnect(flush?: boolean): Promise<void> };
  private readonly waiting = new Set<(error: Error) => void>();
  /** Callers waiting for the first join (up to connectTimeoutMs). */
  private readonly joinWaiters = new Set<() => void>();
  /** Jobs not yet freed in Redis: disconnecting waits for those granted, or Redis would keep their slots until they expire. */
  private readonly holding = new Set<Promise<void>>();
  private up = false;
  private everUp = false;
  /** The last state told to onChange, so a Redis that stays away is reported once, not on every retry. */
  private told: "up" | "down" | undefined;
  private joining = false;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(private readonly options: ClusterOptions) {
    const redis = options.redis;
    const Connection = Bottleneck.IORedisConnection as unknown as new (
      options: object,
    ) => RedisCluster["connection"] & { on(event: string, listener: (error: Error) => void): void };
    // A client the caller passed in stays theirs: the limiter works on its own duplicate of it.
    const connection = new Connection(
      "client" in redis
        ? { client: (redis.client as { duplicate(options: object): unknown }).duplicate(FAIL_FAST) }
        : { clientOptions: clientOptions(redis.url) },
    );
    // Connectivity errors are reported through onChange; without a listener bottleneck would log nothing and lose them.
    connection.on("error", () => undefined);
    this.connection = connection;
    const client = connection.client;
    client.on("ready", () => this.join());
    client.on("close", () => this.down("connection closed"));
    client.on("error", (error) => this.down(error));
    if (client.status === "ready") this.join();
  }

  private newLimiter(epoch: string): Bottleneck {
    const limiter = new Bottleneck({
      id: `gladly-api:v2:${this.options.id}:${epoch}`,
      maxConcurrent: this.options.perSecond,
      clearDatastore: false,
      connection: this.connection,
    } as never);
    // A script or connection failure inside bottleneck (a hung or restarted Redis) means the shared budget cannot be trusted.
    limiter.on("error", (error: unknown) => {
      if (limiter === this.bottleneck) this.down(error);
    });
    return limiter;
  }

  /**
   * (Re)joins the cluster once Redis answers. The shared budget lives under an epoch every process
   * reads from Redis (the first to arrive sets it): a restarted Redis has lost it, so all processes
   * move to a fresh one together, with a fresh bottleneck limiter, and nothing a process's old
   * limiter still does (jobs queued or held before the restart) can touch the new budget.
   */
  private join(): void {
    if (this.joining || this.closed) return;
    this.joining = true;
    void (async () => {
      try {
        const client = this.connection.client as RedisClientLike & {
          set(key: string, value: string, mode: "NX"): Promise<unknown>;
          get(key: string): Promise<string | null>;
        };
        const epochKey = `gladly-api:v2:${this.options.id}:epoch`;
        await client.set(epochKey, Math.random().toString(36).slice(2, 10), "NX");
        const epoch = (await client.get(epochKey)) ?? "0";
        if (epoch !== this.epoch) {
          const old = this.bottleneck as unknown as { _store?: { heartbeat?: ReturnType<typeof setInterval> } } | undefined;
          this.epoch = epoch;
          this.bottleneck = this.newLimiter(epoch);
          // Not old.disconnect(): it unsubscribes on the pub/sub connection, which may not be back yet,
          // and bottleneck leaves that promise unhandled (a process-killing rejection). Only its
          // heartbeat timer is stopped; its errors are ignored (see newLimiter).
          clearInterval(old?._store?.heartbeat);
        }
        await this.bottleneck!.ready();
        // Settings left in Redis by another run must not decide this one's limit.
        await (this.bottleneck!.updateSettings({ maxConcurrent: this.options.perSecond }) as unknown as Promise<void>);
        const first = !this.everUp;
        this.up = this.everUp = true;
        for (const wake of [...this.joinWaiters]) wake();
        if (!first && this.told !== "up") this.options.onChange(true, "redis is reachable again");
        this.told = "up";
      } catch (error) {
        this.down(error);
      } finally {
        this.joining = false;
      }
    })();
  }

  private down(why: unknown): void {
    if (this.closed) return;
    const reason = why instanceof Error ? why.message : typeof why === "string" ? why : "connection closed";
    this.up = false;
    this.failWaiting(`redis is unreachable (${reason})`);
    if (this.told !== "down") this.options.onChange(false, reason);
    this.told = "down";
    // Connected but not joined (a failed script, a hung server that came back): try again shortly.
    if (!this.retry) {
      this.retry = setTimeout(() => {
        this.retry = undefined;
        if (this.connection.client.status === "ready") this.join();
      }, 1000);
      this.retry.unref?.();
    }
  }

  get connected(): boolean {
    return this.up;
  }

  /** Whether Redis was ever reached (so the cluster may have admitted requests of ours). */
  get everConnected(): boolean {
    return this.everUp;
  }

  private failWaiting(reason: string): void {
    for (const fail of [...this.waiting]) fail(new ClusterDownError(reason));
  }

  /** Waits (up to connectTimeoutMs) for the first join; afterwards answers at once. */
  private async connectedOrThrow(signal: AbortSignal | undefined): Promise<void> {
    if (this.up) return;
    if (this.everUp) throw new ClusterDownError("redis is unreachable");
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.joinWaiters.delete(onJoined);
        signal?.removeEventListener("abort", onAbort);
        this.waiting.delete(fail);
        if (error) reject(error);
        else resolve();
      };
      const onJoined = () => done();
      const onAbort = () => done(signal!.reason as Error);
      const fail = (error: Error) => done(error);
      const timer = setTimeout(
        () => done(new ClusterDownError(`no connection to redis within ${this.options.connectTimeoutMs}ms`)),
        this.options.connectTimeoutMs,
      );
      this.joinWaiters.add(onJoined);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.add(fail);
    });
  }

  /** A cluster-wide slot, held until one window after `release` is called. */
  async acquire(priority: number, signal: AbortSignal | undefined): Promise<Release> {
    await this.connectedOrThrow(signal);
    return new Promise<Release>((resolve, reject) => {
      // Declared first: fail and onAbort may run before the watchdog below is set.
      let watchdog: ReturnType<typeof setInterval> | undefined;
      let state: "waiting" | "granted" | "abandoned" = "waiting";
      const leave = (error: unknown) => {
        if (state !== "waiting") return;
        state = "abandoned";
        this.waiting.delete(fail);
        signal?.removeEventListener("abort", onAbort);
        reject(error);
      };
      const fail = (error: Error) => {
        clearInterval(watchdog);
        leave(error);
      };
      const onAbort = () => {
        clearInterval(watchdog);
        leave(signal!.reason);
      };
      this.waiting.add(fail);
      signal?.addEventListener("abort", onAbort, { once: true });
      // A wait in the cluster's queue may be long; a Redis that stopped answering must not make it endless.
      watchdog = setInterval(() => {
        if (state !== "waiting") return clearInterval(watchdog);
        void this.responsive().then((ok) => ok || this.down("redis does not answer"));
      }, WATCHDOG_MS);
      const job = () =>
        new Promise<void>((finish) => {
          // Granted after the caller gave up (aborted, or fell back to local pacing): hand it back.
          if (state !== "waiting") return finish();
          state = "granted";
          clearInterval(watchdog);
          this.waiting.delete(fail);
          signal?.removeEventListener("abort", onAbort);
          let released = false;
          resolve(() => {
            if (released) return;
            released = true;
            setTimeout(finish, this.options.windowMs);
          });
        });
      // Settles once the slot is freed in Redis (a window after the answer), or has expired there.
      const limiter = this.bottleneck;
      if (!limiter) return leave(new ClusterDownError("not joined to redis yet"));
      const scheduled = limiter
        .schedule({ priority, expiration: this.options.expirationMs }, job)
        .catch((error: unknown) => leave(new ClusterDownError(error instanceof Error ? error.message : String(error))));
      this.holding.add(scheduled);
      void scheduled.then(() => this.holding.delete(scheduled));
    });
  }

  /** Whether Redis answers a PING within WATCHDOG_MS. */
  private async responsive(): Promise<boolean> {
    const client = this.connection.client as RedisClientLike & { ping(): Promise<unknown> };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), WATCHDOG_MS);
    });
    try {
      return await Promise.race([
        client.ping().then(
          () => true,
          () => false,
        ),
        late,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async disconnect(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    this.failWaiting("the limiter was disconnected");
    this.up = false;
    // Slots still held free one window after their answers; Redis must hear of it before the clients close.
    // (Jobs still queued were failed above and hand their slot straight back if granted.)
    await Promise.race([Promise.all(this.holding), new Promise((resolve) => setTimeout(resolve, this.options.windowMs * 3).unref?.())]);
    // Both clients were made here (a caller's client is only duplicated), so both are closed here.
    // The last limiter's heartbeat too: disconnect clears those of the limiters it still knows.
    await this.connection.disconnect(false);
  }
}
