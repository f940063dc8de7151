/**
 * The client against the fake Gladly: real HTTP on loopback, real validation, real state.
 * Every JSON answer is also checked against the spec's response schema, so the fake and the
 * types agree with the wire.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GladlyClient, GladlyConflictError, GladlyNotFoundError, GladlyValidationError, type OperationMethod, createGladlyClient } from "../src/index.ts";
import { type FakeGladly, responseProblems, startFakeGladly } from "../src/testing/index.ts";

let fake: FakeGladly;
let gladly: GladlyClient;
const called = new Set<string>();

beforeAll(async () => {
  fake = await startFakeGladly({ rateLimit: false });
  gladly = createGladlyClient({ ...fake.clientOptions(), rateLimit: false });
});
afterAll(async () => {
  await fake.close();
});

/** Calls a grouped method with raw: true, checks the body against the spec, returns the data. */
async function checked<A, D>(method: OperationMethod<A, D>, ...args: {} extends A ? [args?: A] : [args: A]): Promise<D> {
  const call = method as unknown as (args: A | undefined, options: { raw: true }) => Promise<{ data: D; response: Response }>;
  const { data, response } = await call(args[0], { raw: true });
  const op = method.operation;
  expect(responseProblems(op, response.status, data), `${op.operationId} response matches the spec`).toEqual([]);
  called.add(op.operationId);
  return data;
}

