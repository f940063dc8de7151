import type {
  Agent,
  AnswerContent,
  BusinessHours,
  Conversation,
  ConversationItem,
  Customer,
  ExportJob,
  Inbox,
  Task,
  TaskComment,
  Team,
  Topic,
  Webhook,
} from "../../generated/types.ts";
import { idGenerator, seededRandom } from "./ids.ts";

/** One line of the events stream: what every write of the fake appends. */
export interface FakeEvent {
  id: string;
  type: string;
  timestamp: string;
  initiator: { id: string; type: "API" | "AGENT" | "CUSTOMER" | "SYSTEM" };
  content: Record<string, unknown>;
}

/** An answer as the fake keeps it (the answer-management API's view). */
export interface ManagedAnswer {
  id: string;
  name: string;
  description?: string;
  audienceIds: string[];
  createdAt: string;
  updatedAt: string;
}

/** A custom attribute definition as the fake keeps it. */
export interface CustomAttribute {
  id: string;
  key: string;
  label: string;
  deactivated: boolean;
  createdAt: string;
  createdBy: string;
}

/** A clock that follows real time, shifted by whatever the test advanced it. */
export class FakeClock {
  private offsetMs = 0;
  /** Milliseconds since the epoch, as the fake sees it. */
  now(): number {
    return Date.now() + this.offsetMs;
  }
  /** Moves the fake's time forward by `ms`: later timestamps and events carry the shifted time. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }
  /** {@link FakeClock.now} as ISO 8601 text. */
  iso(): string {
    return new Date(this.now()).toISOString();
  }
}

/** The entity an event type belongs to, as the events endpoint's `entities` parameter names it. */
export function entityOf(type: string): string {
  const prefix = type.split("/")[0]!;
  return prefix.startsWith("CONVERSATION") ? "CONVERSATION" : prefix;
}

/**
 * Everything the fake knows, in plain maps a test can read and arrange directly
 * (`fake.state.customers.get(id)`).
 */
export class FakeState {
  readonly clock: FakeClock;
  /** Makes an id shaped like Gladly's; deterministic for a given `seed`. */
  readonly newId: () => string;
  /** The fake's seeded random numbers in [0, 1), so runs repeat. */
  readonly random: () => number;

  readonly organization: { id: string; name: string; loginDomain: string; timezone: string; gladlyUrl: string };
  readonly agents = new Map<string, Agent & { id: string }>();
  readonly inboxes = new Map<string, Inbox & { id: string }>();
  readonly teams = new Map<string, Team & { id: string }>();
  readonly audiences = new Map<string, { id: string; name: string }>();
  readonly topics = new Map<string, Topic & { id: string; name: string }>();
  readonly customAttributes = new Map<string, CustomAttribute>();
  readonly businessHours = new Map<string, BusinessHours & { id: string; version: number }>();
  readonly webhooks = new Map<string, Webhook & { id: string }>();
  readonly answers = new Map<string, ManagedAnswer>();
  /** Keyed by answer id, then `${language}/${type}`. */
  readonly answerContents = new Map<string, Map<string, AnswerContent>>();
  readonly helpCenters = new Map<string, { id: string; answerIds: string[] }>();
  readonly customers = new Map<string, Customer & { id: string }>();
  /** Merged customer id → surviving customer id. */
  readonly mergedInto = new Map<string, string>();
  readonly conversations = new Map<string, Conversation>();
  readonly items = new Map<string, ConversationItem & { id: string; customerId: string }>();
  readonly tasks = new Map<string, Task & { id: string; customerId: string }>();
  readonly taskComments = new Map<string, TaskComment & { id: string; taskId: string }>();
  readonly callRecorders = new Map<string, { agentId: string; customerId?: string; conversationItemId?: string; recording: boolean }>();
  readonly exportSchedules = new Map<string, { id: string; frequency: "HOURLY" | "DAILY"; type: "CONVERSATIONS"; nextStartAt: string; updatedAt: string }>();
  readonly exportJobs = new Map<string, ExportJob & { id: string }>();
  readonly events: FakeEvent[] = [];
  /** The attachment bytes served behind the 303 of getAttachment, keyed by attachment id. */
  readonly attachments = new Map<string, { contentType: string; filename: string; bytes: Uint8Array }>();

  /** How far behind real time the events endpoint runs (Gladly documents up to 15 s). */
  eventLagMs: number;

  constructor(options: { seed?: number; clock?: FakeClock; eventLagMs?: number } = {}) {
    this.clock = options.clock ?? new FakeClock();
    this.eventLagMs = options.eventLagMs ?? 0;
    this.random = seededRandom(options.seed ?? 1);
    this.newId = idGenerator(this.random);
    this.organization = {
      id: this.newId(),
      name: "Fake Gladly",
      loginDomain: "fake.gladly.test",
      timezone: "America/Los_Angeles",
      gladlyUrl: "https://fake.gladly.test",
    };
    seed(this);
  }

