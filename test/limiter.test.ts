/** Client-side pacing: the client, not Gladly, is what keeps an integration under its limits. */
import { type IncomingMessage, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GladlyAbortError, GladlyInputError, GladlyRateLimitError, createGladlyClient } from "../src/index.ts";
import { SharedBudget } from "../src/limiter/adaptive.ts";
import { OrganizationLimiter } from "../src/limiter/organization.ts";
import { MAX_PAUSE_MS, SlotPool, WaitTooLongError } from "../src/limiter/slots.ts";
import { type FakeGladly, startFakeGladly } from "../src/testing/index.ts";
import { startEmulator } from "./helpers/emulator.ts";

let fake: FakeGladly;
beforeAll(async () => {
  // Gladly's own limits: 10/second, Reports 10/minute and 2 at a time.
  fake = await startFakeGladly({ reportLatencyMs: 150 });
});
afterAll(() => fake.close());

const creds = { agentEmail: "a@example.com", apiToken: "secret-token" };
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

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

  for (const [window, remaining] of [
    ["sliding", "after"],
    ["fixed", "after"],
    ["sliding", "before"],
    ["fixed", "before"],
  ] as const) {
    it(`an emulator we did not write (${window} window, remaining counted ${remaining} the request): 40 at once, no 429`, async () => {
      const emulator = await startEmulator({ limit: 10, window, remaining });
      const gladly = createGladlyClient({ baseUrl: emulator.url, ...creds, retry: false, rateLimit: { id: `emulator-${window}-${remaining}` } });
      const results = await Promise.allSettled(Array.from({ length: 40 }, () => gladly.agents.getAgents()));
      await emulator.close();
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
      expect(emulator.seen.filter((s) => s.status === 429)).toEqual([]);
    }, 30_000);
  }
});

/** A fetch that answers at once, recording what was sent: pacing is observed without any network. */
function recordingFetch(answer: () => Response = () => Response.json([])) {
  const sent: string[] = [];
  return {
    sent,
    fetch: async (request: Request) => {
      sent.push(request.url);
      return answer();
    },
  };
}

describe("one budget per organization", () => {
  it("organization names differing only in case share one limiter (ACME is acme)", async () => {
    const upper = recordingFetch();
    const gladly = createGladlyClient({ organization: "ACME", ...creds, fetch: upper.fetch, retry: false, rateLimit: { adaptive: false } });
    expect(gladly.baseUrl).toBe("https://acme.gladly.com/api/v1");
    const calls = Array.from({ length: 30 }, () => gladly.agents.getAgents());
    for (let i = 0; i < 5; i++) await tick();
    expect(upper.sent).toHaveLength(10);
    expect(gladly.rateLimit.counts().queued).toBe(20);
    // Another spelling is the same organization, so it waits behind those 20.
    const lower = createGladlyClient({ organization: "acme", ...creds, fetch: upper.fetch, retry: false, rateLimit: { adaptive: false } });
    const more = lower.agents.getAgents();
    await tick();
    expect(lower.rateLimit.counts().queued).toBe(21);
    const controller = new AbortController();
    controller.abort();
    await Promise.allSettled([...calls, more]);
  }, 10_000);

  it("a second client of the organization with other pacing settings is refused, naming them", () => {
    createGladlyClient({ baseUrl: "https://conflict.example.com", ...creds, rateLimit: { perSecond: 5 } });
    expect(() => createGladlyClient({ baseUrl: "https://conflict.example.com", ...creds, rateLimit: { perSecond: 8 } })).toThrow(GladlyInputError);
    expect(() => createGladlyClient({ baseUrl: "https://conflict.example.com", ...creds, rateLimit: { perSecond: 8 } })).toThrow(/perSecond 5.*asks for 8/);
    // The same settings, or a distinct id, are fine.
    expect(() => createGladlyClient({ baseUrl: "https://CONFLICT.example.com", ...creds, rateLimit: { perSecond: 5 } })).not.toThrow();
    expect(() => createGladlyClient({ baseUrl: "https://conflict.example.com", ...creds, rateLimit: { perSecond: 8, id: "batch-jobs" } })).not.toThrow();
  });
});

