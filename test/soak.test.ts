/**
 * 2,000 calls with about 20 % of requests broken by injected faults: every call succeeds or
 * throws a typed error, no create is duplicated, and nothing is left unhandled.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GladlyError, createGladlyClient } from "../src/index.ts";
import { type FakeGladly, networkFaults, startFakeGladly } from "../src/testing/index.ts";

let fake: FakeGladly;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  fake = await startFakeGladly({ rateLimit: false, seed: 42 });
  for (const fault of networkFaults(0.2)) fake.inject(fault);
});
afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await fake.close();
});

async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i).then(
          (value) => ({ status: "fulfilled", value }) as const,
          (reason: unknown) => ({ status: "rejected", reason }) as const,
        );
      }
    }),
  );
  return results;
}

describe("soak", () => {
  it("2,000 calls under 20 % faults", async () => {
    const gladly = createGladlyClient({
      ...fake.clientOptions(),
      rateLimit: false,
      retry: { maxRetries: 4, initialDelayMs: 2, maxDelayMs: 20 },
      timeout: 2000,
    });
    const kinds = ["read", "read", "read", "read", "read", "createCustomer", "createCustomer", "addTopic", "sendSMS", "sendSMS"] as const;
    const results = await pool(2000, 40, async (i) => {
      const kind = kinds[i % kinds.length]!;
      switch (kind) {
        case "read":
          return i % 2 ? gladly.topics.getTopics() : gladly.agents.getAgents();
        case "createCustomer":
          return gladly.customers.createCustomer({ body: { name: `soak-${i}` } });
        case "addTopic":
          return gladly.topics.addTopic({ body: { name: `soak-topic-${i}` } });
        case "sendSMS":
          return gladly.communications.sendSMS({ body: { customer: { mobileNumber: "+14155550199" }, from: "+14155550100", body: `soak-sms-${i}` } });
      }
    });

    const faulted = fake.requests.filter((r) => r.status === 0 || r.status === 429 || r.status === 503).length;
    expect(faulted / fake.requests.length).toBeGreaterThan(0.12);

    const failures = results.flatMap((r, i) => (r.status === "rejected" ? [{ i, reason: r.reason as unknown }] : []));
    for (const { reason } of failures) expect(reason).toBeInstanceOf(GladlyError);
    // Retries turn most faults into successes; what fails is what must not be retried.
    const failedKinds = new Set(failures.map(({ i }) => kinds[i % kinds.length]));
    expect(results.filter((r) => r.status === "fulfilled").length).toBeGreaterThan(1800);
    expect([...failedKinds].every((k) => k === "sendSMS" || k === "read" || k === "createCustomer" || k === "addTopic")).toBe(true);

    const customersByName = new Map<string, number>();
    for (const c of fake.state.customers.values()) if (c.name?.startsWith("soak-")) customersByName.set(c.name, (customersByName.get(c.name) ?? 0) + 1);
    const topicsByName = new Map<string, number>();
    for (const t of fake.state.topics.values()) if (t.name.startsWith("soak-topic-")) topicsByName.set(t.name, (topicsByName.get(t.name) ?? 0) + 1);
    const smsByText = new Map<string, number>();
    for (const item of fake.state.items.values()) {
      const content = item.content as { type: string; content?: string };
      if (content.type === "SMS" && content.content?.startsWith("soak-sms-")) smsByText.set(content.content, (smsByText.get(content.content) ?? 0) + 1);
    }
    const duplicates = [...customersByName.values(), ...topicsByName.values(), ...smsByText.values()].filter((n) => n > 1);
    expect(duplicates).toEqual([]);

    // Every create the caller saw succeed exists exactly once.
    results.forEach((r, i) => {
      const kind = kinds[i % kinds.length];
      if (r.status !== "fulfilled") return;
      if (kind === "createCustomer") expect(customersByName.get(`soak-${i}`)).toBe(1);
      if (kind === "addTopic") expect(topicsByName.get(`soak-topic-${i}`)).toBe(1);
      if (kind === "sendSMS") expect(smsByText.get(`soak-sms-${i}`)).toBe(1);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unhandled).toEqual([]);
  }, 120_000);
});
