import type { BusinessHours, Webhook } from "../../../generated/types.ts";
import { MAX_WEBHOOKS } from "../../webhook-client.ts";
import { FakeHttpError, invalid, notFound, taken } from "../http-error.ts";
import type { FakeState } from "../state.ts";
import { customerFor } from "./conversations.ts";
import { type Handlers, created, json, noContent } from "./types.ts";

function found<T>(map: Map<string, T>, id: string, what: string, attr: string): T {
  const value = map.get(id);
  if (value === undefined) throw notFound(what, id, attr);
  return value;
}

/** What Gladly shows of a webhook: never the credentials or header values themselves. */
function publicWebhook(webhook: Webhook & { id: string }) {
  const { credentials, headers, ...rest } = webhook;
  return { ...rest, hasCredentials: credentials !== undefined, headerKeys: Object.keys(headers ?? {}) };
}

/** Gladly PINGs a new (or moved) webhook and refuses it unless the endpoint answers 200. */
async function requirePong(state: FakeState, webhook: Webhook & { id: string }): Promise<void> {
  if (!state.pingWebhook) return;
  const status = await state.pingWebhook(webhook);
  if (status !== 200) throw invalid("url", `the webhook endpoint answered the PING with ${status || "no response"}; it must answer 200`);
}

function checkWebhookUrl(url: string | undefined): void {
  if (url === undefined) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid("url", "url must be an absolute URL");
  }
  if (parsed.protocol !== "https:" && parsed.hostname !== "127.0.0.1" && parsed.hostname !== "localhost") throw invalid("url", "url must use https");
}

