/**
 * `gladly-api/mcp`: every Gladly operation as a Model Context Protocol tool (or, in dynamic mode,
 * three meta-tools that reach them), generated from the manifest and the repaired spec, called
 * through the same client (limits, retries, typed errors).
 *
 * @module gladly-api/mcp
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, type CallToolResult, ListToolsRequestSchema, type Tool } from "@modelcontextprotocol/sdk/types.js";
import type { GladlyClient } from "./client.ts";
import { VERSION } from "./config.ts";
import { GladlyInputError } from "./errors.ts";
import { callOperation, toolError } from "./mcp-call.ts";
import { type Kind, type Permissions, isAllowed, operationById, refusal, selectOperations, toolOf } from "./mcp-catalog.ts";
import { CALL, DESCRIBE, SEARCH, describeForAgent, dynamicTools, searchOperations } from "./mcp-dynamic.ts";
import { instructionsFor, serveHelpCenterAnswers } from "./mcp-guidance.ts";
import { type HttpGuardOptions, refuseForeign } from "./mcp-http.ts";

/** What a Gladly MCP server offers: read-only by default, writes, messages and deletions only when allowed. */
export interface GladlyMcpOptions {
  /** Offer operations that create or change things (default: read-only). */
  allowWrites?: boolean;
  /** Also offer operations that send to customers: SMS, email, replies, campaign recipients (implies writes). */
  allowMessaging?: boolean;
  /** Also offer deletions and redaction (implies writes). */
  allowDestructive?: boolean;
  /** Only these groups (`customers`, `conversations`, …). */
  tags?: string[];
  /** About how many characters an answer may take before it is cut between records (default 20 000). */
  maxResponseChars?: number;
  /**
   * `"tools"` (default): one tool per operation. `"dynamic"`: three meta-tools (search, describe,
   * call) whose list costs under 1k tokens whatever is allowed.
   */
  mode?: "tools" | "dynamic";
}

const KINDS: Kind[] = ["read", "write", "message", "destructive"];

/**
 * An MCP server offering Gladly's operations. Read-only unless `allowWrites` (`allowMessaging` for
 * messages to customers, `allowDestructive` for deletions and redaction); limited to `tags` when given.
 *
 * @throws `GladlyInputError` (from `gladly-api`) for a bad `maxResponseChars` or `mode`.
 */
export function createGladlyMcpServer(client: GladlyClient, options: GladlyMcpOptions = {}): Server {
  const settings = { maxResponseChars: options.maxResponseChars ?? 20_000 };
  if (!Number.isInteger(settings.maxResponseChars) || settings.maxResponseChars < 1)
    throw new GladlyInputError("maxResponseChars", `must be a whole number of characters ≥ 1, not ${String(options.maxResponseChars)}`);
  if (options.mode !== undefined && options.mode !== "tools" && options.mode !== "dynamic")
    throw new GladlyInputError("mode", `must be "tools" or "dynamic", not ${JSON.stringify(options.mode)}`);
  const permissions: Permissions = { allowWrites: options.allowWrites, allowMessaging: options.allowMessaging, allowDestructive: options.allowDestructive };
  const offered = selectOperations(permissions, options.tags);
  const byName = new Map(offered.map((op) => [op.operationId, op]));
  const kinds = new Set(KINDS.filter((kind) => isAllowed(kind, permissions)));
  const dynamic = options.mode === "dynamic";
  const answers = offered.some((op) => op.group === "publicAnswers");
  const tools: Tool[] = dynamic ? dynamicTools(offered, kinds) : offered.map(toolOf);

  const server = new Server(
    { name: "gladly-api", version: VERSION },
    { capabilities: { tools: {}, ...(answers && { resources: {} }) }, instructions: instructionsFor({ dynamic, allowed: [...kinds].join(", "), answers }) },
  );
  if (answers) serveHelpCenterAnswers(server, client);

  const call = (name: string, args: Record<string, unknown>): Promise<CallToolResult> | CallToolResult => {
    const op = byName.get(name);
    if (op) return callOperation(client, op, args, settings);
    const known = operationById(name);
    return toolError(known ? refusal(known, permissions) : `${name} is not a Gladly operation.${dynamic ? ` ${SEARCH} lists them.` : ""}`);
  };

  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    const { name } = request.params;
    const args = (request.params.arguments ?? {}) as Record<string, unknown>;
    if (!dynamic) return call(name, args);
    if (name === SEARCH) return searchOperations(offered, args);
    const target = typeof args.name === "string" ? args.name : undefined;
    if (name === DESCRIBE || name === CALL) {
      if (!target) return toolError(`name: the operationId to ${name === CALL ? "call" : "describe"} (${SEARCH} lists them)`);
      if (name === DESCRIBE) {
        const op = byName.get(target);
        return op ? describeForAgent(op) : call(target, {});
      }
      const given = args.arguments ?? {};
      if (typeof given !== "object" || given === null || Array.isArray(given)) return toolError("arguments: an object of the operation's arguments by name");
      return call(target, given as Record<string, unknown>);
    }
    return toolError(`${name} is not a tool of this server; its tools are ${SEARCH}, ${DESCRIBE} and ${CALL}.`);
  });
  return server;
}

/**
 * Serves the tools over Streamable HTTP on 127.0.0.1 (stateless: each POST is answered by a fresh
 * server over the same client). Loopback only, and only to requests addressed to it (Host and
 * Origin checked): the client holds the organization's API token.
 *
 * @throws `GladlyInputError` (from `gladly-api`) for bad options, before it listens.
 */
export async function serveGladlyMcpHttp(
  client: GladlyClient,
  options: GladlyMcpOptions & HttpGuardOptions & { port?: number } = {},
): Promise<{
  /** Where MCP clients connect, e.g. http://127.0.0.1:PORT/mcp. */
  url: string;
  /** Stops the server. */
  close(): Promise<void>;
}> {
  const { createServer } = await import("node:http");
  const { StreamableHTTPServerTransport } = await import("@modelcontextprotocol/sdk/server/streamableHttp.js");
  createGladlyMcpServer(client, options); // bad options fail here, not on the first request
  let port = 0;
  const http = createServer((req, res) => {
    const refused = refuseForeign(req, port, options);
    if (refused) {
      res.writeHead(403, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message: refused }, id: null }));
      return;
    }
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
  port = (http.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    close: () => new Promise((resolve) => http.close(() => resolve())),
  };
}
