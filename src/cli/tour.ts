import { createGladlyClient, type GladlyClient } from "../client.ts";
import { startFakeGladly } from "../testing/fake.ts";
import { table } from "./format.ts";

interface Step {
  step: string;
  operation: string;
  result: string;
}

export interface TourOptions {
  env: Record<string, string | undefined>;
  write: (text: string) => void;
  /** Production or sandbox, for a real organization. */
  sandbox?: boolean;
}

const ENTITIES = ["AGENT_AVAILABILITY", "AGENT_STATUS", "CONTACT", "CONVERSATION", "CUSTOMER", "CUSTOMER_PROFILE", "PAYMENT_REQUEST", "TASK"] as const;

function short(id: string | undefined): string {
  return id ?? "-";
}

async function eventsTable(gladly: GladlyClient, entities: (typeof ENTITIES)[number][], since: Date): Promise<{ count: number; text: string }> {
  const body = await gladly.events.getEvents({ entities, startAt: since.toISOString() });
  const events = body
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as { type: string; timestamp: string; content: Record<string, unknown> });
  const rows = events.map((e) => [
    e.timestamp.slice(11, 23),
    e.type,
    Object.entries(e.content)
      .filter(([k, v]) => k.endsWith("Id") && typeof v === "string")
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(" "),
  ]);
  return { count: events.length, text: table(["time", "event", "ids"], rows) };
}

/** Writes to the fake: the whole life of a customer contact, then the events it produced. */
async function writeTour(gladly: GladlyClient, orgId: string, write: (text: string) => void): Promise<void> {
  const steps: Step[] = [];
  const started = new Date();
  const suffix = Date.now().toString(36);
  const customerId = `tour-customer-${suffix}`;

  await gladly.customers.createCustomer({
    body: {
      id: customerId,
      name: "Francis Avallone",
      emails: [{ original: `francis.${suffix}@example.com`, primary: true }],
      phones: [{ original: "+14155550142", regionCode: "US", type: "MOBILE", primary: true }],
    },
  });
  const customer = await gladly.customers.getCustomer({ customerId });
  steps.push({ step: "Create a customer", operation: "customers.createCustomer", result: `${customer.name} (${customer.id})` });

  const item = await gladly.conversations.createItem({
    body: {
      customer: { emailAddress: `francis.${suffix}@example.com` },
      content: {
        type: "CUSTOMER_ACTIVITY",
        activityType: "SMS",
        title: "Chat started from the help center",
        body: "Where is my order #1042?",
        expandByDefault: true,
      },
    },
  });
  const conversationId = item.id ? (await gladly.conversations.getItem({ itemId: item.id })).conversationId : undefined;
  steps.push({
    step: "Open a conversation with an item",
    operation: "conversations.createItem",
    result: `item ${short(item.id)} in conversation ${short(conversationId)}`,
  });
  if (!conversationId) throw new Error("the new item has no conversation");

  await gladly.conversations.addNoteToConversation({
    conversationId,
    body: { content: { body: "Customer asked about order #1042; carrier shows it out for delivery." } },
  });
  steps.push({ step: "Add a note", operation: "conversations.addNoteToConversation", result: "note added" });

  const topic = (await gladly.topics.getTopics()).find((t) => t.name === "Shipping") ?? (await gladly.topics.getTopics())[0];
  if (topic?.id) {
    await gladly.conversations.addTopicToConversation({ conversationId, body: { topicIds: [topic.id] } });
    steps.push({ step: "Add a topic", operation: "conversations.addTopicToConversation", result: `topic "${topic.name}"` });
  }

  const inbox = (await gladly.inboxes.getInboxes())[0];
  const agent = (await gladly.agents.getAgents())[0];
  const taskId = `tour-task-${suffix}`;
  await gladly.tasks.createTask({
    customerId,
    body: {
      id: taskId,
      assignee: { inboxId: inbox!.id! },
      body: "Call Francis once the parcel is delivered",
      dueAt: new Date(Date.now() + 86_400_000).toISOString(),
    },
  });
  await gladly.tasks.createTaskComment({ taskId, body: { agentId: agent!.id!, comment: "Carrier ETA is 5pm." } });
  const comments = await gladly.tasks.getTaskComments({ taskId });
  steps.push({ step: "Create a task with a comment", operation: "tasks.createTask + createTaskComment", result: `task ${taskId}, ${comments.length} comment` });

  const answers = await gladly.publicAnswers.searchAnswers({ orgId, q: "order" });
  steps.push({
    step: "Search public answers (no credentials)",
    operation: "publicAnswers.searchAnswers",
    result: answers.map((a) => `"${a.name}"`).join(", ") || "no match",
  });

  const events = await eventsTable(gladly, ["CUSTOMER_PROFILE", "CONVERSATION", "TASK"], started);
  steps.push({ step: "Read back the events", operation: "events.getEvents", result: `${events.count} events (JSON Lines)` });

  write(
    table(
      ["step", "operation", "result"],
      steps.map((s) => [s.step, s.operation, s.result]),
    ),
  );
  write("");
  write(events.text);
}

