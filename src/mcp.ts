/**
 * `gladly-api/mcp`: every Gladly operation as a Model Context Protocol tool, generated from the
 * manifest and the repaired spec, called through the same client (limits, retries, typed errors).
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, type CallToolResult, ListToolsRequestSchema, type Tool } from "@modelcontextprotocol/sdk/types.js";
import { type OperationEntry, operations } from "../generated/operations.ts";
import type { GladlyClient } from "./client.ts";
import { VERSION } from "./config.ts";
import { GladlyError, GladlyInputError, formatErrorDetail } from "./errors.ts";
import { isIdempotent } from "./operations.ts";
import { spec } from "./spec.ts";

export interface GladlyMcpOptions {
  /** Offer operations that create or change things (default: read-only). */
  allowWrites?: boolean;
  /** Also offer deletions and redaction (implies writes). */
  allowDestructive?: boolean;
  /** Only these groups (`customers`, `conversations`, …). */
  tags?: string[];
  /** Longest text a tool returns before it is cut, with a note on narrowing (default 20 000). */
  maxResponseChars?: number;
}

type Kind = "read" | "write" | "destructive";

function kindOf(op: OperationEntry): Kind {
  if (op.method === "GET") return "read";
  if (op.method === "DELETE" || op.operationId === "redactContent") return "destructive";
  return "write";
}

type Schema = Record<string, unknown>;
const schemas = spec.components.schemas as Record<string, Schema>;

/** OpenAPI 3.0 schema → plain JSON Schema: references inlined, examples dropped, nullable as a type. */
function toJsonSchema(node: unknown, seen: string[] = []): unknown {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n, seen));
  if (typeof node !== "object" || node === null) return node;
  const source = node as Schema;
  if (typeof source.$ref === "string") {
    const name = source.$ref.split("/").pop()!;
    // A schema that contains itself is described once; deeper it is just an object.
    if (seen.includes(name)) return { type: "object" };
    return toJsonSchema(schemas[name], [...seen, name]);
  }
  const out: Schema = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === "example" || key === "examples" || key === "nullable" || key === "xml" || key === "externalDocs" || key === "discriminator") continue;
    out[key] = key === "properties" && typeof value === "object" && value !== null ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonSchema(v, seen)])) : toJsonSchema(value, seen);
  }
  if (source.nullable === true && typeof out.type === "string") out.type = [out.type, "null"];
  // Gladly writes formats in prose ("ISO 8601", "RFC3339"); strict validators reject those, so they move to the description.
  if (typeof out.format === "string" && !STANDARD_FORMATS.has(out.format)) {
    out.description = [out.description, `Format: ${out.format}.`].filter(Boolean).join(" ");
    delete out.format;
  }
  return out;
}

const STANDARD_FORMATS = new Set(["date-time", "date", "time", "duration", "email", "idn-email", "hostname", "idn-hostname", "ipv4", "ipv6", "uri", "uri-reference", "iri", "iri-reference", "uuid", "uri-template", "json-pointer", "relative-json-pointer", "regex", "int32", "int64", "float", "double", "byte", "binary", "password"]);

function operationSpec(op: OperationEntry): { item: Schema; operation: Schema } {
  const item = spec.paths[op.path] as Schema;
  return { item, operation: item[op.method.toLowerCase()] as Schema };
}

function inputSchema(op: OperationEntry): Tool["inputSchema"] {
  const { item, operation } = operationSpec(op);
  const parameters = [...((item.parameters as Schema[] | undefined) ?? []), ...((operation.parameters as Schema[] | undefined) ?? [])];
  const properties: Record<string, object> = {};
  const required: string[] = [];
  for (const parameter of parameters) {
    if (parameter.in !== "path" && parameter.in !== "query") continue;
    const name = parameter.name as string;
    properties[name] = { ...(toJsonSchema(parameter.schema) as Schema), ...(typeof parameter.description === "string" && { description: parameter.description.trim().slice(0, 500) }) };
    if (parameter.in === "path" || parameter.required === true) required.push(name);
  }
  const body = (operation.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined)?.content?.[op.requestContentType ?? ""]?.schema;
  if (body !== undefined) {
    properties.body = toJsonSchema(body) as object;
    if (op.bodyRequired) required.push("body");
  }
  return { type: "object", properties, ...(required.length && { required }) };
}

function describe(op: OperationEntry): string {
  const { operation } = operationSpec(op);
  const prose = typeof operation.description === "string" ? operation.description.replace(/\s+/g, " ").trim() : "";
  const summary = op.summary || op.operationId;
  const detail = prose && prose !== summary ? ` ${prose.length > 400 ? `${prose.slice(0, 400)}…` : prose}` : "";
  return `${summary}. (${op.method} ${op.path})${detail}`;
}

/** How to ask for less, per kind of large answer. */
function narrowingHint(op: OperationEntry): string {
  if (op.operationId === "getEvents") return "ask for fewer entities or a shorter startAt/endAt window";
  if (op.operationId === "getFile") return "export files are large: use gladly.export.readFile in code instead";
  if (op.group === "reports") return "use a shorter date range or fewer filters";
  return "use a more specific operation or filter (e.g. an id, a status, a search term)";
}