describe("the client against the fake", () => {
  it("reads the organization's setup", async () => {
    const org = await checked(gladly.organization.getOrganization);
    expect(org.id).toBe(fake.orgId);
    const agents = await checked(gladly.agents.getAgents);
    expect(agents.length).toBe(3);
    expect(await checked(gladly.agents.getAgent, { agentId: agents[1]!.id! })).toEqual(agents[1]);
    const inboxes = await checked(gladly.inboxes.getInboxes);
    expect((await checked(gladly.inboxes.getInbox, { inboxId: inboxes[0]!.id! })).name).toBe("Support");
    const teams = await checked(gladly.teams.getTeams);
    expect((await checked(gladly.teams.getTeam, { teamId: teams[0]!.id! })).agentIds).toHaveLength(2);
    expect(await checked(gladly.audiences.getAudiences)).toHaveLength(2);
    expect((await checked(gladly.agents.getAgentCallRecording, { agentId: agents[0]!.id! })).recording).toBe(false);
  });

  it("manages topics", async () => {
    await checked(gladly.topics.addTopic, { body: { id: "topic-vip", name: "VIP" } });
    await checked(gladly.topics.updateTopic, { topicId: "topic-vip", body: { name: "VIP customers" } });
    expect((await checked(gladly.topics.getTopic, { topicId: "topic-vip" })).name).toBe("VIP customers");
    expect((await checked(gladly.topics.getTopics)).map((t) => t.name)).toContain("VIP customers");
    await expect(gladly.topics.addTopic({ body: { name: "vip customers" } })).rejects.toBeInstanceOf(GladlyConflictError);
  });

  it("runs a customer through conversations, notes, topics and tasks", async () => {
    await checked(gladly.customers.createCustomer, {
      body: { id: "c-francis", name: "Francis", emails: [{ original: "francis@example.com", primary: true }] },
    });
    expect((await checked(gladly.customers.getCustomer, { customerId: "c-francis" })).name).toBe("Francis");
    expect(await checked(gladly.customers.findCustomers, { email: "francis@example.com" })).toHaveLength(1);
    await checked(gladly.customers.updateCustomer, { customerId: "c-francis", body: { address: "1 Main St" } });
    expect((await gladly.customers.getCustomer({ customerId: "c-francis" })).address).toBe("1 Main St");

    const item = await checked(gladly.conversations.createItem, {
      body: {
        id: "item-1",
        customer: { emailAddress: "francis@example.com" },
        content: { type: "CUSTOMER_ACTIVITY", activityType: "EMAIL", title: "Order shipped", expandByDefault: false },
      },
    });
    expect(item.customerId).toBe("c-francis");
    const again = await checked(gladly.conversations.createCustomerItem, {
      customerId: "c-francis",
      body: { content: { type: "CUSTOMER_ACTIVITY", activityType: "SMS", title: "Delivered", expandByDefault: true } },
    });
    const fetched = await checked(gladly.conversations.getItem, { itemId: "item-1" });
    const conversationId = fetched.conversationId!;
    expect((await checked(gladly.conversations.getConversation, { conversationId })).status).toBe("OPEN");
    expect(await checked(gladly.conversations.getConversations, { customerId: "c-francis" })).toHaveLength(1);
    expect((await checked(gladly.conversations.getConversationItems, { conversationId })).map((i) => i.id)).toEqual(["item-1", again.id]);

    await checked(gladly.conversations.addNoteToConversation, { conversationId, body: { content: { body: "Called back" } } });
    const noteId = fake.state.events.findLast((e) => e.type === "CONVERSATION/NOTE_CREATED")!.content.noteId as string;
    expect((await checked(gladly.conversations.getNoteFromConversation, { conversationId, noteId })).content.body).toBe("Called back");

    await checked(gladly.conversations.addTopicToConversation, { conversationId, body: { topicIds: ["topic-vip"] } });
    expect((await gladly.conversations.getConversation({ conversationId })).topicIds).toEqual(["topic-vip"]);
    await checked(gladly.conversations.deleteTopicFromConversation, { conversationId, topicId: "topic-vip" });
    await checked(gladly.conversations.updateConversationFreeformTopics, {
      customerId: "c-francis",
      conversationId,
      body: {
        add: [
          { key: "ORDER_ID", value: "ORD-1" },
          { key: "ORDER_ID", value: "ORD-2" },
        ],
        remove: [{ key: "ORDER_ID", value: "ORD-1" }],
      },
    });
    expect((await gladly.conversations.getConversation({ conversationId })).customAttributes).toEqual([{ id: expect.any(String), value: "ORD-2" }]);
    // A custom attribute always carries a value in what Gladly answers, so the fake adds none without one, and adds nothing of that request.
    const valueless = await gladly.conversations
      .updateConversationFreeformTopics({ customerId: "c-francis", conversationId, body: { add: [{ key: "ORDER_ID", value: "ORD-3" }, { key: "ORDER_ID" }] } })
      .catch((error: unknown) => error);
    expect(valueless).toBeInstanceOf(GladlyValidationError);
    expect((valueless as GladlyValidationError).errors).toEqual([{ attr: "add.value", code: "blank", detail: "add.value cannot be blank" }]);
    expect((await checked(gladly.conversations.getConversation, { conversationId })).customAttributes).toEqual([{ id: expect.any(String), value: "ORD-2" }]);

    const inboxId = fake.state.defaultInboxId;
    await checked(gladly.conversations.patchConversation, { conversationId, body: { assignee: { inboxId }, status: { value: "CLOSED" } } });
    expect((await gladly.conversations.getConversation({ conversationId })).status).toBe("CLOSED");

    await checked(gladly.tasks.createTask, {
      customerId: "c-francis",
      body: { id: "task-1", assignee: { inboxId }, body: "Follow up", dueAt: "2030-01-01T00:00:00Z" },
    });
    await checked(gladly.tasks.updateTask, { taskId: "task-1", body: { status: "CLOSED" } });
    expect((await checked(gladly.tasks.getTask, { taskId: "task-1" })).status).toBe("CLOSED");
    expect(await checked(gladly.tasks.getTasks, { customerId: "c-francis", status: "CLOSED" })).toHaveLength(1);
    const agentId = [...fake.state.agents.keys()][1]!;
    await checked(gladly.tasks.createTaskComment, { taskId: "task-1", body: { id: "comment-1", agentId, comment: "Done" } });
    expect(await checked(gladly.tasks.getTaskComments, { taskId: "task-1" })).toHaveLength(1);
    expect((await checked(gladly.tasks.getTaskComment, { taskId: "task-1", commentId: "comment-1" })).comment).toBe("Done");
    await checked(gladly.tasks.createTaskAndCustomer, {
      body: { assignee: { inboxId }, body: "New lead", dueAt: "2030-01-01T00:00:00Z", customer: { emailAddress: "lead@example.com" } },
    });
    expect(await gladly.customers.findCustomers({ email: "lead@example.com" })).toHaveLength(1);

    await checked(gladly.customers.deleteCustomer, { customerId: "c-francis" });
    await expect(gladly.customers.getCustomer({ customerId: "c-francis" })).rejects.toBeInstanceOf(GladlyNotFoundError);
  });

  it("follows a merge to the surviving customer", async () => {
    await gladly.customers.createCustomer({ body: { id: "m-old" } });
    await gladly.customers.createCustomer({ body: { id: "m-new", name: "Survivor" } });
    fake.state.mergeCustomers("m-old", "m-new");
    expect((await gladly.customers.getCustomer({ customerId: "m-old" })).name).toBe("Survivor");
  });

  it("manages answers and reads them through the Public Answers API", async () => {
    const answer = await checked(gladly.answerManagement.addAnswer, { body: { id: "a-gift", name: "Gift cards" } });
    expect(answer.id).toBe("a-gift");
    await checked(gladly.answerManagement.addAnswerContentByLanguageAndType, {
      answerId: "a-gift",
      language: "en-us",
      type: "public",
      body: { title: "Gift cards", bodyHtml: "<p>Gift cards never expire.</p>" },
    });
    expect((await checked(gladly.answerManagement.getAnswerContentByLanguageAndType, { answerId: "a-gift", language: "en-us", type: "public" })).title).toBe(
      "Gift cards",
    );
    await checked(gladly.answerManagement.updateAnswer, { answerId: "a-gift", body: { description: "About gift cards" } });
    expect((await checked(gladly.answerManagement.getAnswerById, { answerId: "a-gift" })).description).toBe("About gift cards");

    const orgId = fake.orgId;
    expect(await checked(gladly.publicAnswers.searchAnswers, { orgId, q: "expire" })).toEqual([{ id: "a-gift", name: "Gift cards" }]);
    expect((await checked(gladly.publicAnswers.listAnswers, { orgId })).map((a) => a.name)).toContain("Gift cards");
    expect((await checked(gladly.publicAnswers.getAnswer, { orgId, answerId: "a-gift" })).bodyHtml).toContain("never expire");
    const helpCenterId = [...fake.state.helpCenters.keys()][0]!;
    expect((await checked(gladly.publicAnswers.getAnswerTitles, { orgId, helpCenterId })).map((a) => a.name)).toContain("Shipping times");

    await checked(gladly.answerManagement.deleteAnswerContentByLanguageAndType, { answerId: "a-gift", language: "en-us", type: "public" });
    expect(await gladly.publicAnswers.searchAnswers({ orgId, q: "expire" })).toEqual([]);
    await checked(gladly.answerManagement.deleteAnswer, { answerId: "a-gift" });
  });

  it("manages webhooks and business hours", async () => {
    await checked(gladly.webhooks.createWebhook, {
      body: {
        name: "ops",
        url: "https://hooks.example.com/gladly",
        events: ["CONVERSATION/CLOSED"],
        enabled: true,
        credentials: { username: "u", password: "p" },
      },
    });
    const hooks = await checked(gladly.webhooks.getWebhooks);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ hasCredentials: true, url: "https://hooks.example.com/gladly" });
    expect(JSON.stringify(hooks)).not.toContain('"password"');
    const webhookId = hooks[0]!.id!;
    await checked(gladly.webhooks.updateWebhook, { webhookId, body: { enabled: false } });
    expect((await checked(gladly.webhooks.getWebhook, { webhookId })).enabled).toBe(false);
    await checked(gladly.webhooks.deleteWebhook, { webhookId });

    const hours = await checked(gladly.businessHours.createBusinessHours, {
      body: { name: "Weekend", officeHours: { timezone: "UTC", saturday: [{ start: "10:00", stop: "14:00" }] } },
    });
    const updated = await checked(gladly.businessHours.updateBusinessHours, {
      businessHoursId: hours.id!,
      body: { version: 1, name: "Weekends", officeHours: hours.officeHours! },
    });
    expect(updated.version).toBe(2);
    await expect(
      gladly.businessHours.updateBusinessHours({ businessHoursId: hours.id!, body: { version: 1, name: "Stale", officeHours: hours.officeHours! } }),
    ).rejects.toBeInstanceOf(GladlyConflictError);
    expect((await checked(gladly.businessHours.getBusinessHoursById, { businessHoursId: hours.id! })).name).toBe("Weekends");
    expect(await checked(gladly.businessHours.getBusinessHours)).toHaveLength(2);
    await checked(gladly.businessHours.deleteBusinessHours, { businessHoursId: hours.id! });
  });

  it("reads events, exports, reports, recordings and attachments", async () => {
    const since = new Date(fake.clock.now() - 60_000).toISOString();
    const events = await gladly.events.getEvents({ entities: ["TASK"], startAt: since });
    expect(
      events
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { type: string }).type),
    ).toContain("TASK/CREATED");
    called.add("getEvents");

    const jobs = await checked(gladly.export.findJobs, { status: "COMPLETED" });
    const job = await checked(gladly.export.getJob, { jobId: jobs[0]!.id! });
    const agents = await gladly.export.getFile({ jobId: job.id!, filename: "agents.jsonl" });
    expect(agents.trim().split("\n")).toHaveLength(3);
    called.add("getFile");
    expect(await checked(gladly.export.findSchedules)).toHaveLength(1);

    const csv = await gladly.reports.generateReport({ body: { metricSet: "AgentSummary", startAt: "2026-11-01", endAt: "2026-11-02" } });
    expect(csv.startsWith("Agent,Email")).toBe(true);
    called.add("generateReport");

    const call = [...fake.state.items.values()].find((i) => (i.content as { type: string }).type === "PHONE_CALL")!;
    const audio = await gladly.conversations.getMedia({ itemId: call.id });
    expect(new Uint8Array(audio).slice(0, 3)).toEqual(new Uint8Array([0x49, 0x44, 0x33])); // "ID3"
    called.add("getMedia");
    expect((await checked(gladly.conversations.getVoiceTranscript, { itemId: call.id })).paragraphs).toHaveLength(2);

    const email = [...fake.state.items.values()].find((i) => (i.content as { type: string }).type === "EMAIL")!;
    const attachmentId = (email.content as { attachments: { id: string }[] }).attachments[0]!.id;
    const file = await gladly.conversations.getAttachment({ itemId: email.id, attachmentId });
    expect(new TextDecoder().decode(file)).toBe("Receipt #1234: $42.00");
    called.add("getAttachment");
  });

  it("replies to a customer's chat message", async () => {
    const chat = [...fake.state.items.values()].find((i) => (i.content as { type: string }).type === "CHAT_MESSAGE")!;
    await checked(gladly.conversations.replyToMessage, {
      itemId: chat.id,
      body: { content: { type: "CHAT_MESSAGE", messageType: "TEXT", body: "Sure, what is the new address?" } },
    });
    const items = await gladly.conversations.getConversationItems({ conversationId: chat.conversationId! });
    expect(items.at(-1)!.content).toMatchObject({ body: "Sure, what is the new address?" });
    await checked(gladly.conversations.redactContent, { itemId: chat.id });
    expect((await gladly.conversations.getItem({ itemId: chat.id })).content).toMatchObject({ content: "[redacted]" });
  });

  it("creates resolve to the id of what they created, from the id sent or from Location", async () => {
    const customerId = await gladly.customers.createCustomer({ body: { name: "Created Id" } });
    expect(typeof customerId).toBe("string");
    expect((await gladly.customers.getCustomer({ customerId })).name).toBe("Created Id");
    const chosen = await gladly.customers.createCustomer({ body: { id: "my-own-id-1", name: "Chosen" } });
    expect(chosen).toBe("my-own-id-1");
    const inboxId = (await gladly.inboxes.getInboxes())[0]!.id!;
    const taskId = await gladly.tasks.createTask({
      customerId,
      body: { assignee: { inboxId }, body: "Call back about the refund", dueAt: "2026-12-01T17:00:00Z" },
    });
    expect((await gladly.tasks.getTask({ taskId })).body).toBe("Call back about the refund");
    const agentId = (await gladly.agents.getAgents())[0]!.id!;
    const commentId = await gladly.tasks.createTaskComment({ taskId, body: { agentId, comment: "Left a voicemail" } });
    expect((await gladly.tasks.getTaskComment({ taskId, commentId })).id).toBe(commentId);
    const topicId = await gladly.topics.addTopic({ body: { name: `created-id-${Date.now()}` } });
    expect((await gladly.topics.getTopic({ topicId })).id).toBe(topicId);
    // No id in the request: Gladly's Location names it.
    const webhookId = await gladly.webhooks.createWebhook({
      body: { url: "https://hooks.example.com/created-id", events: ["CUSTOMER_PROFILE/CREATED"], enabled: true },
    });
    expect(webhookId).toBeDefined();
    expect((await gladly.webhooks.getWebhook({ webhookId: webhookId! })).url).toBe("https://hooks.example.com/created-id");
    await gladly.webhooks.deleteWebhook({ webhookId: webhookId! });
  });

  it("surfaces the fake's validation as typed errors", async () => {
    const error = await gladly.topics.addTopic({ body: { name: "" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GladlyValidationError);
    await expect(gladly.customers.createCustomer({ body: { name: 1 } as never })).rejects.toThrow(/name: name must be string \(invalid\)/);
  });

  it("covered at least 20 operations against the fake", () => {
    expect(called.size).toBeGreaterThanOrEqual(20);
  });
});
