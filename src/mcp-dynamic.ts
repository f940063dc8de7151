/**
 * Dynamic mode: three meta-tools instead of one tool per operation, so the tool list costs the
 * agent's context a few hundred tokens however many operations are allowed. Schemas are read
 * per operation, when the agent needs them.
 */
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { OperationEntry } from "../generated/operations.ts";
import { type Kind, kindOf, toolOf } from "./mcp-catalog.ts";

export const SEARCH = "search_operations";
export const DESCRIBE = "describe_operation";
export const CALL = "call_operation";

export function dynamicTools(offered: OperationEntry[], kinds: Set<Kind>): Tool[] {
  const groups = [...new Set(offered.map((op) => op.group))].sort();
  const name = { type: "string", description: "operationId, from search_operations" };
  return [
    {
      name: SEARCH,
      description: "List the Gladly operations this server offers (name, kind, summary), optionally only those matching words or one group.",
      inputSchema: {
        type: "object",
        properties: { query: { type: "string", description: 'words to match, e.g. "customer email"' }, group: { type: "string", enum: groups } },
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    {
      name: DESCRIBE,
      description: "An operation's description, arguments (JSON Schema), answer schema and hints. Read it before call_operation.",
      inputSchema: { type: "object", properties: { name }, required: ["name"] },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    {
      name: CALL,
      description: `Call an operation with its arguments (path and query parameters by name, \`body\`, \`offset\` for the rest of a cut answer). Allowed: ${[...kinds].join(", ")}.`,
      inputSchema: { type: "object", properties: { name, arguments: { type: "object", description: "as describe_operation gives them" } }, required: ["name"] },
      annotations: { readOnlyHint: kinds.size === 1, destructiveHint: kinds.has("destructive"), idempotentHint: false, openWorldHint: true },
    },
  ];
}

const words = (text: string) =>
  text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);

export function searchOperations(offered: OperationEntry[], args: Record<string, unknown>): CallToolResult {
  const query = typeof args.query === "string" ? words(args.query) : [];
  const group = typeof args.group === "string" ? args.group : undefined;
  const found = offered.filter((op) => {
    if (group && op.group !== group) return false;
    const haystack = words(`${op.operationId.replace(/([a-z])([A-Z])/g, "$1 $2")} ${op.summary} ${op.group} ${op.path}`);
    return query.every((w) => haystack.some((h) => h.startsWith(w) || (w.length > 3 && h.startsWith(w.replace(/s$/, "")))));
  });
  if (!found.length)
    return {
      content: [
        {
          type: "text",
          text: `No operation matches${query.length ? ` "${query.join(" ")}"` : ""}${group ? ` in ${group}` : ""}. Try fewer words, or no query to list all.`,
        },
      ],
    };
  const lines = found.map((op) => `${op.operationId} (${kindOf(op)}): ${op.summary}`);
  return {
    content: [{ type: "text", text: lines.join("\n") }],
    structuredContent: { operations: found.map((op) => ({ name: op.operationId, group: op.group, kind: kindOf(op), summary: op.summary })) },
  };
}

export function describeForAgent(op: OperationEntry): CallToolResult {
  const tool = toolOf(op);
  const text = [
    `${tool.name}: ${tool.description}`,
    `kind: ${kindOf(op)}; hints: ${JSON.stringify(tool.annotations)}`,
    `arguments: ${JSON.stringify(tool.inputSchema)}`,
    ...(tool.outputSchema ? [`answer: ${JSON.stringify(tool.outputSchema)}`] : []),
  ].join("\n");
  return { content: [{ type: "text", text }] };
}
