/** Client-side pacing: the client, not Gladly, is what keeps an integration under its limits. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GladlyConnectionError, createGladlyClient } from "../src/index.ts";
import { Semaphore, SlidingWindowLimiter } from "../src/limiter.ts";
import { type FakeGladly, startFakeGladly } from "../src/testing/index.ts";

let fake: FakeGladly;
beforeAll(async () => {
  // Gladly's own limits: 10/second, Reports 10/minute and 2 at a time.
  fake = await startFakeGladly({ reportLatencyMs: 150 });
});
afterAll(() => fake.close());

describe("against Gladly's limits", () => {
  it("a burst from two clients of one organization gets no 429", async () => {
    const a = createGladlyClient(fake.clientOptions());
    const b = createGladlyClient(fake.clientOptions());
    const before = fake.requests.length;
    const results = await Promise.allSettled(Array.from({ length: 24 }, (_, i) => (i % 2 ? a : b).agents.getAgents()));
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    const seen = fake.requests.slice(before);
    expect(seen).toHaveLength(24);
    expect(seen.filter((r) => r.status === 429)).toEqual([]);
  });

  it("three reports at once: two run, the third waits for a slot", async () => {
    const gladly = createGladlyClient(fake.clientOptions());
    const before = fake.requests.length;
    const body = { metricSet: "AgentSummary" as const, startAt: "2026-11-01", endAt: "2026-11-02" };
    const reports = await Promise.all([1, 2, 3].map(() => gladly.reports.generateReport({ body })));
    expect(reports.every((csv) => csv.startsWith("Agent,"))).toBe(true);
    expect(fake.requests.slice(before).map((r) => r.status)).toEqual([200, 200, 200]);
  });
});

describe("SlidingWindowLimiter", () => {
  it("admits synchronously while there is budget, then queues in order", async () => {
    const limiter = new SlidingWindowLimiter(2, 50);
    const first = limiter.tryAcquire()!;
    const second = limiter.tryAcquire()!;
    expect(limiter.tryAcquire()).toBeUndefined();
    const order: number[] = [];
    const waits = [1, 2, 3].map((n) => limiter.acquire().then((release) => (order.push(n), release())));
    expect(limiter.queued).toBe(3);
    first();
    second();
    await Promise.all(waits);
    expect(order).toEqual([1, 2, 3]);
  });

  it("keeps a slot while its request is in flight, and for the window after the answer", async () => {
    const limiter = new SlidingWindowLimiter(1, 40);
    const release = limiter.tryAcquire()!;
    let admitted = false;
    const next = limiter.acquire().then((r) => ((admitted = true), r));
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(admitted).toBe(false); // still in flight: the server may not have counted it yet
    const answeredAt = performance.now();
    release();
    (await next)();
    expect(performance.now() - answeredAt).toBeGreaterThanOrEqual(35);
  });

  it("an abort while queued leaves the queue and rejects with the reason", async () => {
    const limiter = new SlidingWindowLimiter(1, 50);
    const held = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    const behind = limiter.acquire();
    expect(limiter.queued).toBe(2);
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    expect(limiter.queued).toBe(1);
    held();
    (await behind)();
    expect(limiter.queued).toBe(0);
  });

  it("a client call aborted while queued is a GladlyConnectionError and sends nothing", async () => {
    const gladly = createGladlyClient({ ...fake.clientOptions(), rateLimit: { perSecond: 1 } });
    await gladly.agents.getAgents();
    const before = fake.requests.length;
    const controller = new AbortController();
    const queued = gladly.agents.getAgents(undefined, { signal: controller.signal });
    controller.abort();
    await expect(queued).rejects.toBeInstanceOf(GladlyConnectionError);
    expect(fake.requests.length).toBe(before);
  });
});

describe("adaptive budget", () => {
  it("shrinks to what other clients leave, as the headers report it", () => {
    const limiter = new SlidingWindowLimiter(10, 1000);
    limiter.tryAcquire()!();
    limiter.tryAcquire()!();
    // The server counted 7 in its window; 2 were ours, so others used 5: ours is 95 % of the 5 left.
    limiter.observe(10, 3);
    expect(limiter.effectiveLimit).toBe(4);
    expect([1, 2].map(() => limiter.tryAcquire() !== undefined)).toEqual([true, true]);
    expect(limiter.tryAcquire()).toBeUndefined();
  });

  it("adopts a lower limit the server announces, never a higher one", () => {
    const limiter = new SlidingWindowLimiter(10, 1000);
    limiter.observe(4, 4);
    expect(limiter.effectiveLimit).toBe(4);
    limiter.observe(50, 50);
    expect(limiter.effectiveLimit).toBe(10);
  });

  it("pauses after a 429", async () => {
    const limiter = new SlidingWindowLimiter(10, 1000);
    limiter.pauseFor(60);
    expect(limiter.tryAcquire()).toBeUndefined();
    const started = performance.now();
    (await limiter.acquire())();
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });
});

describe("Semaphore", () => {
  it("holds at most its limit and releases once per holder", async () => {
    const slots = new Semaphore(1);
    const release = await slots.acquire();
    let second = false;
    const next = slots.acquire().then((r) => {
      second = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(second).toBe(false);
    release();
    release(); // a second call must not free a second slot
    (await next)();
    expect(second).toBe(true);
  });
});
