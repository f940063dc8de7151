import createClient, { type Client } from "openapi-fetch";
import type { OperationEntry } from "../generated/operations.ts";
import type { paths } from "../generated/schema.ts";
import { type GladlyClientOptions, resolveConfig } from "./config.ts";
import { type GladlyOperations, createOperationGroups } from "./operations.ts";
import type { LimiterCounts } from "./rate-limit.ts";
import { pathSerializer } from "./transport.ts";
import { createTransport } from "./transport-chain.ts";
import { createEventHelpers } from "./streams/events.ts";
import { createExportHelpers } from "./streams/export.ts";
import { createMediaHelpers } from "./streams/media.ts";
import { createReportHelpers } from "./streams/reports.ts";
import { createWebhookClientHelpers } from "./webhook-client.ts";

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
    /** The organization's shared limiter: `counts()` gives queue depth and budget in use. */
    readonly rateLimit: { counts(): LimiterCounts; disconnect(): Promise<void> };
  };

export function createGladlyClient(options?: GladlyClientOptions): GladlyClient {
  const config = resolveConfig(options);
  const transport = createTransport(config);
  const client = createClient<paths>({
    baseUrl: config.baseUrl,
    fetch: transport.fetch,
    headers: config.headers,
    redirect: "manual",
    pathSerializer,
  });
  const headersFor = (op: OperationEntry, extra?: Record<string, string>) => {
    const headers: Record<string, string> = { ...config.headers };
    if (op.auth) headers.authorization = config.authorization;
    if (op.responseContentType) headers.accept = op.responseContentType;
    if (extra) for (const [name, value] of Object.entries(extra)) headers[name.toLowerCase()] = value;
    return headers;
  };
  const context = { baseUrl: config.baseUrl, followMergedCustomers: config.followMergedCustomers, transport, headersFor, onTruncated: config.hooks.onTruncated };
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
    rateLimit: { counts: transport.counts, disconnect: transport.disconnect },
    hydrate: webhookHelpers.hydrate,
    toString: describe,
    toJSON: () => ({ baseUrl: config.baseUrl }),
    [Symbol.for("nodejs.util.inspect.custom")]: describe,
  }) as unknown as GladlyClient;
}
