/** The README's examples, compiled: if the README shows it, it type-checks. */
import { describe, it } from "vitest";
import { GladlyConflictError, type WebhookEvent, createGladlyClient } from "../../src/index.ts";

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
    await gladly.conversations.createItem({ body: { customer: { emailAddress: "francis@example.com" }, content: { type: "CUSTOMER_ACTIVITY", activityType: "EMAIL", title: "Order shipped", expandByDefault: false } } });
    await gladly.publicAnswers.searchAnswers({ orgId, q: "reset password" });
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
    const onEvent = (event: WebhookEvent) => {
      switch (event.type) {
        case "CONVERSATION/CLOSED":
          return event.content;
      }
      return undefined;
    };
    void onEvent;
  });
});