export const organizationHandlers: Handlers = {
  getOrganization: ({ state }) => json(state.organization),
  getAgents: ({ state }) => json([...state.agents.values()]),
  getAgent: ({ state, params }) => json(found(state.agents, params.agentId!, "agent", "agentId")),
  getAgentCallRecording: ({ state, params }) => json(found(state.callRecorders, params.agentId!, "agent", "agentId")),
  updateAgentCallRecording({ state, params, body }) {
    const recorder = found(state.callRecorders, params.agentId!, "agent", "agentId");
    Object.assign(recorder, body, { agentId: recorder.agentId });
    return noContent();
  },
  getAudiences: ({ state }) => json([...state.audiences.values()]),
  getInboxes: ({ state }) => json([...state.inboxes.values()]),
  getInbox: ({ state, params }) => json(found(state.inboxes, params.inboxId!, "inbox", "inboxId")),
  getTeams: ({ state }) => json([...state.teams.values()]),
  getTeam: ({ state, params }) => json(found(state.teams, params.teamId!, "team", "teamId")),
  getCustomAttribute: ({ state, params }) => json(found(state.customAttributes, params.customAttributeId!, "custom attribute", "customAttributeId")),

  getTopics: ({ state }) => json([...state.topics.values()]),
  getTopic: ({ state, params }) => json(found(state.topics, params.topicId!, "topic", "topicId")),
  addTopic({ state, body }) {
    if (body.id !== undefined && state.topics.has(body.id)) throw taken("id", body.id);
    if ([...state.topics.values()].some((t) => t.name.toLowerCase() === body.name.toLowerCase())) throw taken("name", body.name);
    if (body.parentId && !state.topics.has(body.parentId)) throw notFound("topic", body.parentId, "parentId");
    const topic = { ...body, id: body.id ?? state.newId(), disabled: body.disabled ?? false };
    state.topics.set(topic.id, topic);
    return created(`/api/v1/topics/${topic.id}`);
  },
  updateTopic({ state, params, body }) {
    const topic = found(state.topics, params.topicId!, "topic", "topicId");
    if ([...state.topics.values()].some((t) => t.id !== topic.id && t.name.toLowerCase() === body.name.toLowerCase())) throw taken("name", body.name);
    Object.assign(topic, body);
    return noContent();
  },

  getBusinessHours: ({ state }) => json([...state.businessHours.values()]),
  getBusinessHoursById: ({ state, params }) => json(found(state.businessHours, params.businessHoursId!, "business hours", "businessHoursId")),
  createBusinessHours({ state, body }) {
    const now = state.now();
    const hours = { ...(body as BusinessHours), id: state.newId(), version: 1, createdAt: now, updatedAt: now, primary: body.primary ?? false };
    if (hours.primary) for (const other of state.businessHours.values()) other.primary = false;
    state.businessHours.set(hours.id, hours);
    return { status: 201, json: hours, headers: { Location: `/api/v1/business-hours/${hours.id}` } };
  },
  updateBusinessHours({ state, params, body }) {
    const hours = found(state.businessHours, params.businessHoursId!, "business hours", "businessHoursId");
    if (body.version !== hours.version)
      throw new FakeHttpError(409, [{ attr: "version", code: "version_outdated", detail: `version ${body.version} is outdated; current is ${hours.version}` }]);
    Object.assign(hours, body, { version: hours.version + 1, updatedAt: state.now() });
    return json(hours);
  },
  deleteBusinessHours({ state, params }) {
    const hours = found(state.businessHours, params.businessHoursId!, "business hours", "businessHoursId");
    if (hours.primary) throw new FakeHttpError(400, [{ attr: "businessHoursId", code: "in_use", detail: "the primary business hours cannot be deleted" }]);
    state.businessHours.delete(hours.id);
    return noContent();
  },

  getWebhooks: ({ state }) => json([...state.webhooks.values()].map(publicWebhook)),
  getWebhook: ({ state, params }) => json(publicWebhook(found(state.webhooks, params.webhookId!, "webhook", "webhookId"))),
  async createWebhook({ state, body }) {
    if (state.webhooks.size >= MAX_WEBHOOKS) throw invalid("webhooks", `an organization can have at most ${MAX_WEBHOOKS} webhooks`, "too_long");
    if (!body.url) throw invalid("url", "url cannot be blank", "blank");
    checkWebhookUrl(body.url);
    const now = state.now();
    const webhook = { ...(body as Webhook), id: state.newId(), enabled: body.enabled ?? true, createdAt: now, updatedAt: now };
    await requirePong(state, webhook);
    state.webhooks.set(webhook.id, webhook);
    return created(`/api/v1/webhooks/${webhook.id}`);
  },
  async updateWebhook({ state, params, body }) {
    const webhook = found(state.webhooks, params.webhookId!, "webhook", "webhookId");
    checkWebhookUrl(body.url);
    if (body.url !== undefined && body.url !== webhook.url) await requirePong(state, { ...webhook, ...(body as Webhook), id: webhook.id });
    Object.assign(webhook, body, { id: webhook.id, updatedAt: state.now() });
    return noContent();
  },
  deleteWebhook({ state, params }) {
    found(state.webhooks, params.webhookId!, "webhook", "webhookId");
    state.webhooks.delete(params.webhookId!);
    return noContent();
  },

  sendSMS({ state, body }) {
    const customerId = customerFor(state, { mobilePhone: body.customer.mobileNumber });
    const conversation = state.openConversation(customerId);
    const id = state.newId();
    state.items.set(id, {
      id,
      customerId,
      conversationId: conversation.id!,
      timestamp: state.now(),
      initiator: { id: state.apiUserId, type: "API" },
      content: { type: "SMS", from: body.from, to: body.customer.mobileNumber, content: body.body },
    });
    return json({ customerId, conversationItemId: id });
  },
  sendEmail({ state, body }) {
    const to = body.to[0]?.email;
    if (!to) throw invalid("to", "to needs at least one email", "blank");
    const customerId = customerFor(state, { emailAddress: to });
    const conversation = state.openConversation(customerId);
    const id = state.newId();
    const content = {
      type: "EMAIL" as const,
      from: body.from,
      to: body.to.map((r) => r.email!).filter(Boolean),
      subject: body.subject,
      content: body.body.text ?? body.body.html ?? "",
    };
    state.items.set(id, { id, customerId, conversationId: conversation.id!, timestamp: state.now(), initiator: { id: state.apiUserId, type: "API" }, content });
    return json({ customerId, conversationItemId: id });
  },

  createUserIdentityJWT({ state, body }) {
    if (!body.identity || !body.identityType) throw invalid(body.identity ? "identityType" : "identity", "identity and identityType are required", "blank");
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const token = `${part({ alg: "HS256", typ: "JWT" })}.${part({ sub: body.identity, type: body.identityType, iat: Math.floor(state.clock.now() / 1000) })}.${state.newId()}`;
    return json({ token });
  },

  createRecipientCollection({ state, params, body }) {
    const first = body.recipients[0] as { emailAddress?: string } | undefined;
    return json({
      id: state.newId(),
      campaignId: params.campaignId!,
      type: first?.emailAddress ? "EMAIL" : "SMS",
      name: body.name,
      startAfter: body.startAfter,
      ...(body.endBefore && { endBefore: body.endBefore }),
      status: "SCHEDULED",
    });
  },
};
