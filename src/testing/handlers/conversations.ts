import type { Conversation, ConversationItem } from "../../../generated/types.ts";
import { FakeHttpError, invalid, notFound, taken } from "../http-error.ts";
import type { FakeState } from "../state.ts";
import { requireCustomer } from "./customers.ts";
import { type Handlers, created, json, noContent } from "./types.ts";

type Item = ConversationItem & { id: string; customerId: string };

export function requireConversation(state: FakeState, id: string): Conversation {
  const conversation = state.conversations.get(id);
  if (!conversation) throw notFound("conversation", id, "conversationId");
  return conversation;
}

export function requireItem(state: FakeState, id: string): Item {
  const item = state.items.get(id);
  if (!item) throw notFound("conversation item", id, "itemId");
  return item;
}

/** The customer an item or task names by email or phone: found, or created as Gladly does. */
export function customerFor(state: FakeState, who: { emailAddress?: string; mobilePhone?: string }): string {
  if (!who.emailAddress && !who.mobilePhone) throw invalid("customer", "customer needs an emailAddress or a mobilePhone", "blank");
  const found = state.findCustomer(who.emailAddress ? { email: who.emailAddress } : { phone: who.mobilePhone! })[0];
  if (found) return found.id;
  return state.createCustomer({
    ...(who.emailAddress && { emails: [{ original: who.emailAddress, primary: true }] }),
    ...(who.mobilePhone && { phones: [{ original: who.mobilePhone, regionCode: "US", type: "MOBILE" as const, primary: true }] }),
  }).id;
}

function addItem(state: FakeState, customerId: string, content: Item["content"], id?: string): Item {
  if (id !== undefined && state.items.has(id)) throw taken("id", id);
  const conversation = state.openConversation(customerId);
  const item: Item = {
    id: id ?? state.newId(),
    customerId,
    conversationId: conversation.id!,
    timestamp: state.now(),
    initiator: { id: state.apiUserId, type: "API" },
    content,
  };
  state.items.set(item.id, item);
  return item;
}

const RECORDING = new Uint8Array([0x49, 0x44, 0x33, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xfb, 0x90, 0x64, 0x00, 0x00]);

