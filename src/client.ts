import createClient, { type Client } from "openapi-fetch";
import type { paths } from "../generated/schema.ts";
import { type GladlyClientOptions, resolveConfig } from "./config.ts";
import { organizationLimiter } from "./limiter/organization.ts";
import type { GladlyLimiter, LimiterCounts } from "./limiter/types.ts";
import { createOpenapiFetchAdapter } from "./openapi-fetch-adapter.ts";
import { type GladlyOperations, createOperationGroups } from "./operations.ts";
import { pathSerializer } from "./path-params.ts";
import { createPipeline } from "./pipeline/index.ts";
import { createEventHelpers } from "./streams/events.ts";
import { createExportHelpers } from "./streams/export.ts";
import { createMediaHelpers } from "./streams/media.ts";
import { createReportHelpers } from "./streams/reports.ts";
import { createWebhookClientHelpers } from "./webhook-client.ts";

/** What the client adds to the webhook and user-identity groups, and `hydrate`. */
type WebhookHelpers = ReturnType<typeof createWebhookClientHelpers>;

/**
 * The Gladly client: the typed openapi-fetch methods (`GET`, `POST`, … on spec paths) and every
 * operation grouped by tag (`customers.getCustomer`, `conversations.createItem`, …).
 */
export type GladlyClient = Client<paths> &
  Omit<GladlyOperations, "events" | "export" | "reports" | "conversations" | "webhooks" | "userIdentity"> & {
    /** The webhook operations, plus `ensureWebhook` (create or update by URL) and `reactivateWebhook`. */
    readonly webhooks: GladlyOperations["webhooks"] & WebhookHelpers["webhooks"];
    /** createUserIdentityJWT, plus `createToken({ email } | { phone })` with the input checked. */
    readonly userIdentity: GladlyOperations["userIdentity"] & WebhookHelpers["userIdentity"];
    /** Fetches what a webhook event refers to (customer, conversation, task, …). */
    hydrate: WebhookHelpers["hydrate"];
    /** getEvents, plus `iterate` (a time range, streamed) and `tail` (live, resumable). */
    readonly events: GladlyOperations["events"] & ReturnType<typeof createEventHelpers>;
    /** The export operations, plus `readFile`, `jobsBetween`, `waitForJob` and `downloadJob`. */
    readonly export: GladlyOperations["export"] & ReturnType<typeof createExportHelpers>;
    /** generateReport / generateWorkSessionReport, plus `open` and `openWorkSessionEvents` (streamed CSV and rows). */
    readonly reports: GladlyOperations["reports"] & ReturnType<typeof createReportHelpers>;
    /** The conversation operations, plus `openRecording`, `saveRecording` and `attachmentLocation`. */
    readonly conversations: GladlyOperations["conversations"] & ReturnType<typeof createMediaHelpers>;
    /** The API base every path is relative to, e.g. https://acme.gladly.com/api/v1. */
    readonly baseUrl: string;
    /** The organization's shared limiter: `counts()` gives queue depth, budget in use and Redis status. */
    readonly rateLimit: {
      /** Queue depth, requests in the current window and, with Redis, whether it is reachable. */
      counts(): LimiterCounts;
      /** Closes the limiter's Redis connection (a no-op without Redis), so the process can exit. */
      disconnect(): Promise<void>;
    };
  };

/**
 * Creates a client for one organization. Options not given are read from the GLADLY_* environment
 * variables (see {@link GladlyClientOptions}); nothing is sent to Gladly until the first call.
 *
 * @throws {@link GladlyInputError} naming the option that is missing or malformed (organization,
 * base URL, credentials, `rateLimit` settings), or when run in a browser without `dangerouslyAllowBrowser`.
 */
export function createGladlyClient(options?: GladlyClientOptions): GladlyClient {
  const config = resolveConfig(options);
  const limiter: GladlyLimiter | undefined =
    config.rateLimit === false
      ? undefined
      : organizationLimiter(new URL(config.baseUrl).origin, {
          ...config.rateLimit,
          requestTimeoutMs: config.timeout,
          onStatus: ({ redis, reason }) => config.hooks.onLimiter?.({ redis, reason }),
        });
  const send = createPipeline(config, limiter);
  const adapter = createOpenapiFetchAdapter(send, config.baseUrl);
  const client = createClient<paths>({ baseUrl: config.baseUrl, fetch: adapter.fetch, headers: config.headers, redirect: "manual", pathSerializer });
  client.use(adapter.middleware);
  const context = {
    baseUrl: config.baseUrl,
    followMergedCustomers: config.followMergedCustomers,
    send,
    headers: config.headers,
    onTruncated: config.hooks.onTruncated,
  };
  const groups = createOperationGroups(context);
  Object.assign(groups.events, createEventHelpers(context));
  Object.assign(groups.export, createExportHelpers(context, groups.export));
  Object.assign(groups.reports, createReportHelpers(context));
  Object.assign(groups.conversations, createMediaHelpers(context));
  const webhookHelpers = createWebhookClientHelpers(groups, config.baseUrl);
  Object.assign(groups.webhooks, webhookHelpers.webhooks);
  Object.assign(groups.userIdentity, webhookHelpers.userIdentity);
  const describe = () => `GladlyClient <${config.baseUrl}>`;
  // Credentials live only in closures; these keep printing and serializing the client harmless.
  return Object.assign(Object.create(null) as object, client, groups, {
    baseUrl: config.baseUrl,
    rateLimit: {
      counts: () => limiter?.counts?.() ?? { queued: 0, inWindow: 0 },
      disconnect: async () => {
        await limiter?.disconnect?.();
      },
    },
    hydrate: webhookHelpers.hydrate,
    toString: describe,
    toJSON: () => ({ baseUrl: config.baseUrl }),
    [Symbol.for("nodejs.util.inspect.custom")]: describe,
  }) as unknown as GladlyClient;
}
