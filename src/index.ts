/**
 * `gladly-api`: the typed client for Gladly's REST API ({@link createGladlyClient}), its options,
 * errors and limiter, and the spec's types by name.
 *
 * @module gladly-api
 */
export { createGladlyClient, type GladlyClient } from "./client.ts";
export { type GladlyClientOptions, type GladlyEnvironment, organizationProblem, validateOrganization } from "./config.ts";
export * from "./errors.ts";
export type { CallOptions, GladlyOperations, OperationArgs, OperationData, OperationMethod, RawResult } from "./operations.ts";
export { operations, type OperationEntry, type OperationId, type ResponseKind } from "../generated/operations.ts";
export type { components, operations as OperationTypes, paths } from "../generated/schema.ts";
export type * from "../generated/types.ts";
export type { GladlyLimiter, LimitObservation, LimitRequest, LimiterCounts, RateLimitOptions, RedisOption, Release } from "./limiter/types.ts";
export type { RetryOptions } from "./pipeline/retry.ts";
export type { Hooks, RequestInfo } from "./hooks.ts";
export type { Priority } from "./pipeline/request.ts";
export {
  EVENT_ENTITIES,
  EVENT_LAG_MS,
  type EventEntity,
  type EventOf,
  type EventTail,
  type GladlyEvent,
  type IterateEventsOptions,
  type TailEventsOptions,
} from "./streams/events.ts";
export type { DownloadProgress, ExportedCustomer, ExportRecords } from "./streams/export.ts";
export { DEFAULT_MAX_LINE_BYTES, GladlyStreamError } from "./streams/lines.ts";
export type { ReportStream } from "./streams/reports.ts";
export { GladlyWebhookLimitError, type EnsureWebhookOptions, type Hydrated, MAX_WEBHOOKS } from "./webhook-client.ts";