export const conversationHandlers: Handlers = {
  getConversations({ state, params }) {
    const customer = requireCustomer(state, params.customerId!);
    return json([...state.conversations.values()].filter((c) => c.customerId === customer.id).slice(0, 100));
  },

  getConversation({ state, params }) {
    return json(requireConversation(state, params.conversationId!));
  },

  patchConversation({ state, params, body }) {
    const conversation = requireConversation(state, params.conversationId!);
    const context = { conversationId: conversation.id, customerId: conversation.customerId };
    // Gladly's documented 400: a closed conversation keeps its assignee unless this same update reopens it.
    if (body.assignee && conversation.status === "CLOSED" && body.status?.value !== "OPEN")
      throw new FakeHttpError(400, [{ code: "invalid_state", detail: "closed conversation cannot be reassigned" }]);
    if (body.assignee) {
      if (!state.inboxes.has(body.assignee.inboxId)) throw notFound("inbox", body.assignee.inboxId, "assignee.inboxId");
      if (body.assignee.agentId && !state.agents.has(body.assignee.agentId)) throw notFound("agent", body.assignee.agentId, "assignee.agentId");
      conversation.inboxId = body.assignee.inboxId;
      if (body.assignee.agentId) conversation.agentId = body.assignee.agentId;
      else delete conversation.agentId;
      state.emit("CONVERSATION_ASSIGNEE/UPDATED", { ...context, assignee: body.assignee, context: {} });
    }
    if (body.status && body.status.value !== conversation.status) {
      conversation.status = body.status.value;
      if (body.status.value === "CLOSED") conversation.closedAt = state.now();
      else delete conversation.closedAt;
      state.emit(body.status.value === "CLOSED" ? "CONVERSATION/CLOSED" : "CONVERSATION/REOPENED", { ...context, context: {} });
    }
    return noContent();
  },

  createItem({ state, body }) {
    const item = addItem(state, customerFor(state, body.customer), body.content as Item["content"], body.id);
    return json(item);
  },

  createCustomerItem({ state, params, body }) {
    const customer = requireCustomer(state, params.customerId!);
    return json(addItem(state, customer.id, body.content as Item["content"], body.id));
  },

  getItem({ state, params }) {
    return json(requireItem(state, params.itemId!));
  },

  deleteItem({ state, params }) {
    requireItem(state, params.itemId!);
    state.items.delete(params.itemId!);
    return noContent();
  },

  deleteCustomerItem({ state, params }) {
    const customer = requireCustomer(state, params.customerId!);
    const item = requireItem(state, params.itemId!);
    if (item.customerId !== customer.id) throw notFound("conversation item", item.id, "itemId");
    state.items.delete(item.id);
    return noContent();
  },

  getConversationItems({ state, params, query }) {
    const conversation = requireConversation(state, params.conversationId!);
    const items = [...state.items.values()].filter(
      (i) => i.conversationId === conversation.id && (query.sessionId === undefined || i.sessionId === query.sessionId),
    );
    return json(items.slice(0, 1000));
  },

  getMedia({ state, params }) {
    const item = requireItem(state, params.itemId!);
    const content = item.content as { type: string; recordingStatus?: string };
    if ((content.type !== "PHONE_CALL" && content.type !== "VOICEMAIL") || content.recordingStatus !== "AVAILABLE") {
      throw notFound("recording for conversation item", item.id, "itemId");
    }
    return { status: 200, bytes: RECORDING, contentType: "audio/mpeg" };
  },

  getVoiceTranscript({ state, params }) {
    const item = requireItem(state, params.itemId!);
    if ((item.content as { type: string }).type !== "PHONE_CALL") throw notFound("voice transcript for conversation item", item.id, "itemId");
    return json({
      customerId: item.customerId,
      numberOfSpeakers: 2,
      language: "en-US",
      createdAt: item.timestamp,
      updatedAt: item.timestamp,
      paragraphs: [
        { speaker: 0, startTime: 0.4, endTime: 3.1, transcript: "Thanks for calling, how can I help?" },
        { speaker: 1, startTime: 3.5, endTime: 7.9, transcript: "I would like to change my shipping address." },
      ],
    });
  },

  getAttachment({ state, params, origin }) {
    const item = requireItem(state, params.itemId!);
    const attachments = ((item.content as { attachments?: { id?: string }[] }).attachments ?? []).map((a) => a.id);
    if (!attachments.length) throw new FakeHttpError(400, [{ code: "invalid", detail: "conversation item content does not contain attachments" }]);
    if (!attachments.includes(params.attachmentId) || !state.attachments.has(params.attachmentId!))
      throw notFound("attachment", params.attachmentId!, "attachmentId");
    // Gladly redirects to a short-lived signed URL on its file host.
    return { status: 303, headers: { Location: `${origin}/files/attachments/${encodeURIComponent(params.attachmentId!)}?signature=${state.newId()}` } };
  },

  addTopicToConversation({ state, params, body }) {
    const conversation = requireConversation(state, params.conversationId!);
    for (const topicId of body.topicIds ?? []) if (!state.topics.has(topicId)) throw invalid("topicIds", `topic ${topicId} does not exist`);
    const added = (body.topicIds ?? []).filter((id) => !conversation.topicIds!.includes(id));
    conversation.topicIds!.push(...added);
    for (const topicId of added)
      state.emit("CONVERSATION/TOPIC_ADDED", { customerId: conversation.customerId, conversationId: conversation.id, topicId, context: {} });
    return noContent();
  },

  deleteTopicFromConversation({ state, params }) {
    const conversation = requireConversation(state, params.conversationId!);
    if (!conversation.topicIds!.includes(params.topicId!)) throw notFound("topic on conversation", params.topicId!, "topicId");
    conversation.topicIds = conversation.topicIds!.filter((id) => id !== params.topicId);
    state.emit("CONVERSATION/TOPIC_REMOVED", { customerId: conversation.customerId, conversationId: conversation.id, topicId: params.topicId, context: {} });
    return noContent();
  },

  updateConversationFreeformTopics({ state, params, body }) {
    requireCustomer(state, params.customerId!);
    const conversation = requireConversation(state, params.conversationId!);
    const attributes = [...state.customAttributes.values()];
    const attributeFor = (key: string | undefined) => {
      const attribute = attributes.find((a) => a.key === key && !a.deactivated);
      if (!attribute) throw invalid("key", `freeform topic ${String(key)} does not exist`);
      return attribute;
    };
    // A conversation's custom attributes always carry a value (every example shows one), so none is added without one.
    if ((body.add ?? []).some((a) => a.value === undefined)) throw invalid("add.value", "add.value cannot be blank", "blank");
    const current = conversation.customAttributes ?? [];
    for (const { key, value } of body.add ?? []) {
      const attribute = attributeFor(key);
      if (value === undefined) continue; // refused above
      if (current.some((a) => a.id === attribute.id && a.value === value)) continue;
      current.push({ id: attribute.id, value });
      state.emit("CONVERSATION/CUSTOM_ATTRIBUTE_ADDED", {
        customerId: conversation.customerId,
        conversationId: conversation.id,
        customAttributeId: attribute.id,
        customAttributeKey: key,
        customAttributeValue: value,
      });
    }
    for (const { key, value } of body.remove ?? []) {
      const attribute = attributeFor(key);
      const index = current.findIndex((a) => a.id === attribute.id && a.value === value);
      if (index < 0) continue;
      current.splice(index, 1);
      state.emit("CONVERSATION/CUSTOM_ATTRIBUTE_REMOVED", {
        customerId: conversation.customerId,
        conversationId: conversation.id,
        customAttributeId: attribute.id,
        customAttributeKey: key,
        customAttributeValue: value,
      });
    }
    conversation.customAttributes = current;
    return noContent();
  },

  addNoteToConversation({ state, params, body }) {
    const conversation = requireConversation(state, params.conversationId!);
    const text = body.content.body;
    if (!text) throw invalid("content.body", "content.body cannot be blank", "blank");
    const note: Item = {
      id: state.newId(),
      customerId: conversation.customerId,
      conversationId: conversation.id,
      timestamp: state.now(),
      initiator: { id: state.apiUserId, type: "API" },
      content: { type: "CONVERSATION_NOTE", body: text },
    };
    state.items.set(note.id, note);
    state.emit("CONVERSATION/NOTE_CREATED", { noteId: note.id, customerId: conversation.customerId, conversationId: conversation.id });
    return created(`/api/v1/conversations/${conversation.id}/notes/${note.id}`);
  },

  getNoteFromConversation({ state, params }) {
    const item = state.items.get(params.noteId!);
    if (!item || item.conversationId !== params.conversationId || (item.content as { type: string }).type !== "CONVERSATION_NOTE") {
      throw notFound("note", params.noteId!, "noteId");
    }
    return json(item);
  },

  replyToMessage({ state, params, body }) {
    const item = requireItem(state, params.itemId!);
    const conversation = requireConversation(state, item.conversationId!);
    if (conversation.status === "CLOSED") throw new FakeHttpError(400, [{ code: "invalid", detail: "you cannot reply to items in closed conversations" }]);
    if (item.initiator?.type !== "CUSTOMER") throw new FakeHttpError(400, [{ code: "invalid", detail: "you can only reply to messages from the customer" }]);
    const reply = addItem(state, item.customerId, { ...(body.content as object), type: (body.content as { type: string }).type } as Item["content"]);
    return created(`/api/v1/conversation-items/${reply.id}`);
  },

  redactContent({ state, params }) {
    const item = requireItem(state, params.itemId!);
    const content = item.content as Record<string, unknown>;
    for (const field of ["content", "body", "bodyPlain", "subject", "title"]) if (typeof content[field] === "string") content[field] = "[redacted]";
    return { status: 201 };
  },
};
