/**
 * The built-in limiter of one organization: Gladly's three budgets (requests/second, reports per
 * minute, reports at once) as SlotPools, the share other integrations leave (SharedBudget), and
 * optionally the cross-process budget in Redis (RedisCluster) with local pacing while it is down.
 *
 * Guarantee: every client of one organization in a process goes through one instance (see
 * `organizationLimiter`), so the process as a whole stays under the limits; a pause after a 429
 * is capped, and a request whose known wait exceeds its budget fails at once.
 */
import { GladlyInputError } from "../errors.ts";
import { SharedBudget } from "./adaptive.ts";
import { ClusterDownError, RedisCluster } from "./cluster.ts";
import { type Release, SlotPool } from "./slots.ts";
import { type GladlyLimiter, type LimitObservation, type LimitRequest, type LimiterCounts, LimiterUnavailableError, type RateLimitOptions } from "./types.ts";

/** A slot outlives its answer by the server's window plus this, to absorb timer jitter. */
const SAFETY_MS = 2;
const SECOND = 1000 + SAFETY_MS;

export interface OrganizationLimiterOptions extends RateLimitOptions {
  id: string;
  /** The longest a request may take (the client's timeout); bounds how long Redis keeps a dead process's slot. */
  requestTimeoutMs?: number;
  /** Called once disconnected (the registry then forgets this limiter). */
  onDisconnect?: () => void;
  /** Told when the shared budget in Redis goes away or comes back. */
  onStatus?: (status: { redis: "connected" | "unavailable"; reason: string }) => void;
}

export class OrganizationLimiter implements GladlyLimiter {
  /** Requests per second: a slot from admission until a second after the answer. */
  readonly requests: SlotPool;
  private readonly reportsPerMinute: SlotPool;
  private readonly reportsAtOnce: SlotPool;
  private readonly shared: SharedBudget | undefined;
  private readonly cluster: RedisCluster | undefined;
  private readonly perSecond: number;
  private readonly localShare: number;
  private readonly failWithoutRedis: boolean;
  private readonly listeners = new Set<NonNullable<OrganizationLimiterOptions["onStatus"]>>();
  private readonly onDisconnect: (() => void) | undefined;
  /** Pacing alone (Redis unreachable, or rejoined less than a window ago). */
  private fallback = false;
  private rejoin: ReturnType<typeof setTimeout> | undefined;

  constructor(options: OrganizationLimiterOptions) {
    this.onDisconnect = options.onDisconnect;
    this.perSecond = positive(options.perSecond ?? 10, "perSecond");
    const adaptive = options.adaptive ?? true;
    this.localShare = options.localShare ?? 0.25;
    if (!(this.localShare > 0 && this.localShare <= 1))
      throw new GladlyInputError("rateLimit.localShare", `must be more than 0 and at most 1, got ${options.localShare}`);
    this.failWithoutRedis = options.redisFallback === "fail";
    if (options.redisFallback !== undefined && options.redisFallback !== "local" && options.redisFallback !== "fail") {
      throw new GladlyInputError("rateLimit.redisFallback", `must be "local" or "fail", got ${JSON.stringify(options.redisFallback)}`);
    }
    // Others may already be using the budget: one answer's headers say how much before a burst.
    this.requests = new SlotPool(this.perSecond, SECOND, { probeFirst: adaptive && !options.redis });
    this.reportsPerMinute = new SlotPool(positive(options.reportsPerMinute ?? 10, "reportsPerMinute"), 60_000 + SAFETY_MS);
    this.reportsAtOnce = new SlotPool(positive(options.reportsConcurrent ?? 2, "reportsConcurrent"), 0);
    // In a cluster the other consumers the headers reveal are mostly our own peers, whom Redis already counts.
    this.shared = adaptive && !options.redis ? new SharedBudget(SECOND) : undefined;
    if (options.onStatus) this.listeners.add(options.onStatus);
    if (options.redis) {
      const timeout = options.requestTimeoutMs && options.requestTimeoutMs > 0 ? options.requestTimeoutMs : 10 * 60_000;
      try {
        this.cluster = new RedisCluster({
          id: options.id,
          perSecond: this.perSecond,
          windowMs: SECOND,
          redis: options.redis,
          expirationMs: timeout + 2 * SECOND,
          connectTimeoutMs: Math.min(2_000, timeout),
          onChange: (up, reason) => this.redisChanged(up, reason),
        });
      } catch (error) {
        if ((error as { code?: string }).code === "MODULE_NOT_FOUND")
          throw new GladlyInputError("rateLimit.redis", "needs the ioredis package (npm install ioredis)");
        if (error instanceof TypeError) throw new GladlyInputError("rateLimit.redis", error.message);
        throw error;
      }
    }
  }

