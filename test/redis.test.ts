/** Sharing one organization's budget across processes through a real redis-server. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGladlyClient } from "../src/index.ts";
import { OrganizationLimiter } from "../src/rate-limit.ts";
import { type FakeGladly, startFakeGladly } from "../src/testing/index.ts";
import { type RedisServer, startRedis } from "./helpers/redis.ts";

let redis: RedisServer;
let fake: FakeGladly;

beforeAll(async () => {
  redis = await startRedis();
  fake = await startFakeGladly({ rateLimit: { perSecond: 20 } });
}, 20_000);
afterAll(async () => {
  await fake.close();
  await redis.stop();
});

describe("rateLimit.redis", () => {
  it("two limiters (as two processes would) share one budget: no 429 and the limit is used", async () => {
    // Separate instances with separate Redis connections: what two processes would have.
    const id = `test-${Date.now()}`;
    const a = new OrganizationLimiter({ id, perSecond: 20, redis: { url: redis.url } });
    const b = new OrganizationLimiter({ id, perSecond: 20, redis: { url: redis.url } });
    const clients = [a, b].map((limiter) => createGladlyClient({ ...fake.clientOptions(), rateLimit: { limiter } }));
    const before = fake.requests.length;
    const started = performance.now();
    await Promise.all(Array.from({ length: 60 }, (_, i) => clients[i % 2]!.agents.getAgents()));
    const seconds = (performance.now() - started) / 1000;
    const seen = fake.requests.slice(before);
    expect(seen.filter((r) => r.status === 429)).toEqual([]);
    expect(seen).toHaveLength(60);
    // 60 requests at 20/s: about 3 s spaced across both; alone, each would have needed 1.5 s.
    expect(seconds).toBeGreaterThan(2.5);
    await Promise.all([a.disconnect(), b.disconnect()]);
  }, 30_000);

  it("createGladlyClient({ rateLimit: { redis: { url } } }) goes through the cluster", async () => {
    const gladly = createGladlyClient({ ...fake.clientOptions(), rateLimit: { perSecond: 20, redis: { url: redis.url }, id: `client-${Date.now()}` } });
    await expect(gladly.organization.getOrganization()).resolves.toMatchObject({ id: fake.orgId });
    expect(gladly.rateLimit.counts().queued).toBe(0);
    await gladly.rateLimit.disconnect();
  });
});
