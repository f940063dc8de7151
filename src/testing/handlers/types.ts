import type { OperationEntry, OperationId } from "../../../generated/operations.ts";
import type { operations } from "../../../generated/schema.ts";
import type { FakeState } from "../state.ts";

export interface Reply {
  status: number;
  json?: unknown;
  text?: string;
  bytes?: Uint8Array;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface HandlerContext<Body = unknown> {
  state: FakeState;
  op: OperationEntry;
  params: Record<string, string>;
  query: Record<string, unknown>;
  /** Already validated against the spec's request schema. */
  body: Body;
  /** The fake's origin, e.g. http://127.0.0.1:41234 */
  origin: string;
  /** The request's headers (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
}

export type BodyOf<Id extends OperationId> = operations[Id] extends { requestBody?: { content: { "application/json": infer B } } } ? B : undefined;

export type Handler<Id extends OperationId = OperationId> = (ctx: HandlerContext<BodyOf<Id>>) => Reply | Promise<Reply>;

export type Handlers = { [Id in OperationId]?: Handler<Id> };

export const json = (json: unknown, status = 200): Reply => ({ status, json });
export const noContent = (): Reply => ({ status: 204 });
export const created = (location: string, body?: unknown): Reply => ({
  status: 201,
  headers: { Location: location },
  ...(body !== undefined && { json: body }),
});
