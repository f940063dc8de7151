/** Retries, timeouts and safe creates against the fake Gladly's injected faults. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GladlyAbortError, GladlyConnectionError, GladlyRateLimitError, GladlyServerError, createGladlyClient, operations } from "../src/index.ts";
import { debugHooks } from "../src/hooks.ts";
import { type FakeGladly, startFakeGladly } from "../src/testing/index.ts";

let fake: FakeGladly;
const fast = { initialDelayMs: 5, maxDelayMs: 50 };

beforeAll(async () => {
  fake = await startFakeGladly({ rateLimit: false });
});
afterAll(() => fake.close());

const client = (options: Parameters<typeof createGladlyClient>[0] = {}) =>
  createGladlyClient({ ...fake.clientOptions(), rateLimit: false, retry: fast, ...options });
const seen = (operationId: string, since: number) => fake.requests.slice(since).filter((r) => r.operationId === operationId);

describe("retries", () => {
  it("a 429 with Retry-After waits that long, then succeeds", async () => {
    const since = fake.requests.length;
    fake.inject({ status: 429, retryAfter: 1, match: { operationId: "getTeams" } });
    const started = performance.now();
    const retries: number[] = [];
    const teams = await client({ hooks: { onRetry: (i) => retries.push(i.delayMs) } }).teams.getTeams();
    expect(teams.length).toBe(1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
    expect(retries).toHaveLength(1);
    expect(seen("getTeams", since).map((r) => r.status)).toEqual([429, 200]);
  });

  it("a 429 without Retry-After backs off and succeeds; too many gives a GladlyRateLimitError", async () => {
    fake.inject({ status: 429, times: 2, match: { operationId: "getInboxes" } });
    await expect(client().inboxes.getInboxes()).resolves.toHaveLength(2);
    fake.inject({ status: 429, times: 10, match: { operationId: "getInboxes" } });
    await expect(client({ retry: { ...fast, maxRetries: 2 } }).inboxes.getInboxes()).rejects.toBeInstanceOf(GladlyRateLimitError);
    fake.inject({ status: 429, times: 0.5 }).cancel();
  });

  it("a 503 storm on a GET is ridden out", async () => {
    const since = fake.requests.length;
    fake.inject({ status: 503, times: 3, match: { operationId: "getAgents" } });
    await expect(client().agents.getAgents()).resolves.toHaveLength(3);
    expect(seen("getAgents", since).map((r) => r.status)).toEqual([503, 503, 503, 200]);
  });

  it("a 503 on a non-idempotent POST is not retried", async () => {
    const since = fake.requests.length;
    fake.inject({ status: 503, match: { operationId: "sendSMS" } });
    await expect(
      client().communications.sendSMS({ body: { customer: { mobileNumber: "+14155550111" }, from: "+14155550100", body: "hi" } }),
    ).rejects.toBeInstanceOf(GladlyServerError);
    expect(seen("sendSMS", since)).toHaveLength(1);
  });

  it("a connection reset mid-body on a GET is retried", async () => {
    fake.inject({ resetConnection: "mid-body", match: { operationId: "getOrganization" } });
    await expect(client().organization.getOrganization()).resolves.toMatchObject({ id: fake.orgId });
  });

  it("a non-idempotent POST is never sent twice after a reset", async () => {
    const since = fake.requests.length;
    const before = fake.state.items.size;
    fake.inject({ resetConnection: "after", match: { operationId: "sendSMS" } });
    await expect(
      client().communications.sendSMS({ body: { customer: { mobileNumber: "+14155550112" }, from: "+14155550100", body: "once" } }),
    ).rejects.toBeInstanceOf(GladlyConnectionError);
    expect(seen("sendSMS", since)).toHaveLength(1);
    expect(fake.state.items.size).toBe(before + 1); // it did reach Gladly: exactly once
  });

  it("a POST refused before it was sent is retried", async () => {
    let refused = 0;
    const gladly = client({
      fetch: (request) => {
        if (refused++ === 0)
          return Promise.reject(
            Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) }),
          );
        return fetch(request);
      },
    });
    await expect(
      gladly.communications.sendSMS({ body: { customer: { mobileNumber: "+14155550113" }, from: "+14155550100", body: "refused once" } }),
    ).resolves.toHaveProperty("conversationItemId");
    expect(refused).toBe(2);
  });

  it("retries stop at maxRetries and within maxElapsedMs", async () => {
    fake.inject({ status: 503, times: 5, match: { operationId: "getAudiences" } });
    const since = fake.requests.length;
    await expect(client({ retry: { ...fast, maxRetries: 2 } }).audiences.getAudiences()).rejects.toBeInstanceOf(GladlyServerError);
    expect(seen("getAudiences", since)).toHaveLength(3);
    fake.inject({ status: 503, times: 50, match: { operationId: "getTopics" } });
    const started = performance.now();
    await expect(client({ retry: { maxRetries: 50, initialDelayMs: 40, maxDelayMs: 40, maxElapsedMs: 300 } }).topics.getTopics()).rejects.toBeInstanceOf(
      GladlyServerError,
    );
    expect(performance.now() - started).toBeLessThan(2000);
    fake.inject({ times: 1, match: { operationId: "none" } }).cancel();
  });

  it("per-call retry: false sends once", async () => {
    const since = fake.requests.length;
    fake.inject({ status: 503, match: { operationId: "getTeams" } });
    await expect(client().teams.getTeams(undefined, { retry: false })).rejects.toBeInstanceOf(GladlyServerError);
    expect(seen("getTeams", since)).toHaveLength(1);
  });
});

describe("timeouts and aborts", () => {
  it("slow headers past the timeout give a GladlyConnectionError saying so", async () => {
    fake.inject({ delayMs: 400, match: { operationId: "getTeams" } });
    const error = await client({ timeout: 100, retry: false })
      .teams.getTeams()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GladlyConnectionError);
    expect((error as Error).message).toContain("timed out");
  });

  it("a timed-out idempotent call is retried", async () => {
    fake.inject({ delayMs: 400, match: { operationId: "getTeams" } });
    await expect(client({ timeout: 100 }).teams.getTeams()).resolves.toHaveLength(1);
  });

  it("per-call timeout overrides the client's", async () => {
    fake.inject({ delayMs: 300, match: { operationId: "getTeams" } });
    await expect(client({ timeout: 5000 }).teams.getTeams(undefined, { timeout: 50, retry: false })).rejects.toThrow(/timed out/);
  });

  it("the caller's abort is not retried", async () => {
    // Earlier timeouts left their requests to finish in the background; count only what arrives now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    fake.inject({ delayMs: 300, match: { operationId: "getTeams" } });
    const start = performance.now();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(client().teams.getTeams(undefined, { signal: controller.signal })).rejects.toBeInstanceOf(GladlyAbortError);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(fake.requests.filter((r) => r.operationId === "getTeams" && r.receivedAt >= start)).toHaveLength(1);
  });
});

describe("safe creates", () => {
  const inboxId = () => fake.state.defaultInboxId;
  const agentId = () => [...fake.state.agents.keys()][1]!;
  const cases: [string, () => Promise<{ data: unknown; count: () => number }>][] = [
    ["createCustomer", async () => ({ data: await client().customers.createCustomer({ body: { name: "Safe" } }), count: () => fake.state.customers.size })],
    ["addTopic", async () => ({ data: await client().topics.addTopic({ body: { name: `Safe ${Math.random()}` } }), count: () => fake.state.topics.size })],
    ["addAnswer", async () => ({ data: await client().answerManagement.addAnswer({ body: { name: "Safe answer" } }), count: () => fake.state.answers.size })],
    [
      "createItem",
      async () => ({
        data: await client().conversations.createItem({
          body: {
            customer: { emailAddress: "safe-item@example.com" },
            content: { type: "CUSTOMER_ACTIVITY", activityType: "EMAIL", title: "x", expandByDefault: false },
          },
        }),
        count: () => fake.state.items.size,
      }),
    ],
    [
      "createCustomerItem",
      async () => ({
        data: await client().conversations.createCustomerItem({
          customerId: "safe-base",
          body: { content: { type: "CUSTOMER_ACTIVITY", activityType: "EMAIL", title: "y", expandByDefault: false } },
        }),
        count: () => fake.state.items.size,
      }),
    ],
    [
      "createTask",
      async () => ({
        data: await client().tasks.createTask({
          customerId: "safe-base",
          body: { assignee: { inboxId: inboxId() }, body: "t", dueAt: "2030-01-01T00:00:00Z" },
        }),
        count: () => fake.state.tasks.size,
      }),
    ],
    [
      "createTaskAndCustomer",
      async () => ({
        data: await client().tasks.createTaskAndCustomer({
          body: { assignee: { inboxId: inboxId() }, body: "t2", dueAt: "2030-01-01T00:00:00Z", customer: { emailAddress: "safe-task@example.com" } },
        }),
        count: () => fake.state.tasks.size,
      }),
    ],
    [
      "createTaskComment",
      async () => ({
        data: await client().tasks.createTaskComment({ taskId: "safe-task", body: { agentId: agentId(), comment: "c" } }),
        count: () => fake.state.taskComments.size,
      }),
    ],
  ];

  beforeAll(async () => {
    const gladly = client();
    await gladly.customers.createCustomer({ body: { id: "safe-base", name: "Base" } });
    await gladly.tasks.createTask({
      customerId: "safe-base",
      body: { id: "safe-task", assignee: { inboxId: inboxId() }, body: "base", dueAt: "2030-01-01T00:00:00Z" },
    });
  });

  it("covers every create that takes a client id", () => {
    const creates = Object.values(operations)
      .filter((o) => o.createdResource)
      .map((o) => o.operationId)
      .sort();
    expect(cases.map(([name]) => name).sort()).toEqual(creates);
  });

  it.each(cases)("%s: a reset after Gladly created it → retry → 409 → the created resource, exactly once", async (operationId, run) => {
    const since = fake.requests.length;
    fake.inject({ resetConnection: "after", match: { operationId } });
    const before = {
      customers: fake.state.customers.size,
      topics: fake.state.topics.size,
      answers: fake.state.answers.size,
      items: fake.state.items.size,
      tasks: fake.state.tasks.size,
      comments: fake.state.taskComments.size,
    };
    const { data, count } = await run();
    const statuses = seen(operationId, since).map((r) => r.status);
    expect(statuses).toEqual([0, 409]);
    const countBefore = {
      createCustomer: before.customers,
      addTopic: before.topics,
      addAnswer: before.answers,
      createItem: before.items,
      createCustomerItem: before.items,
      createTask: before.tasks,
      createTaskAndCustomer: before.tasks,
      createTaskComment: before.comments,
    }[operationId]!;
    expect(count()).toBe(countBefore + 1);
    const op = operations[operationId as keyof typeof operations];
    // Read back: the created resource (JSON), or its id (creates Gladly answers with 201 and no body).
    if (op.responseKind === "json") expect(data).toMatchObject({ id: expect.any(String) });
    else expect(data).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it("a genuine conflict on the first attempt is still an error", async () => {
    await client().topics.addTopic({ body: { id: "taken-topic", name: "Taken" } });
    await expect(client().topics.addTopic({ body: { id: "taken-topic", name: "Taken again" } })).rejects.toThrow(/409/);
  });
});

describe("hooks and the debug log", () => {
  it("report requests, responses, retries and 429s, and never the token", async () => {
    const events: string[] = [];
    const lines: string[] = [];
    fake.inject({ status: 429, retryAfter: 0, match: { operationId: "getTeams" } });
    await client({
      hooks: {
        onRequest: (i) => events.push(`request ${i.attempt}`),
        onResponse: (i) => events.push(`response ${i.status}`),
        onRetry: (i) => events.push(`retry ${i.reason}`),
        onRateLimited: () => events.push("rate limited"),
      },
    }).teams.getTeams();
    expect(events).toEqual(["request 1", "response 429", "rate limited", "retry 429 rate limited", "request 2", "response 200"]);
    const log = debugHooks((line) => lines.push(line));
    fake.inject({ status: 503, match: { operationId: "getTeams" } });
    await client({ hooks: log }).teams.getTeams();
    expect(lines.some((l) => /^gladly-api ← 503 GET \/api\/v1\/teams/.test(l))).toBe(true);
    expect(lines.some((l) => l.includes("↻"))).toBe(true);
    expect(lines.join("\n")).not.toContain(fake.apiToken);
  });

  it("a hook that throws does not break the call", async () => {
    await expect(
      client({
        hooks: {
          onRequest: () => {
            throw new Error("observer bug");
          },
        },
      }).teams.getTeams(),
    ).resolves.toHaveLength(1);
  });
});
