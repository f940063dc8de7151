/**
 * Which operations an MCP server offers and how each is described to an agent: its permission
 * level, hints, prose, and input/output schemas.
 */
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { type OperationEntry, operations } from "../generated/operations.ts";
import { GladlyInputError } from "./errors.ts";
import { OFFSET_ARGUMENT, allowsType, inputSchemaOf, operationSpec, responseSchemaOf } from "./mcp-schema.ts";
import { isIdempotent } from "./operations.ts";

/**
 * Permission levels, each opted into separately: reads always; `write` creates and updates;
 * `message` reaches customers (SMS, email, replies, campaigns), which no undo can take back;
 * `destructive` deletes or redacts.
 */
export type Kind = "read" | "write" | "message" | "destructive";

/** POSTs that only read: Gladly takes their filters as a body. */
const READING_POSTS = new Set(["generateReport", "generateWorkSessionReport"]);
const MESSAGING = new Set(["sendSMS", "sendEmail", "replyToMessage", "createRecipientCollection"]);

export function kindOf(op: OperationEntry): Kind {
  if (op.method === "GET" || READING_POSTS.has(op.operationId)) return "read";
  if (op.method === "DELETE" || op.operationId === "redactContent") return "destructive";
  if (MESSAGING.has(op.operationId)) return "message";
  return "write";
}

export interface Permissions {
  allowWrites?: boolean | undefined;
  allowMessaging?: boolean | undefined;
  allowDestructive?: boolean | undefined;
}

export function isAllowed(kind: Kind, p: Permissions): boolean {
  if (kind === "read") return true;
  if (kind === "write") return Boolean(p.allowWrites || p.allowMessaging || p.allowDestructive);
  if (kind === "message") return Boolean(p.allowMessaging);
  return Boolean(p.allowDestructive);
}

const FLAG: Record<Exclude<Kind, "read">, string> = {
  write: "--allow-writes (allowWrites)",
  message: "--allow-messaging (allowMessaging)",
  destructive: "--allow-destructive (allowDestructive)",
};
const WHAT: Record<Exclude<Kind, "read">, string> = { write: "changes data", message: "sends a message to customers", destructive: "deletes or redacts data" };

export const allOperations = Object.values(operations) as OperationEntry[];
export const operationById = (name: string): OperationEntry | undefined =>
  Object.hasOwn(operations, name) ? (operations as Record<string, OperationEntry>)[name] : undefined;

/** Why a known operation is not offered, and what would offer it. */
export function refusal(op: OperationEntry, p: Permissions): string {
  const kind = kindOf(op);
  if (kind === "read" || isAllowed(kind, p)) return `${op.operationId} is not offered by this server (its group ${op.group} is not in --tags).`;
  return `${op.operationId} ${WHAT[kind]}; this server does not allow that. Start it with ${FLAG[kind]} to offer it.`;
}

export function selectOperations(p: Permissions, tags: string[] | undefined): OperationEntry[] {
  const groups = tags?.map((t) => t.trim()).filter(Boolean);
  const known = new Set(allOperations.map((op) => op.group));
  for (const group of groups ?? [])
    if (!known.has(group)) throw new GladlyInputError("tags", `${group} is not a group; groups are ${[...known].sort().join(", ")}`);
  return allOperations.filter((op) => (!groups || groups.includes(op.group)) && isAllowed(kindOf(op), p));
}

/** Answers cut into pages take an `offset`: lists, CSV, JSON Lines. */
export function isPaged(op: OperationEntry): boolean {
  return OFFSET_ARGUMENT in (toolOf(op).inputSchema.properties ?? {});
}

export function describeOperation(op: OperationEntry): string {
  const { operation } = operationSpec(op);
  const prose = typeof operation.description === "string" ? operation.description.replace(/\s+/g, " ").trim() : "";
  const summary = op.summary || op.operationId;
  const detail = prose && prose !== summary ? ` ${prose.length > 400 ? `${prose.slice(0, 400)}…` : prose}` : "";
  const created = op.createdResource ? ` Creates with a new id each call unless body.id is given; the answer names the id.` : "";
  return `${summary}. (${op.method} ${op.path})${detail}${created}`;
}

/**
 * What the structured result looks like: the answer itself for an object, `{ items, … }` for a
 * list (structured results are objects), `{ id }` for a create that answers nothing.
 */
export function outputSchemaOf(op: OperationEntry): Tool["outputSchema"] | undefined {
  const response = responseSchemaOf(op);
  if (allowsType(response, "array")) {
    return {
      type: "object",
      properties: {
        items: { ...response, type: "array" },
        total: { type: "integer", description: "records in Gladly's answer" },
        offset: { type: "integer", description: "index of the first record shown" },
        nextOffset: { type: "integer", description: "pass as offset to see the rest; absent when all was shown" },
      },
      required: ["items", "total", "offset"],
    };
  }
  if (response) return { ...response, type: "object" } as Tool["outputSchema"];
  if (op.createdResource && op.responseKind === "none")
    return { type: "object", properties: { id: { type: "string", description: `the new resource's id (${op.createdResource.param})` } } };
  return undefined;
}

/** Tools depend only on the spec; the HTTP server makes a server per request, so each is built once. */
const tools = new Map<string, Tool>();

export function toolOf(op: OperationEntry): Tool {
  const known = tools.get(op.operationId);
  if (known) return known;
  const kind = kindOf(op);
  const output = outputSchemaOf(op);
  const paged = op.responseKind === "text" || allowsType(responseSchemaOf(op), "array");
  const tool: Tool = {
    name: op.operationId,
    title: op.summary || op.operationId,
    description: describeOperation(op),
    inputSchema: inputSchemaOf(op, paged),
    ...(output && { outputSchema: output }),
    annotations: {
      readOnlyHint: kind === "read",
      destructiveHint: kind === "destructive",
      // A create makes a new record per call unless the caller picks the id.
      idempotentHint: isIdempotent(op) && op.createdResource === null,
      openWorldHint: true,
    },
  };
  tools.set(op.operationId, tool);
  return tool;
}