  /** Adds a listener for Redis status changes (each client of the organization brings its hooks). */
  listen(listener: NonNullable<OrganizationLimiterOptions["onStatus"]>): void {
    this.listeners.add(listener);
  }

  /**
   * Alone, this process may take only its share; back in the cluster, the whole budget is shared.
   * Each switch waits out one window: what the cluster admitted in the last second is not this
   * process's to know when Redis goes, and what processes sent alone is not in a restarted Redis.
   */
  private redisChanged(up: boolean, reason: string): void {
    clearTimeout(this.rejoin);
    const share = Math.max(1, Math.floor(this.perSecond * this.localShare));
    if (!up) {
      this.fallback = true;
      if (this.requests.limit > share && this.cluster?.everConnected) this.requests.pauseFor(SECOND);
      this.requests.limit = share;
    } else {
      this.rejoin = setTimeout(() => {
        this.fallback = false;
        this.requests.limit = this.perSecond;
      }, SECOND);
      this.rejoin.unref?.();
    }
    for (const listener of this.listeners) {
      try {
        listener({ redis: up ? "connected" : "unavailable", reason });
      } catch {
        // An observer's bug must not break pacing.
      }
    }
  }

  async acquire({ report, priority, signal, maxWaitMs }: LimitRequest): Promise<Release> {
    const releases: Release[] = [];
    const releaseAll: Release = (unsent) => {
      for (const release of releases.splice(0)) release(unsent);
    };
    try {
      if (report) {
        releases.push(await this.reportsAtOnce.acquire({ priority, signal, maxWaitMs }));
        releases.push(await this.reportsPerMinute.acquire({ priority, signal, maxWaitMs }));
      }
      releases.push(await this.requestSlots(priority, signal, maxWaitMs));
    } catch (error) {
      // Nothing was sent: every slot taken for it frees at once.
      releaseAll(true);
      throw error;
    }
    return releaseAll;
  }

  /**
   * A slot of the requests/second budget, and with Redis one of the cluster's too. Whether the
   * cluster is asked is decided each time a local slot is had: a request that waited locally while
   * Redis was down goes through the cluster if it came back meanwhile. A slot taken under the full
   * limit that turns out to need the local share is handed back unused and taken again.
   */
  private async requestSlots(priority: number, signal: AbortSignal | undefined, maxWaitMs: number | undefined): Promise<Release> {
    for (;;) {
      const local = this.requests.tryAcquire() ?? (await this.requests.acquire({ priority, signal, maxWaitMs }));
      if (!this.cluster || (this.fallback && !this.cluster.connected)) return local;
      try {
        const shared = await this.cluster.acquire(priority, signal);
        return (unsent) => {
          local(unsent);
          shared(unsent);
        };
      } catch (error) {
        local(true);
        if (!(error instanceof ClusterDownError)) throw error;
        if (this.failWithoutRedis) throw new LimiterUnavailableError(error.message);
        // Paced locally at this process's share until Redis is back.
        if (!this.fallback) this.redisChanged(false, error.message);
      }
    }
  }

  observe(observation: LimitObservation): void {
    this.learn(observation);
    // Only now, with the share known, may the requests held back behind the first one go.
    this.requests.endProbe();
  }

  private learn({ status, limit, remaining, retryAfterMs, sentAt }: LimitObservation): void {
    const ours = () => (sentAt === undefined ? this.requests.inUse : this.requests.countedSince(sentAt, SECOND));
    if (status === 429) {
      this.requests.pauseFor(retryAfterMs ?? 1000);
      const serverLimit = limit ?? this.shared?.serverLimit ?? this.perSecond;
      if (this.shared) {
        this.shared.observeRejection(serverLimit, ours());
        this.requests.limit = this.shared.share(this.perSecond);
      }
      return;
    }
    if (limit === undefined || remaining === undefined || !(limit > 0)) return;
    if (this.shared) {
      this.shared.observe(limit, remaining, ours());
      this.requests.limit = this.shared.share(this.perSecond);
    } else if (!this.fallback) {
      this.requests.limit = Math.min(this.perSecond, limit);
    }
  }