describe("one client's shutdown", () => {
  it("does not split the organization's budget: the other clients, and new ones, keep sharing it", async () => {
    const sent = recordingFetch();
    const options = { baseUrl: "https://shared-budget.example.com", ...creds, fetch: sent.fetch, retry: false as const, rateLimit: { adaptive: false } };
    const a = createGladlyClient(options);
    const b = createGladlyClient(options);
    await a.rateLimit.disconnect();
    const calls = Array.from({ length: 12 }, () => b.agents.getAgents());
    const c = createGladlyClient(options);
    const more = Array.from({ length: 3 }, () => c.agents.getAgents());
    for (let i = 0; i < 5; i++) await tick();
    // One budget of 10 for b and c together.
    expect(sent.sent).toHaveLength(10);
    expect(c.rateLimit.counts().queued).toBe(5);
    await Promise.all([...calls, ...more]);
  }, 10_000);

  it("the conflicting-settings error does not repeat a Redis password", () => {
    createGladlyClient({ baseUrl: "https://redis-secret.example.com", ...creds, rateLimit: { redis: { url: "redis://:S3cretPass@127.0.0.1:1" } } });
    let message = "";
    try {
      createGladlyClient({ baseUrl: "https://redis-secret.example.com", ...creds, rateLimit: { redis: { url: "redis://:0therPass@127.0.0.1:1" } } });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/already has a rate limiter/);
    expect(message).not.toMatch(/S3cretPass|0therPass/);
  });
});

describe("the first request (the probe)", () => {
  it("a report opened but not yet read does not hold back the organization's other calls", async () => {
    const own = await startFakeGladly({ reportLatencyMs: 50 });
    const gladly = createGladlyClient({ ...own.clientOptions(), rateLimit: { id: "probe-report" } });
    try {
      const report = await gladly.reports.open({ body: { metricSet: "AgentSummary", startAt: "2026-11-01", endAt: "2026-11-02" } });
      await expect(gladly.agents.getAgents()).resolves.toBeInstanceOf(Array);
      const rows = [];
      for await (const row of report.rows()) rows.push(row);
      expect(rows.length).toBeGreaterThan(0);
    } finally {
      await own.close();
    }
  }, 15_000);
});

describe("after a 429", () => {
  it("an absurd Retry-After is capped; a call that may not wait that long fails at once with GladlyRateLimitError", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    let first = true;
    const { fetch } = recordingFetch(() => {
      if (!first) return Response.json([]);
      first = false;
      return Response.json({ errors: [{ code: "rate_limited", detail: "slow down" }] }, { status: 429, headers: { "retry-after": "1000000000" } });
    });
    const gladly = createGladlyClient({ baseUrl: "https://retry-after.example.com", ...creds, fetch, rateLimit: { adaptive: false } });
    const error = await gladly.agents.getAgents().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GladlyRateLimitError);
    const next = await gladly.teams.getTeams().catch((e: unknown) => e);
    expect(next).toBeInstanceOf(GladlyRateLimitError);
    expect((next as GladlyRateLimitError).message).toMatch(/paused for another \d+ms after a 429, longer than this call may wait/);
    expect((next as GladlyRateLimitError).retryAfter).toBeLessThanOrEqual(MAX_PAUSE_MS / 1000);
    await tick();
    process.off("warning", onWarning);
    expect(warnings).not.toContain("TimeoutOverflowWarning");
  });
});

describe("timeouts", () => {
  it("a timed-out request with no caller signal is aborted: the server sees its socket close", async () => {
    let closed!: () => void;
    const socketClosed = new Promise<void>((resolve) => (closed = resolve));
    const server = createServer((req: IncomingMessage) => req.socket.once("close", closed));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const gladly = createGladlyClient({ baseUrl: `http://127.0.0.1:${port}`, ...creds, retry: false, rateLimit: false, timeout: 100 });
    await expect(gladly.agents.getAgents()).rejects.toThrow(/timed out/);
    await socketClosed;
    server.close();
  });
});

