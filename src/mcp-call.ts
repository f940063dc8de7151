/**
 * One MCP tool call: arguments in, Gladly called through the client, the answer shaped for an
 * agent (structured content, resources with a MIME type, audio, pages on record boundaries).
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { parse as parseCsv } from "csv-parse/sync";
import type { OperationEntry } from "../generated/operations.ts";
import type { GladlyClient } from "./client.ts";
import { GladlyError, GladlyInputError, formatErrorDetail, pathOf } from "./errors.ts";
import { isPaged, operationById } from "./mcp-catalog.ts";
import { type Page, pageNote, pageOf } from "./mcp-paging.ts";
import { OFFSET_ARGUMENT } from "./mcp-schema.ts";
import { isPlainObject } from "./plain-object.ts";

type RawMethod = (args: object, options: { raw: true }) => Promise<{ data: unknown; response: Response; truncated?: boolean }>;

export interface CallSettings {
  maxResponseChars: number;
}

export function toolError(text: string): CallToolResult {
  return { isError: true, content: [{ type: "text", text }] };
}

/** 22 URL-safe characters, the shape of Gladly's ids (and of the ids the client itself picks). */
function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Buffer.from(bytes).toString("base64url");
}

/** Each of Gladly's `errors[]` once, under the request line. */
export function describeFailure(error: GladlyError): string {
  if (error.errors.length === 0) return error.message;
  const head = `${error.method} ${pathOf(error.url)} → ${error.status ?? "no status"}`;
  return `${head}:\n${error.errors.map((e) => `- ${formatErrorDetail(e)}`).join("\n")}`;
}

function bytesResult(op: OperationEntry, bytes: ArrayBuffer, response: Response, args: Record<string, unknown>): CallToolResult {
  const mimeType = (response.headers.get("content-type") ?? op.responseContentType ?? "application/octet-stream").split(";")[0]!.trim();
  const data = Buffer.from(bytes).toString("base64");
  const note = { type: "text" as const, text: `${op.operationId}: ${bytes.byteLength} bytes of ${mimeType}.` };
  if (mimeType.startsWith("audio/")) return { content: [note, { type: "audio", data, mimeType }] };
  if (mimeType.startsWith("image/")) return { content: [note, { type: "image", data, mimeType }] };
  const uri = `gladly://${op.group}/${op.operationId}/${op.pathParams.map((p) => encodeURIComponent(String(args[p]))).join("/")}`;
  return { content: [note, { type: "resource", resource: { uri, mimeType, blob: data } }] };
}

/** A CSV's records as they are written (a quoted field may span lines); undefined if it does not parse. */
function csvRecords(text: string): string[] | undefined {
  try {
    return (parseCsv(text, { raw: true, relax_column_count: true }) as unknown as { raw: string }[]).map((r) => r.raw);
  } catch {
    return undefined; // cut between lines instead: still whole lines, never a broken answer
  }
}

/** CSV rows (the header repeated on every page) or JSON Lines, cut on record boundaries. */
function textResult(op: OperationEntry, text: string, offset: number, settings: CallSettings, args: Record<string, unknown>): CallToolResult {
  const mimeType = op.responseContentType ?? "text/plain";
  const csv = mimeType === "text/csv";
  const raw =
    (csv && csvRecords(text)) ||
    text
      .split("\n")
      .filter(Boolean)
      .map((line) => `${line}\n`);
  const header = csv ? (raw.shift() ?? "") : "";
  const page = pageOf(raw, offset, settings.maxResponseChars - header.length, (r) => r.length);
  const unit = csv ? "rows" : "lines";
  const body = header + page.records.join("");
  const summary = `${op.operationId}: ${page.total} ${unit}${csv ? " (after the header)" : ""}.`;
  const note = pageNote(page, unit, op.operationId);
  const head = { type: "text" as const, text: [summary, note].filter(Boolean).join(" ") };
  // Reports and export files are documents: a resource with their MIME type. Events are read as text.
  if (csv || op.operationId === "getFile") {
    const where =
      op.operationId === "getFile"
        ? `export/jobs/${encodeURIComponent(String(args.jobId))}/files/${encodeURIComponent(String(args.filename))}`
        : `reports/${op.operationId}`;
    return { content: [head, { type: "resource", resource: { uri: `gladly://${where}?offset=${page.offset}`, mimeType, text: body } }] };
  }
  return { content: [head, { type: "text", text: body }] };
}