  counts(): LimiterCounts {
    const counts: LimiterCounts = { queued: this.requests.queued + this.reportsAtOnce.queued + this.reportsPerMinute.queued, inWindow: this.requests.inUse };
    if (this.cluster) counts.redis = this.cluster.connected ? "connected" : "unavailable";
    return counts;
  }

  async disconnect(): Promise<void> {
    clearTimeout(this.rejoin);
    this.onDisconnect?.();
    await this.cluster?.disconnect();
  }
}

function positive(value: number, name: string): number {
  if (!(typeof value === "number" && value >= 1 && Number.isFinite(value)))
    throw new GladlyInputError(`rateLimit.${name}`, `must be a number of at least 1, got ${String(value)}`);
  return value;
}

const registry = new Map<string, { limiter: OrganizationLimiter; settings: Record<string, unknown>; clients: number }>();

/** The settings that decide pacing; two clients of one organization must agree on them. */
function pacingSettings(options: RateLimitOptions): Record<string, unknown> {
  return {
    perSecond: options.perSecond ?? 10,
    reportsPerMinute: options.reportsPerMinute ?? 10,
    reportsConcurrent: options.reportsConcurrent ?? 2,
    adaptive: options.adaptive ?? true,
    redis: options.redis ? ("url" in options.redis ? options.redis.url : options.redis.client) : null,
    redisFallback: options.redisFallback ?? "local",
    localShare: options.localShare ?? 0.25,
  };
}

/**
 * One limiter per organization in the process, shared by every client of it: that is what keeps
 * the process as a whole under Gladly's limits. A client asking for different pacing settings is
 * refused rather than given a second budget that would double what the organization receives.
 */
export function organizationLimiter(
  origin: string,
  options: RateLimitOptions & Pick<OrganizationLimiterOptions, "requestTimeoutMs" | "onStatus">,
): GladlyLimiter {
  if (options.limiter) return options.limiter;
  // Host names are case-insensitive: ACME and acme are one organization.
  const id = options.id ?? new URL(origin).origin;
  const settings = pacingSettings(options);
  const existing = registry.get(id);
  if (existing) {
    const differs = Object.keys(settings).filter((name) => existing.settings[name] !== settings[name]);
    if (differs.length) {
      // A Redis URL may carry a password: it is not repeated in the message.
      const describe = (value: unknown) =>
        typeof value === "object" && value !== null ? "another client" : JSON.stringify(value).replace(/\/\/[^/@"]*@/, "//…@");
      throw new GladlyInputError(
        "rateLimit",
        `${id} already has a rate limiter in this process with ${differs.map((name) => `${name} ${describe(existing.settings[name])}`).join(", ")} (this client asks for ${differs.map((name) => describe(settings[name])).join(", ")}). Every client of one organization shares one budget: give them the same rateLimit settings, or a distinct rateLimit.id to budget them separately`,
      );
    }
    if (options.onStatus) existing.limiter.listen(options.onStatus);
    return clientHandle(existing);
  }
  const limiter = new OrganizationLimiter({ ...options, id, onDisconnect: () => registry.get(id)?.limiter === limiter && registry.delete(id) });
  const entry = { limiter, settings, clients: 0 };
  registry.set(id, entry);
  return clientHandle(entry);
}

/**
 * One client's use of the shared limiter. Its `disconnect` lets go of it; the limiter closes (and
 * the next client of the organization gets a new one) only when the last client let go, so one
 * client's shutdown cannot split the budget of the others.
 */
function clientHandle(entry: { limiter: OrganizationLimiter; clients: number }): GladlyLimiter {
  const { limiter } = entry;
  entry.clients++;
  let held = true;
  return {
    acquire: (request) => limiter.acquire(request),
    observe: (observation) => limiter.observe(observation),
    counts: () => limiter.counts(),
    disconnect: async () => {
      if (!held) return;
      held = false;
      if (--entry.clients === 0) await limiter.disconnect();
    },
  };
}
