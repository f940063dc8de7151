import type { Conversation, ConversationItem, Customer, ExportJob, Task, TaskComment, Topic, Webhook, WebhookEvent } from "../generated/types.ts";
import { GladlyError, GladlyInputError, GladlyNotFoundError } from "./errors.ts";
import type { GladlyOperations } from "./operations.ts";

/** Gladly's documented cap on webhooks per organization. */
export const MAX_WEBHOOKS = 20;

/** `ensureWebhook` found the organization at Gladly's limit of 20 webhooks. */
export class GladlyWebhookLimitError extends GladlyError {
  override name = "GladlyWebhookLimitError";
}

/** The `content` of a webhook event type (`{}` when it has none). */
type ContentOf<E> = E extends { content?: infer C } ? NonNullable<C> : {};
/** Whether `C` has a property `K`. */
type Has<C, K extends string> = K extends keyof C ? true : false;

/** What `hydrate` fetched for an event, by the ids its content carries. */
export type Hydrated<E extends WebhookEvent> = { event: E } & (Has<ContentOf<E>, "customerId"> extends true ? { customer?: Customer } : {}) &
  (Has<ContentOf<E>, "conversationId"> extends true ? { conversation?: Conversation } : {}) &
  (Has<ContentOf<E>, "taskId"> extends true ? { task?: Task } : {}) &
  (Has<ContentOf<E>, "commentId"> extends true ? { comment?: TaskComment } : {}) &
  (Has<ContentOf<E>, "topicId"> extends true ? { topic?: Topic } : {}) &
  (Has<ContentOf<E>, "noteId"> extends true ? { note?: ConversationItem } : {}) &
  (Has<ContentOf<E>, "jobId"> extends true ? { job?: ExportJob } : {});

/** The webhook `webhooks.ensureWebhook` makes sure exists, found by its URL. */
export interface EnsureWebhookOptions {
  /** Where Gladly delivers; identifies the webhook. */
  url: string;
  /** The event types it receives. */
  events: NonNullable<Webhook["events"]>;
  /** A name to tell it apart in Gladly. */
  name?: string;
  /** Basic credentials Gladly sends with each delivery. */
  credentials?: { username: string; password: string };
  /** Headers Gladly sends with each delivery (e.g. a shared token). */
  headers?: Record<string, string>;
}

const E164 = /^\+[1-9]\d{6,14}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The helpers the client adds: `hydrate`, `webhooks.ensureWebhook` / `reactivateWebhook`, `userIdentity.createToken`. */
export function createWebhookClientHelpers(groups: GladlyOperations, baseUrl: string) {
  /** Reads something, or undefined when Gladly no longer has it (deleted since the event). */
  const maybe = <T>(read: () => Promise<T>) => read().catch((error: unknown) => (error instanceof GladlyNotFoundError ? undefined : Promise.reject(error)));

  /**
   * Webhook payloads carry ids only: this fetches what they refer to (customer, conversation,
   * task, comment, topic, note, export job), in parallel, each read once.
   */
  async function hydrate<E extends WebhookEvent>(event: E): Promise<Hydrated<E>> {
    const content = ((event as { content?: Record<string, unknown> }).content ?? {}) as Record<string, unknown>;
    const id = (key: string) => (typeof content[key] === "string" ? (content[key] as string) : undefined);
    const customerId = id("customerId");
    const conversationId = id("conversationId");
    const taskId = id("taskId");
    const commentId = id("commentId");
    const topicId = id("topicId");
    const noteId = id("noteId");
    const jobId = id("jobId");
    const reads: Record<string, Promise<unknown> | undefined> = {
      customer: customerId ? maybe(() => groups.customers.getCustomer({ customerId })) : undefined,
      conversation: conversationId ? maybe(() => groups.conversations.getConversation({ conversationId })) : undefined,
      task: taskId ? maybe(() => groups.tasks.getTask({ taskId })) : undefined,
      comment: taskId && commentId ? maybe(() => groups.tasks.getTaskComment({ taskId, commentId })) : undefined,
      topic: topicId ? maybe(() => groups.topics.getTopic({ topicId })) : undefined,
      note: conversationId && noteId ? maybe(() => groups.conversations.getNoteFromConversation({ conversationId, noteId })) : undefined,
      job: jobId ? maybe(() => groups.export.getJob({ jobId })) : undefined,
    };
    const result: Record<string, unknown> = { event };
    await Promise.all(
      Object.entries(reads).map(async ([key, read]) => {
        if (read) result[key] = await read;
      }),
    );
    return result as Hydrated<E>;
  }

  /**
   * Makes sure a webhook for `url` exists with these settings: creates it, or updates the one
   * there (re-enabling it if Gladly deactivated it after failed deliveries). Idempotent.
   */
  async function ensureWebhook(options: EnsureWebhookOptions): Promise<{ webhookId: string; created: boolean }> {
    if (!options.url) throw new GladlyInputError("url", "is required");
    const all = await groups.webhooks.getWebhooks();
    const existing = all.find((w) => w.url === options.url);
    const settings = {
      url: options.url,
      events: options.events,
      enabled: true,
      ...(options.name && { name: options.name }),
      ...(options.credentials && { credentials: options.credentials }),
      ...(options.headers && { headers: options.headers }),
    };
    if (existing?.id) {
      await groups.webhooks.updateWebhook({ webhookId: existing.id, body: settings });
      return { webhookId: existing.id, created: false };
    }
    if (all.length >= MAX_WEBHOOKS) {
      throw new GladlyWebhookLimitError(
        `the organization already has ${all.length} webhooks, Gladly's limit is ${MAX_WEBHOOKS}: delete one or reuse one (${all.map((w) => w.url).join(", ")})`,
        { method: "POST", url: `${baseUrl}/webhooks` },
      );
    }
    const { response } = await groups.webhooks.createWebhook({ body: settings }, { raw: true });
    const location = response.headers.get("location") ?? "";
    const created = location.split("/").pop() || (await groups.webhooks.getWebhooks()).find((w) => w.url === options.url)?.id;
    if (!created) throw new GladlyError("the webhook was created but Gladly did not say its id", { method: "POST", url: response.url });
    return { webhookId: decodeURIComponent(created), created: true };
  }

  /** Turns a webhook back on after Gladly deactivated it (4 failed retries over an hour). */
  async function reactivateWebhook(webhookId: string): Promise<void> {
    await groups.webhooks.updateWebhook({ webhookId, body: { enabled: true } });
  }

  /**
   * A JWT for Gladly Chat's authenticated sessions, for a customer identified by email or by an
   * E.164 phone number (`+14155550100`). Give it to the Chat SDK as the user's identity.
   */
  async function createToken(who: { email: string } | { phone: string }): Promise<string> {
    const body =
      "email" in who
        ? EMAIL.test(who.email)
          ? { identityType: "EMAIL" as const, identity: who.email }
          : undefined
        : E164.test(who.phone)
          ? { identityType: "MOBILE_PHONE_NUMBER" as const, identity: who.phone }
          : undefined;
    if (!body)
      throw new GladlyInputError(
        "email" in who ? "email" : "phone",
        "email" in who
          ? `${JSON.stringify(who.email)} is not an email address`
          : `${JSON.stringify(who.phone)} is not an E.164 phone number (like +14155550100)`,
      );
    const { token } = await groups.userIdentity.createUserIdentityJWT({ body });
    if (!token) throw new GladlyError("Gladly answered without a token", { method: "POST", url: `${baseUrl}/user-identity-jwt` });
    return token;
  }

  return { hydrate, webhooks: { ensureWebhook, reactivateWebhook }, userIdentity: { createToken } };
}
