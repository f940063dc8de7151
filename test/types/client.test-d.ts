/**
 * Compile-time contract of the public types. Every `@ts-expect-error` below must stay an error:
 * if a change makes one of these calls compile, `tsc` (npm run typecheck) and vitest fail.
 */
import { describe, expectTypeOf, it } from "vitest";
import { type Conversation, type Customer, type GladlyClient, type RawResult, type Task, type WebhookEvent, createGladlyClient } from "../../src/index.ts";

declare const gladly: GladlyClient;

describe("grouped methods", () => {
  it("take named parameters and resolve to the spec's types", () => {
    expectTypeOf(gladly.customers.getCustomer({ customerId: "c1" })).resolves.toEqualTypeOf<Customer>();
    expectTypeOf(gladly.conversations.getConversation({ conversationId: "x" })).resolves.toEqualTypeOf<Conversation>();
    expectTypeOf(gladly.tasks.getTask({ taskId: "t" })).resolves.toEqualTypeOf<Task>();
    expectTypeOf(gladly.organization.getOrganization()).resolves.not.toBeAny();
  });

  it("resolve non-JSON bodies to text, bytes or nothing", () => {
    expectTypeOf(gladly.events.getEvents({ entities: ["TASK"], startAt: "2026-01-01T00:00:00Z" })).resolves.toEqualTypeOf<string>();
    expectTypeOf(gladly.reports.generateReport({ body: {} as never })).resolves.toEqualTypeOf<string>();
    expectTypeOf(gladly.conversations.getMedia({ itemId: "i" })).resolves.toEqualTypeOf<ArrayBuffer>();
    expectTypeOf(gladly.customers.deleteCustomer({ customerId: "c" })).resolves.toEqualTypeOf<undefined>();
  });

  it("require in a request only what the spec requires, not what has a default", () => {
    // emails[].primary and phones[].regionCode have defaults Gladly applies when they are left out.
    expectTypeOf(
      gladly.customers.createCustomer({ body: { name: "Ann", emails: [{ original: "ann@example.com" }], phones: [{ original: "+14155550100" }] } }),
    ).resolves.toEqualTypeOf<string>();
  });

  it("give { data, response } with raw: true", () => {
    expectTypeOf(gladly.customers.getCustomer({ customerId: "c1" }, { raw: true })).resolves.toEqualTypeOf<RawResult<Customer>>();
    expectTypeOf(gladly.organization.getOrganization(undefined, { raw: true }))
      .resolves.toHaveProperty("response")
      .toEqualTypeOf<Response>();
  });

  it("reject a missing required path parameter", () => {
    // @ts-expect-error customerId is required
    void gladly.customers.getCustomer({});
    // @ts-expect-error the argument object itself is required
    void gladly.customers.getCustomer();
  });

  it("reject wrong parameter names", () => {
    // @ts-expect-error customerID is not customerId
    void gladly.customers.getCustomer({ customerID: "c1" });
    // @ts-expect-error searchAnswers takes q, not query
    void gladly.publicAnswers.searchAnswers({ orgId: "o", query: "reset" });
  });

  it("reject wrong parameter and body types", () => {
    // @ts-expect-error entities are the documented entity names
    void gladly.events.getEvents({ entities: ["NOT_AN_ENTITY"], startAt: "x" });
    // @ts-expect-error startAt is required
    void gladly.events.getEvents({ entities: ["TASK"] });
    // @ts-expect-error body must be an object of the createCustomer shape
    void gladly.customers.createCustomer({ body: "Francis" });
    // @ts-expect-error name is a string
    void gladly.customers.createCustomer({ body: { name: 42 } });
    // @ts-expect-error createTask needs a body
    void gladly.tasks.createTask({ customerId: "c" });
    // @ts-expect-error getCustomer takes no body
    void gladly.customers.getCustomer({ customerId: "c", body: {} });
  });

  it("accept optional query parameters", () => {
    expectTypeOf(gladly.publicAnswers.searchAnswers).toBeCallableWith({ orgId: "o", q: "reset", lng: "en-us" });
    expectTypeOf(gladly.publicAnswers.listAnswers).toBeCallableWith({ orgId: "o" });
    expectTypeOf(gladly.customers.findCustomers).toBeCallableWith({ email: "a@example.com" });
  });

  it("resolve creates to the created id: always for creates that take one, when Location names it otherwise", () => {
    expectTypeOf(gladly.customers.createCustomer({ body: { name: "Francis" } })).resolves.toEqualTypeOf<string>();
    expectTypeOf(gladly.tasks.createTaskComment({ taskId: "t", body: { agentId: "a", comment: "x" } })).resolves.toEqualTypeOf<string>();
    expectTypeOf(gladly.webhooks.createWebhook({ body: { url: "https://h.example.com", events: ["TASK/CREATED"], enabled: true } })).resolves.toEqualTypeOf<
      string | undefined
    >();
    expectTypeOf(gladly.conversations.deleteItem({ itemId: "i" })).resolves.toEqualTypeOf<undefined>();
  });

  it("accept the right shapes that the rejected ones above get wrong", () => {
    expectTypeOf(gladly.customers.getCustomer).toBeCallableWith({ customerId: "c1" });
    expectTypeOf(gladly.customers.createCustomer).toBeCallableWith({ body: { name: "Francis" } });
    expectTypeOf(gladly.events.getEvents).toBeCallableWith({ entities: ["TASK", "CONVERSATION"], startAt: "x" });
    expectTypeOf(gladly.tasks.createTask).toBeCallableWith({
      customerId: "c",
      body: { assignee: { inboxId: "i" }, body: "call back", dueAt: "2026-12-01T00:00:00Z" },
    });
  });
});

describe("raw openapi-fetch style", () => {
  it("is typed by path", async () => {
    const result = await gladly.GET("/customer-profiles/{customerId}", { params: { path: { customerId: "c" } } });
    if (result.data) expectTypeOf(result.data.name).toEqualTypeOf<string | undefined>();
    if (result.data) expectTypeOf(result.data).toExtend<Customer>();
    // @ts-expect-error not a path of the API (the spec's /api/v1 prefix lives in baseUrl)
    void gladly.GET("/api/v1/customer-profiles/{customerId}", { params: { path: { customerId: "c" } } });
    // @ts-expect-error the path parameter is required
    void gladly.GET("/customer-profiles/{customerId}", { params: { path: {} } });
  });
});

describe("named types", () => {
  it("narrow WebhookEvent by its type literal", () => {
    const handle = (event: WebhookEvent) => {
      switch (event.type) {
        case "CONVERSATION/CLOSED":
          expectTypeOf(event.type).toEqualTypeOf<"CONVERSATION/CLOSED">();
          return event.content;
        case "PING":
          expectTypeOf(event.type).toEqualTypeOf<"PING">();
          return undefined;
        default:
          return undefined;
      }
    };
    expectTypeOf(handle).parameter(0).toEqualTypeOf<WebhookEvent>();
    expectTypeOf<WebhookEvent["type"]>().toBeString();
    expectTypeOf<"TASK/CREATED">().toExtend<WebhookEvent["type"]>();
  });

  it("createGladlyClient returns the client type", () => {
    expectTypeOf(createGladlyClient).returns.toEqualTypeOf<GladlyClient>();
  });
});
