/** The README's examples, compiled: if the README shows it, it type-checks. */
import { describe, it } from "vitest";
import { createServer } from "node:http";
import { GladlyConflictError, type GladlyLimiter, type WebhookEvent, createGladlyClient } from "../../src/index.ts";
import { createWebhookHandler } from "../../src/webhooks.ts";

describe("README examples", () => {
  it("compile as written", async () => {
    const orgId = "org";
    const taskId = "t";
    const customerId = "c";
    const gladly = createGladlyClient({
      organization: "acme",
      environment: "production",
      agentEmail: "api-user@acme.com",
      apiToken: process.env.GLADLY_API_TOKEN,
    });
    await gladly.customers.getCustomer({ customerId: "OOrlNMXeS72gs_WEX2TtMg" });
    await gladly.customers.findCustomers({ email: "francis@example.com" });
    await gladly.conversations.createItem({
      body: {
        customer: { emailAddress: "francis@example.com" },
        content: { type: "CUSTOMER_ACTIVITY", activityType: "EMAIL", title: "Order shipped", expandByDefault: false },
      },
    });
    await gladly.publicAnswers.searchAnswers({ orgId, q: "reset password" });
    {
      const customerId = await gladly.customers.createCustomer({
        body: { name: "Francis Fisher", emails: [{ original: "francis@example.com", primary: true }] },
      });
      const [inbox] = await gladly.inboxes.getInboxes();
      const taskId: string = await gladly.tasks.createTask({
        customerId,
        body: {
          assignee: { inboxId: inbox!.id! },
          body: "Call Francis back about the refund",
          dueAt: "2026-12-01T17:00:00.000Z",
        },
      });
      void taskId;
    }
    const { data, response } = await gladly.tasks.getTask({ taskId }, { raw: true });
    void data;
    void response;
    await gladly.agents.getAgents(undefined, { signal: AbortSignal.timeout(5_000) });
    const { error } = await gladly.GET("/customer-profiles/{customerId}", { params: { path: { customerId } } });
    void error;
    try {
      await gladly.customers.createCustomer({ body: { id: "c-1", name: "Francis" } });
    } catch (e) {
      if (e instanceof GladlyConflictError) console.log(e.errors);
      else throw e;
    }
    const paced = createGladlyClient({ rateLimit: { perSecond: 5 } });
    await paced.customers.getCustomer({ customerId }, { priority: "high" });
    await paced.tasks.getTasks({ customerId }, { priority: "low" });
    const { queued, inWindow } = paced.rateLimit.counts();
    void [queued, inWindow];
    createGladlyClient({ rateLimit: false });
    const myLimiter: GladlyLimiter = { acquire: async () => () => undefined };
    createGladlyClient({ rateLimit: { limiter: myLimiter } });
    const clustered = createGladlyClient({ rateLimit: { redis: { url: "redis://127.0.0.1:6379" } } });
    await clustered.rateLimit.disconnect();
    const tuned = createGladlyClient({ retry: { maxRetries: 5, initialDelayMs: 250, maxDelayMs: 10_000, maxElapsedMs: 120_000 }, timeout: 15_000 });
    await tuned.topics.getTopics(undefined, { retry: false, timeout: 2_000, signal: AbortSignal.timeout(5_000) });
    createGladlyClient({
      hooks: {
        onRequest: ({ method, url, attempt }) => void [method, url, attempt],
        onResponse: ({ method, url, status, durationMs }) => void [method, url, status, durationMs],
        onRetry: ({ method, url, attempt, delayMs, reason }) => void [method, url, attempt, delayMs, reason],
        onRateLimited: ({ method, url, retryAfterMs }) => void [method, url, retryAfterMs],
      },
    });
    const handler = createWebhookHandler({
      verify: { credentials: { username: "gladly", password: process.env.WEBHOOK_PASSWORD! } },
      on: {
        "CONVERSATION/CLOSED": async (event) => {
          const { conversation, customer } = await gladly.hydrate(event);
          console.log(`${customer?.name} closed ${conversation?.id}`);
        },
        "TASK/CREATED": (event) => console.log("task", event.content.taskId),
      },
      onError: (error, event) => console.error(event?.type, error),
      budgetMs: 10_000,
    });
    createServer(handler.node).listen(3000);
    const merge = (content: unknown) => content;
    const POST = createWebhookHandler({ verify: { headers: { "X-Gladly-Token": process.env.TOKEN! } }, on: { "CUSTOMER/MERGED": (e) => merge(e.content) } });
    void POST;
    const token: string = await gladly.userIdentity.createToken({ email: "francis@example.com" });
    void token;
    const onEvent = (event: WebhookEvent) => {
      switch (event.type) {
        case "CONVERSATION/CLOSED":
          return event.content;
      }
      return undefined;
    };
    void onEvent;
  });

  it("the MCP section's calls compile as written", async () => {
    const { createGladlyMcpServer, serveGladlyMcpHttp } = await import("../../src/mcp.ts");
    createGladlyMcpServer(createGladlyClient(), { allowWrites: true, mode: "dynamic" });
    createGladlyMcpServer(createGladlyClient(), { allowMessaging: true, allowDestructive: true, tags: ["customers"], maxResponseChars: 5000 });
    await serveGladlyMcpHttp(createGladlyClient(), { allowWrites: true, allowedOrigins: ["http://localhost:6274"], port: 3333 });
  });
});