function truncate(text: string, max: number, op: OperationEntry): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n\n[truncated: ${text.length - max} more characters of ${text.length}; ${narrowingHint(op)}]`;
}

function render(op: OperationEntry, data: unknown, max: number, truncated: boolean | undefined): string {
  if (data === undefined) return `${op.operationId}: done (no content).`;
  if (data instanceof ArrayBuffer) return `${op.operationId} returned ${data.byteLength} bytes of ${op.responseContentType ?? "binary data"}, not shown here.`;
  if (typeof data === "string") {
    const lines = data.split("\n").filter(Boolean).length;
    const kind = op.responseContentType === "text/csv" ? "CSV rows (with the header)" : "lines";
    return truncate(`${lines} ${kind}:\n${data}`, max, op);
  }
  const note = truncated ? "\n\n[Gladly caps this list; it came back full, so there may be more than shown]" : "";
  return truncate(JSON.stringify(data, null, 2), max, op) + note;
}

/**
 * An MCP server offering Gladly's operations as tools. Read-only unless `allowWrites` (and
 * `allowDestructive` for deletions and redaction); limited to `tags` when given.
 */
export function createGladlyMcpServer(client: GladlyClient, options: GladlyMcpOptions = {}): Server {
  const max = options.maxResponseChars ?? 20_000;
  const allowed = (kind: Kind) => kind === "read" || (kind === "write" && (options.allowWrites || options.allowDestructive)) || (kind === "destructive" && options.allowDestructive);
  const groups = options.tags?.map((t) => t.trim()).filter(Boolean);
  const known = new Set((Object.values(operations) as OperationEntry[]).map((op) => op.group));
  for (const group of groups ?? []) if (!known.has(group)) throw new GladlyInputError("tags", `${group} is not a group; groups are ${[...known].sort().join(", ")}`);
  const offered = (Object.values(operations) as OperationEntry[]).filter((op) => (!groups || groups.includes(op.group)) && allowed(kindOf(op)));
  const byName = new Map(offered.map((op) => [op.operationId, op]));
  const tools: Tool[] = offered.map((op) => ({
    name: op.operationId,
    title: op.summary || op.operationId,
    description: describe(op),
    inputSchema: inputSchema(op),
    annotations: { readOnlyHint: kindOf(op) === "read", destructiveHint: kindOf(op) === "destructive", idempotentHint: isIdempotent(op), openWorldHint: true },
  }));

  const server = new Server({ name: "gladly-api", version: VERSION }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    const name = request.params.name;
    const op = byName.get(name);
    const fail = (text: string): CallToolResult => ({ isError: true, content: [{ type: "text", text }] });
    if (!op) {
      const exists = (operations as Record<string, OperationEntry>)[name];
      if (!exists) return fail(`${name} is not a Gladly operation.`);
      const kind = kindOf(exists);
      return fail(kind === "read" ? `${name} is not offered by this server (tags).` : `${name} ${kind === "destructive" ? "deletes or redacts data" : "changes data"}; this server is read-only${kind === "destructive" ? " for it" : ""}. Start it with ${kind === "destructive" ? "--allow-destructive" : "--allow-writes"} to allow it.`);
    }
    const method = (client as unknown as Record<string, Record<string, (args: object, o: object) => Promise<{ data: unknown; truncated?: boolean }>>>)[op.group]![op.operationId]!;
    try {
      const { data, truncated } = await method(request.params.arguments ?? {}, { raw: true });
      return { content: [{ type: "text", text: render(op, data, max, truncated) }] };
    } catch (error) {
      if (error instanceof GladlyError) {
        const details = error.errors.map((e) => `- ${formatErrorDetail(e)}`).join("\n");
        return fail(`${error.message}${details ? `\n${details}` : ""}`);
      }
      if (error instanceof GladlyInputError) return fail(error.message);
      throw error;
    }
  });
  return server;
}

/**
 * Serves the tools over Streamable HTTP on 127.0.0.1 (stateless: each POST is answered by a fresh
 * server over the same client). Loopback only: the client holds the organization's API token.
 */
export async function serveGladlyMcpHttp(client: GladlyClient, options: GladlyMcpOptions & { port?: number } = {}): Promise<{ url: string; close(): Promise<void> }> {
  const { createServer } = await import("node:http");
  const { StreamableHTTPServerTransport } = await import("@modelcontextprotocol/sdk/server/streamableHttp.js");
  const http = createServer((req, res) => {
    if (req.url?.split("?")[0] !== "/mcp") {
      res.writeHead(404).end();
      return;
    }
    const server = createGladlyMcpServer(client, options);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on("close", () => void Promise.all([transport.close(), server.close()]));
    void server.connect(transport).then(() => transport.handleRequest(req, res));
  });
  await new Promise<void>((resolve) => http.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = http.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    close: () => new Promise((resolve) => http.close(() => resolve())),
  };
}
