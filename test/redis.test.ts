/** Sharing one organization's budget across processes through a real redis-server. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GladlyLimiterError, createGladlyClient } from "../src/index.ts";
import { OrganizationLimiter } from "../src/limiter/organization.ts";
import { type FakeGladly, startFakeGladly } from "../src/testing/index.ts";
import { freePort } from "./helpers/ports.ts";
import { type RedisServer, startRedis } from "./helpers/redis.ts";
import { requireService } from "./helpers/services.ts";

let redis: RedisServer;
let fake: FakeGladly;

beforeAll(async () => {
  redis = await startRedis();
  fake = await startFakeGladly({ rateLimit: { perSecond: 20 } });
}, 20_000);
afterAll(async () => {
  await fake?.close();
  await redis?.stop();
});

describe.skipIf(!requireService("redis-server", "test/redis.test.ts"))("rateLimit.redis", () => {
  it("two limiters (as two processes would) share one budget: no 429, and neither takes it alone", async () => {
    // Separate instances with separate Redis connections: what two processes would have.
    const id = `test-${Date.now()}`;
    const a = new OrganizationLimiter({ id, perSecond: 20, redis: { url: redis.url } });
    const b = new OrganizationLimiter({ id, perSecond: 20, redis: { url: redis.url } });
    const clients = [a, b].map((limiter) => createGladlyClient({ ...fake.clientOptions(), retry: false, rateLimit: { limiter } }));
    const before = fake.requests.length;
    const results = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => clients[i % 2]!.agents.getAgents()));
    const seen = fake.requests.slice(before);
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(seen.filter((r) => r.status === 429)).toEqual([]);
    expect(seen).toHaveLength(60);
    // At most 20 in any second across both: the 41st request came at least two seconds after the first.
    const times = seen.map((r) => r.receivedAt).sort((x, y) => x - y);
    expect(times[40]! - times[0]!).toBeGreaterThanOrEqual(1900);
    await Promise.all([a.disconnect(), b.disconnect()]);
  }, 30_000);

  it("createGladlyClient({ rateLimit: { redis: { url } } }) goes through the cluster", async () => {
    const gladly = createGladlyClient({ ...fake.clientOptions(), rateLimit: { perSecond: 20, redis: { url: redis.url }, id: `client-${Date.now()}` } });
    await expect(gladly.organization.getOrganization()).resolves.toMatchObject({ id: fake.orgId });
    expect(gladly.rateLimit.counts()).toMatchObject({ queued: 0, redis: "connected" });
    await gladly.rateLimit.disconnect();
  });

  it("redis where nothing listens: the call settles, paced locally, and the hooks say why", async () => {
    const port = await freePort();
    const events: string[] = [];
    const gladly = createGladlyClient({
      ...fake.clientOptions(),
      timeout: 3_000,
      rateLimit: { perSecond: 20, redis: { url: `redis://127.0.0.1:${port}` }, id: `nowhere-${Date.now()}` },
      hooks: { onLimiter: ({ redis }) => events.push(redis) },
    });
    await expect(gladly.agents.getAgents()).resolves.toBeInstanceOf(Array);
    expect(gladly.rateLimit.counts().redis).toBe("unavailable");
    // Said once, not on every reconnection attempt.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(events).toEqual(["unavailable"]);
    await gladly.rateLimit.disconnect();
  }, 15_000);

  it('with redisFallback: "fail", an unreachable redis fails the call with GladlyLimiterError, sending nothing', async () => {
    const port = await freePort();
    const gladly = createGladlyClient({
      ...fake.clientOptions(),
      timeout: 3_000,
      rateLimit: { perSecond: 20, redis: { url: `redis://127.0.0.1:${port}` }, id: `fail-${Date.now()}`, redisFallback: "fail" },
    });
    const before = fake.requests.length;
    await expect(gladly.agents.getAgents()).rejects.toBeInstanceOf(GladlyLimiterError);
    expect(fake.requests.length).toBe(before);
    await gladly.rateLimit.disconnect();
  }, 15_000);

  it("a redis that stops answering (frozen) fails no call and hangs none: pacing goes local, reported once", async () => {
    const own = await startRedis();
    const events: string[] = [];
    const gladly = createGladlyClient({
      ...fake.clientOptions(),
      timeout: 3_000,
      rateLimit: { perSecond: 20, redis: { url: own.url }, id: `frozen-${Date.now()}` },
      hooks: { onLimiter: ({ redis }) => events.push(redis) },
    });
    try {
      await expect(gladly.agents.getAgents()).resolves.toBeInstanceOf(Array);
      own.freeze();
      const results = await Promise.allSettled(Array.from({ length: 3 }, () => gladly.agents.getAgents()));
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
      expect(gladly.rateLimit.counts().redis).toBe("unavailable");
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(events.filter((e) => e === "unavailable")).toHaveLength(1);
    } finally {
      own.thaw();
      await gladly.rateLimit.disconnect();
      await own.stop();
    }
  }, 40_000);

  it("two processes with calls queued through a Redis restart share the budget again after it, not each the whole", async () => {
    const own = await startRedis();
    const limit = await startFakeGladly({ rateLimit: { perSecond: 20 } });
    const id = `queued-restart-${Date.now()}`;
    const limiters = [0, 1].map(() => new OrganizationLimiter({ id, perSecond: 20, localShare: 0.5, redis: { url: own.url } }));
    const clients = limiters.map((limiter) => createGladlyClient({ ...limit.clientOptions(), retry: false, rateLimit: { limiter } }));
    let restarted: Awaited<ReturnType<typeof startRedis>> | undefined;
    try {
      const calls = Promise.allSettled(Array.from({ length: 100 }, (_, i) => clients[i % 2]!.agents.getAgents()));
      await new Promise((resolve) => setTimeout(resolve, 300));
      await own.stop();
      await new Promise((resolve) => setTimeout(resolve, 1200));
      restarted = await own.restart();
      const results = await calls;
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
      expect(limit.requests.filter((r) => r.status === 429)).toEqual([]);
    } finally {
      await Promise.all(limiters.map((l) => l.disconnect()));
      await restarted?.stop();
      await limit.close();
    }
  }, 60_000);

  it("redis killed mid-run and restarted: no call hangs, pacing goes local, and the cluster is rejoined", async () => {
    const own = await startRedis();
    const events: string[] = [];
    const gladly = createGladlyClient({
      ...fake.clientOptions(),
      timeout: 5_000,
      rateLimit: { perSecond: 20, redis: { url: own.url }, id: `restart-${Date.now()}` },
      hooks: { onLimiter: ({ redis }) => events.push(redis) },
    });
    const before = fake.requests.length;
    const calls = Array.from({ length: 40 }, (_, i) => new Promise((resolve) => setTimeout(resolve, i * 25)).then(() => gladly.agents.getAgents()));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await own.stop();
    const results = await Promise.allSettled(calls);
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(fake.requests.slice(before).filter((r) => r.status === 429)).toEqual([]);
    expect(events).toContain("unavailable");
    expect(gladly.rateLimit.counts().redis).toBe("unavailable");
    const restarted = await own.restart();
    try {
      await expect.poll(() => gladly.rateLimit.counts().redis, { timeout: 10_000, interval: 100 }).toBe("connected");
      expect(events.at(-1)).toBe("connected");
      await expect(gladly.agents.getAgents()).resolves.toBeInstanceOf(Array);
      // Rejoined for real: the restarted (empty) Redis holds the shared budget's settings again.
      const { Redis } = await import("ioredis");
      const probe = new Redis(restarted.url);
      const keys = await probe.keys("b_gladly-api:v2:restart-*:*_settings");
      probe.disconnect();
      expect(keys).toHaveLength(1);
    } finally {
      await gladly.rateLimit.disconnect();
      await restarted.stop();
    }
  }, 40_000);
});
