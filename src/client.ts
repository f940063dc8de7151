import createClient, { type Client } from "openapi-fetch";
import type { OperationEntry } from "../generated/operations.ts";
import type { paths } from "../generated/schema.ts";
import { type GladlyClientOptions, resolveConfig } from "./config.ts";
import { type GladlyOperations, createOperationGroups } from "./operations.ts";
import type { LimiterCounts } from "./rate-limit.ts";
import { pathSerializer } from "./transport.ts";
import { createTransport } from "./transport-chain.ts";

/**
 * The Gladly client: the typed openapi-fetch methods (`GET`, `POST`, … on spec paths) and every
 * operation grouped by tag (`customers.getCustomer`, `conversations.createItem`, …).
 */
export type GladlyClient = Client<paths> &
  GladlyOperations & {
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
  const authHeaders = { Authorization: config.authorization };
  const headersFor = (op: OperationEntry, extra?: Record<string, string>) => {
    const accept = op.responseContentType ? { Accept: op.responseContentType } : undefined;
    return { ...(op.auth && authHeaders), ...accept, ...extra };
  };
  const groups = createOperationGroups({ client, baseUrl: config.baseUrl, followMergedCustomers: config.followMergedCustomers, transport, headersFor });
  const describe = () => `GladlyClient <${config.baseUrl}>`;
  // Credentials live only in closures; these keep printing and serializing the client harmless.
  return Object.assign(Object.create(null) as object, client, groups, {
    baseUrl: config.baseUrl,
    rateLimit: { counts: transport.counts, disconnect: transport.disconnect },
    toString: describe,
    toJSON: () => ({ baseUrl: config.baseUrl }),
    [Symbol.for("nodejs.util.inspect.custom")]: describe,
  }) as GladlyClient;
}