describe("SlotPool", () => {
  it("admits synchronously while there is budget, then queues by priority, first come first served within one", async () => {
    const pool = new SlotPool(2, 0);
    const first = pool.tryAcquire()!;
    const second = pool.tryAcquire()!;
    expect(pool.tryAcquire()).toBeUndefined();
    const order: string[] = [];
    const waits = [
      ["low-1", 8],
      ["normal-1", 5],
      ["high-1", 2],
      ["normal-2", 5],
    ].map(([name, priority]) =>
      pool.acquire({ priority: priority as number }).then((release) => {
        order.push(name as string);
        release();
      }),
    );
    expect(pool.queued).toBe(4);
    first();
    second();
    await Promise.all(waits);
    expect(order).toEqual(["high-1", "normal-1", "normal-2", "low-1"]);
  });

  it("keeps a slot while its request is in flight, and for the hold after the answer", async () => {
    const pool = new SlotPool(1, 40);
    const release = pool.tryAcquire()!;
    let admitted = false;
    const next = pool.acquire().then((r) => {
      admitted = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(admitted).toBe(false); // still in flight: the server may not have counted it yet
    const answeredAt = performance.now();
    release();
    (await next)();
    expect(performance.now() - answeredAt).toBeGreaterThanOrEqual(35);
  });

  it("an abort while queued leaves the queue and rejects with the reason", async () => {
    const pool = new SlotPool(1, 50);
    const held = await pool.acquire();
    const controller = new AbortController();
    const waiting = pool.acquire({ signal: controller.signal });
    const behind = pool.acquire();
    expect(pool.queued).toBe(2);
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    expect(pool.queued).toBe(1);
    held();
    (await behind)();
    expect(pool.queued).toBe(0);
  });

  it("a waiter that leaves a long pause leaves no timer behind to keep the process alive", async () => {
    const pool = new SlotPool(1, 1000);
    const held = pool.tryAcquire()!;
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const before = timers();
    pool.pauseFor(60_000);
    const controller = new AbortController();
    const waiting = pool.acquire({ signal: controller.signal });
    expect(timers()).toBe(before + 1);
    controller.abort(new Error("gone"));
    await expect(waiting).rejects.toThrow("gone");
    expect(timers()).toBe(before);
    held(true);
  });

  it("a pause is capped, and fails waiters whose budget it exceeds (at once, and when it starts)", async () => {
    const pool = new SlotPool(10, 1000);
    const full = new SlotPool(1, 1000);
    const held = full.tryAcquire()!;
    const patient = full.acquire({ maxWaitMs: 10 * 60_000 });
    const hurried = full.acquire({ maxWaitMs: 1000 });
    full.pauseFor(1e12);
    expect(full.pausedFor()).toBeLessThanOrEqual(MAX_PAUSE_MS);
    await expect(hurried).rejects.toBeInstanceOf(WaitTooLongError);
    await expect(full.acquire({ maxWaitMs: 1000 })).rejects.toBeInstanceOf(WaitTooLongError);
    pool.pauseFor(60);
    expect(pool.tryAcquire()).toBeUndefined();
    const started = performance.now();
    (await pool.acquire())();
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    held();
    patient.catch(() => undefined);
  });

  it("a client call aborted while queued is a GladlyAbortError and sends nothing", async () => {
    const gladly = createGladlyClient({ ...fake.clientOptions(), rateLimit: { perSecond: 1, id: "abort-while-queued" } });
    await gladly.agents.getAgents();
    const before = fake.requests.length;
    const controller = new AbortController();
    const queued = gladly.agents.getAgents(undefined, { signal: controller.signal });
    controller.abort();
    await expect(queued).rejects.toBeInstanceOf(GladlyAbortError);
    expect(fake.requests.length).toBe(before);
  });
});

describe("adaptive budget", () => {
  it("our own requests, in flight or just answered, are never taken for other consumers", () => {
    const limiter = new OrganizationLimiter({ id: "own-traffic" });
    // The probe, then a full burst of ours: the server counts all ten, and says so.
    const probeSent = performance.now();
    const probe = limiter.requests.tryAcquire()!;
    limiter.observe({ status: 200, limit: 10, remaining: 9, sentAt: probeSent });
    probe();
    const sentAt = performance.now();
    const slots = Array.from({ length: 9 }, () => limiter.requests.tryAcquire()!);
    expect(slots.every(Boolean)).toBe(true);
    for (let i = 0; i < 9; i++) {
      limiter.observe({ status: 200, limit: 10, remaining: 8 - i, sentAt });
      slots[i]!();
    }
    expect(limiter.requests.limit).toBe(10);
  });

  it("takes what others leave: 4 of 10 used by another integration leaves 6, not 95 % of it rounded down", () => {
    const budget = new SharedBudget(1000);
    budget.observe(10, 5, 1); // counted 5, ours 1 → others 4
    expect(budget.othersUse()).toBe(4);
    expect(budget.share(10)).toBe(5); // one slot of room until a whole window has been seen
  });

  it("reads Ratelimit-Remaining-Second either way: counted after this request, or before it", () => {
    const after = new SharedBudget(1000);
    after.observe(10, 9, 1);
    expect(after.othersUse()).toBe(0);
    const before = new SharedBudget(1000);
    before.observe(10, 10, 1); // only "before" can say 10 of 10 are left after a request
    before.observe(10, 5, 1); // so 5 counted before this one, 6 with it: 5 are others'
    expect(before.othersUse()).toBe(5);
  });

  it("a 429 we did not cause reveals others' use", () => {
    const budget = new SharedBudget(1000);
    budget.observeRejection(10, 7); // 6 of ours in the window (7 counting the refused one)
    expect(budget.othersUse()).toBe(4);
  });

  it("adopts a lower limit the server announces, never a higher one", () => {
    const budget = new SharedBudget(1000);
    budget.observe(4, 3, 1);
    expect(budget.share(10)).toBe(4);
    budget.observe(50, 49, 1);
    expect(budget.share(10)).toBe(10);
  });
});