  /** The fake's current time as ISO 8601 text. */
  now(): string {
    return this.clock.iso();
  }

  /** Appends to the events stream, as every write in Gladly does. */
  emit(type: string, content: Record<string, unknown>, initiator: FakeEvent["initiator"] = { id: this.apiUserId, type: "API" }): FakeEvent {
    const event = { id: this.newId(), type, timestamp: this.now(), initiator, content };
    this.events.push(event);
    this.onEvent?.(event);
    return event;
  }

  /** Called for every event as it happens (the fake delivers webhooks from here). */
  onEvent: ((event: FakeEvent) => void) | undefined;

  /** Set by the fake: pings a webhook, answering the status its endpoint gave. */
  pingWebhook: ((webhook: Webhook & { id: string }) => Promise<number>) | undefined;

  /** The agent the API token belongs to: the first seeded agent. */
  get apiUserId(): string {
    return [...this.agents.keys()][0]!;
  }

  /** The first seeded inbox. */
  get defaultInboxId(): string {
    return [...this.inboxes.keys()][0]!;
  }

  /** Follows merges to the customer that survives. */
  survivingCustomerId(id: string): string | undefined {
    const seen = new Set<string>();
    let current = id;
    while (this.mergedInto.has(current) && !seen.has(current)) {
      seen.add(current);
      current = this.mergedInto.get(current)!;
    }
    return current === id ? undefined : current;
  }

  /** The customers matching every criterion given (email case-insensitively, phone as given or normalized). */
  findCustomer(where: { email?: string; phone?: string; externalCustomerId?: string }): (Customer & { id: string })[] {
    const email = where.email?.toLowerCase();
    return [...this.customers.values()].filter(
      (c) =>
        (email === undefined || (c.emails ?? []).some((e) => e.original.toLowerCase() === email)) &&
        (where.phone === undefined || (c.phones ?? []).some((p) => p.original === where.phone || p.normalized === where.phone)) &&
        (where.externalCustomerId === undefined || c.externalCustomerId === where.externalCustomerId),
    );
  }

  /** Adds a customer (a new id unless one is given) and emits CUSTOMER_PROFILE/CREATED. */
  createCustomer(profile: Omit<Customer, "id"> & { id?: string }): Customer & { id: string } {
    const now = this.now();
    const customer = { ...profile, id: profile.id ?? this.newId(), createdAt: now, updatedAt: now };
    this.customers.set(customer.id, customer);
    this.emit("CUSTOMER_PROFILE/CREATED", { customerId: customer.id });
    return customer;
  }

  /** The customer's open conversation, or a new one, as Gladly does when an item arrives. */
  openConversation(customerId: string): Conversation {
    const open = [...this.conversations.values()].find((c) => c.customerId === customerId && c.status !== "CLOSED");
    if (open) return open;
    const conversation: Conversation = {
      id: this.newId(),
      customerId,
      inboxId: this.defaultInboxId,
      status: "OPEN",
      createdAt: this.now(),
      topicIds: [],
      customAttributes: [],
    };
    this.conversations.set(conversation.id, conversation);
    this.emit("CONVERSATION/CREATED", { customerId, conversationId: conversation.id, context: {} });
    return conversation;
  }

  /** Merges `sourceId` into `destinationId`: the source answers 301 from then on. */
  mergeCustomers(sourceId: string, destinationId: string): void {
    const source = this.customers.get(sourceId);
    if (!source || !this.customers.has(destinationId)) throw new Error(`mergeCustomers: both customers must exist (${sourceId}, ${destinationId})`);
    for (const conversation of this.conversations.values()) if (conversation.customerId === sourceId) conversation.customerId = destinationId;
    for (const item of this.items.values()) if (item.customerId === sourceId) item.customerId = destinationId;
    for (const task of this.tasks.values()) if (task.customerId === sourceId) task.customerId = destinationId;
    this.customers.delete(sourceId);
    this.mergedInto.set(sourceId, destinationId);
    this.emit("CUSTOMER/MERGED", { sourceCustomerId: sourceId, destinationCustomerId: destinationId });
  }
}

const HTML = (text: string) => `<p>${text}</p>`;

