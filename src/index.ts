export { createGladlyClient, type GladlyClient } from "./client.ts";
export { type GladlyClientOptions, type GladlyEnvironment, organizationProblem, validateOrganization } from "./config.ts";
export * from "./errors.ts";
export type { CallOptions, GladlyOperations, OperationArgs, OperationData, OperationMethod, RawResult } from "./operations.ts";
export { operations, type OperationEntry, type OperationId, type ResponseKind } from "../generated/operations.ts";
export type { components, operations as OperationTypes, paths } from "../generated/schema.ts";
export type * from "../generated/types.ts";