function listResult(op: OperationEntry, list: unknown[], offset: number, settings: CallSettings, capped: boolean | undefined): CallToolResult {
  const page: Page<unknown> = pageOf(list, offset, settings.maxResponseChars, (item) => JSON.stringify(item, null, 2).length + 4);
  const note = pageNote(page, "records", op.operationId);
  const cap = capped ? "[Gladly caps this list; it came back full, so Gladly may hold more than it returned]" : "";
  const text = [JSON.stringify(page.records, null, 2), note, cap].filter(Boolean).join("\n\n");
  const structured = { items: page.records, total: page.total, offset: page.offset, ...(page.nextOffset !== undefined && { nextOffset: page.nextOffset }) };
  return { content: [{ type: "text", text }], structuredContent: structured };
}

function createdNote(op: OperationEntry, id: string): string {
  const reader = operationById(op.createdResource!.operationId)!;
  return `${op.operationId}: created ${op.createdResource!.param} ${id}. Read it back with ${reader.operationId} ({ "${op.createdResource!.param}": "${id}" }).`;
}

/** Calls `op` with an agent's arguments; Gladly's and the client's refusals come back as tool errors. */
export async function callOperation(client: GladlyClient, op: OperationEntry, given: Record<string, unknown>, settings: CallSettings): Promise<CallToolResult> {
  const args = { ...given };
  let offset = 0;
  if (isPaged(op) && OFFSET_ARGUMENT in args) {
    offset = args[OFFSET_ARGUMENT] as number;
    delete args[OFFSET_ARGUMENT];
    if (!Number.isInteger(offset) || offset < 0)
      return toolError(`${OFFSET_ARGUMENT}: must be a whole number ≥ 0 (the offset a cut answer gave), not ${JSON.stringify(offset)}`);
  }
  // The client would pick the id of a create itself; picking it here lets the answer name it.
  let createdId: string | undefined;
  if (op.createdResource && isPlainObject(args.body)) {
    const body = args.body.id === undefined ? { ...args.body, id: newId() } : args.body;
    args.body = body;
    if (typeof body.id === "string") createdId = body.id;
  }
  const method = (client as unknown as Record<string, Record<string, RawMethod>>)[op.group]![op.operationId]!;
  let result: Awaited<ReturnType<RawMethod>>;
  try {
    result = await method(args, { raw: true });
  } catch (error) {
    if (error instanceof GladlyError) return toolError(describeFailure(error));
    if (error instanceof GladlyInputError) return toolError(error.message);
    throw error;
  }
  const { data, response, truncated } = result;
  if (op.responseKind === "none") {
    // A 201 resolves to the created id (the one sent, or Location's); anything else to nothing.
    const id = createdId ?? (typeof data === "string" ? data : undefined);
    if (id && op.createdResource) return { content: [{ type: "text", text: createdNote(op, id) }], structuredContent: { id } };
    if (id) return { content: [{ type: "text", text: `${op.operationId}: created ${id}.` }], structuredContent: { id } };
    return { content: [{ type: "text", text: `${op.operationId}: done (no content).` }] };
  }
  if (data instanceof ArrayBuffer) return bytesResult(op, data, response, args);
  if (typeof data === "string") return textResult(op, data, offset, settings, args);
  if (Array.isArray(data)) return listResult(op, data, offset, settings, truncated);
  const text = JSON.stringify(data, null, 2);
  const content: CallToolResult["content"] = [{ type: "text", text: createdId ? `${createdNote(op, createdId)}\n\n${text}` : text }];
  return isPlainObject(data) ? { content, structuredContent: data } : { content };
}