function seed(state: FakeState): void {
  const at = state.now();
  for (const [name, emailAddress] of [
    ["Api User", "api-user@fake.gladly.test"],
    ["Amy Agent", "amy.agent@fake.gladly.test"],
    ["Ben Agent", "ben.agent@fake.gladly.test"],
  ] as const) {
    const id = state.newId();
    state.agents.set(id, { id, name, emailAddress });
    state.callRecorders.set(id, { agentId: id, recording: false });
  }
  for (const name of ["Support", "Billing"]) {
    const id = state.newId();
    state.inboxes.set(id, { id, name, disabled: false });
  }
  const teamId = state.newId();
  state.teams.set(teamId, { id: teamId, name: "Tier 1", description: "First line support", agentIds: [...state.agents.keys()].slice(1) });
  for (const name of ["Everyone", "VIP"]) {
    const id = state.newId();
    state.audiences.set(id, { id, name });
  }
  for (const name of ["Shipping", "Returns", "Billing", "Password reset"]) {
    const id = state.newId();
    state.topics.set(id, { id, name, disabled: false });
  }
  const attributeId = state.newId();
  state.customAttributes.set(attributeId, {
    id: attributeId,
    key: "ORDER_ID",
    label: "Order ID",
    deactivated: false,
    createdAt: at,
    createdBy: state.apiUserId,
  });

  const hoursId = state.newId();
  const day = [{ start: "09:00", stop: "17:00" }];
  state.businessHours.set(hoursId, {
    id: hoursId,
    version: 1,
    createdAt: at,
    updatedAt: at,
    name: "Headquarters",
    primary: true,
    officeHours: { timezone: "America/Los_Angeles", monday: day, tuesday: day, wednesday: day, thursday: day, friday: day },
  });

  const helpCenterId = state.newId();
  const helpCenter = { id: helpCenterId, answerIds: [] as string[] };
  state.helpCenters.set(helpCenterId, helpCenter);
  const everyone = [...state.audiences.keys()][0]!;
  for (const [name, body] of [
    ["How to reset your password", "Open Settings, choose Security, then Reset password. We email you a link that works for one hour."],
    ["Shipping times", "Orders ship within two business days. Standard delivery takes three to five days."],
    ["Returns and refunds", "Return any item within 30 days. Refunds reach your card five days after we receive the item."],
    ["Track your order", "Use the tracking link in your shipping email, or sign in and open Orders."],
  ] as const) {
    const id = state.newId();
    state.answers.set(id, { id, name, description: name, audienceIds: [everyone], createdAt: at, updatedAt: at });
    state.answerContents.set(
      id,
      new Map([
        ["en-us/public", { answerId: id, language: "en-us", type: "public", title: name, bodyHtml: HTML(body) }],
        ["en-us/reference", { answerId: id, language: "en-us", type: "reference", bodyHtml: HTML(`Internal: ${body}`), internal: true }],
      ]),
    );
    helpCenter.answerIds.push(id);
  }

  const scheduleId = state.newId();
  state.exportSchedules.set(scheduleId, {
    id: scheduleId,
    frequency: "DAILY",
    type: "CONVERSATIONS",
    nextStartAt: new Date(state.clock.now() + 86_400_000).toISOString(),
    updatedAt: at,
  });
  const jobId = state.newId();
  state.exportJobs.set(jobId, {
    id: jobId,
    scheduleId,
    status: "COMPLETED",
    updatedAt: at,
    parameters: { type: "CONVERSATIONS", startAt: new Date(state.clock.now() - 86_400_000).toISOString(), endAt: at },
    files: ["agents.jsonl", "customers.jsonl", "conversation_items.jsonl", "topics.jsonl"],
  });

  // One customer with a recorded call, so media, transcripts and attachments have something to serve.
  const customer = state.createCustomer({
    name: "Martha Williams",
    emails: [{ original: "martha.williams@example.com", primary: true }],
    phones: [{ original: "+14155550100", regionCode: "US", type: "MOBILE", primary: true }],
  });
  const conversation = state.openConversation(customer.id);
  const callId = state.newId();
  state.items.set(callId, {
    id: callId,
    customerId: customer.id,
    conversationId: conversation.id,
    timestamp: at,
    initiator: { id: customer.id, type: "CUSTOMER" },
    content: {
      type: "PHONE_CALL",
      from: "+14155550100",
      to: "+14155550199",
      startedAt: at,
      answeredAt: at,
      completedAt: at,
      recordingStatus: "AVAILABLE",
      recordingDuration: 42,
    },
  });
  const chatId = state.newId();
  state.items.set(chatId, {
    id: chatId,
    customerId: customer.id,
    conversationId: conversation.id,
    sessionId: state.newId(),
    timestamp: at,
    initiator: { id: customer.id, type: "CUSTOMER" },
    content: { type: "CHAT_MESSAGE", messageType: "TEXT", sessionId: state.newId(), content: "Hi! Can someone help me change my shipping address?" },
  });
  const emailId = state.newId();
  const attachmentId = state.newId();
  state.items.set(emailId, {
    id: emailId,
    customerId: customer.id,
    conversationId: conversation.id,
    timestamp: at,
    initiator: { id: customer.id, type: "CUSTOMER" },
    content: {
      type: "EMAIL",
      from: "martha.williams@example.com",
      to: ["support@fake.gladly.test"],
      subject: "Receipt",
      content: "Attached is my receipt.",
      attachments: [{ id: attachmentId, contentType: "text/plain", filename: "receipt.txt", fileSize: 20 }],
    },
  });
  state.attachments.set(attachmentId, { contentType: "text/plain", filename: "receipt.txt", bytes: new TextEncoder().encode("Receipt #1234: $42.00") });
}