/** Reads from a real organization: never writes anything. */
async function readTour(gladly: GladlyClient, write: (text: string) => void): Promise<void> {
  const steps: Step[] = [];
  const org = await gladly.organization.getOrganization();
  steps.push({ step: "Organization", operation: "organization.getOrganization", result: `${org.name ?? "-"} (${org.id ?? "-"})` });
  const agents = await gladly.agents.getAgents();
  steps.push({ step: "Agents", operation: "agents.getAgents", result: `${agents.length}` });
  const inboxes = await gladly.inboxes.getInboxes();
  steps.push({
    step: "Inboxes",
    operation: "inboxes.getInboxes",
    result: `${inboxes.length}: ${inboxes
      .slice(0, 5)
      .map((i) => i.name)
      .join(", ")}`,
  });
  const teams = await gladly.teams.getTeams();
  steps.push({ step: "Teams", operation: "teams.getTeams", result: `${teams.length}` });
  const topics = await gladly.topics.getTopics();
  steps.push({ step: "Topics", operation: "topics.getTopics", result: `${topics.length}` });
  const events = await eventsTable(gladly, [...ENTITIES], new Date(Date.now() - 3600_000));
  steps.push({ step: "Events of the last hour", operation: "events.getEvents", result: `${events.count}` });
  write(
    table(
      ["step", "operation", "result"],
      steps.map((s) => [s.step, s.operation, s.result]),
    ),
  );
  if (events.count) {
    write("");
    write(events.text.split("\n").slice(0, 22).join("\n"));
  }
}

/**
 * The demo behind `npm start`: against an embedded fake Gladly by default, or read-only against
 * the organization named by GLADLY_ORGANIZATION / GLADLY_AGENT_EMAIL / GLADLY_API_TOKEN.
 */
export async function runTour({ env, write, sandbox }: TourOptions): Promise<void> {
  const real = Boolean((env.GLADLY_ORGANIZATION || env.GLADLY_BASE_URL) && env.GLADLY_AGENT_EMAIL && env.GLADLY_API_TOKEN);
  if (real) {
    const gladly = createGladlyClient({ env, ...(sandbox && { environment: "sandbox" as const }) });
    write(`gladly-api tour, read-only, against ${gladly.baseUrl}\n`);
    await readTour(gladly, write);
    return;
  }
  const fake = await startFakeGladly();
  try {
    const gladly = createGladlyClient(fake.clientOptions());
    write(
      `gladly-api tour against an embedded fake Gladly at ${fake.url} (set GLADLY_ORGANIZATION, GLADLY_AGENT_EMAIL and GLADLY_API_TOKEN for a read-only tour of your organization)\n`,
    );
    const began = performance.now();
    await writeTour(gladly, fake.orgId, write);
    const seconds = ((performance.now() - began) / 1000).toFixed(1);
    const limited = fake.requests.filter((r) => r.status === 429).length;
    write(`\n${fake.requests.length} requests in ${seconds} s, paced under Gladly's 10 requests/second: ${limited} × 429.`);
  } finally {
    await fake.close();
  }
}
