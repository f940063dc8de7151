/**
 * Strict-mode types: what a response always carries is required (no `!` after every id), while
 * what a request sends is exactly as optional as before. See `always-returned-properties` in
 * openapi/REPAIRS.md.
 */
import { describe, expectTypeOf, it } from "vitest";
import type { Conversation, Customer, GladlyClient, OperationArgs, Topic, Webhook, WebhookResponse } from "../../src/index.ts";

declare const gladly: GladlyClient;

describe("responses", () => {
  it("type the id of what a GET returns as string, not string | undefined", async () => {
    expectTypeOf((await gladly.inboxes.getInboxes())[0]!.id).toEqualTypeOf<string>();
    expectTypeOf((await gladly.agents.getAgents())[0]!.id).toEqualTypeOf<string>();
    expectTypeOf((await gladly.tasks.getTask({ taskId: "t" })).id).toEqualTypeOf<string>();
    expectTypeOf((await gladly.customers.getCustomer({ customerId: "c" })).id).toEqualTypeOf<string>();
    expectTypeOf((await gladly.topics.getTopics())[0]!.id).toEqualTypeOf<string>();
    expectTypeOf((await gladly.webhooks.getWebhooks())[0]!.id).toEqualTypeOf<string>();
    expectTypeOf((await gladly.export.getJob({ jobId: "j" })).id).toEqualTypeOf<string>();
  });

  it("require what every example shows, and keep optional what may be absent", () => {
    expectTypeOf<Topic["name"]>().toEqualTypeOf<string>();
    expectTypeOf<Topic["parentId"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Conversation["topicIds"]>().toEqualTypeOf<string[]>();
    expectTypeOf<Conversation["agentId"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Customer["id"]>().toEqualTypeOf<string>();
  });
});

describe("requests", () => {
  it("do not get stricter: creates still take bodies without an id", () => {
    expectTypeOf(gladly.customers.createCustomer).toBeCallableWith({ body: { name: "Francis" } });
    expectTypeOf(gladly.webhooks.createWebhook).toBeCallableWith({
      body: { name: "CSAT", url: "https://example.com/hook", events: ["CONVERSATION/CLOSED"], credentials: { username: "u", password: "p" }, enabled: true },
    });
    expectTypeOf<Webhook["id"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<WebhookResponse>().toMatchTypeOf<Webhook>();
    expectTypeOf<OperationArgs<"createBusinessHours">>().toMatchTypeOf<{ body: { name: string; officeHours: { timezone: string } } }>();
  });
});
