/** The README's table of what `tools/list` costs an agent's context, measured, per mode. */
import { readFile } from "node:fs/promises";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { describe, expect, it } from "vitest";
import { createGladlyClient } from "../src/index.ts";
import { type GladlyMcpOptions, createGladlyMcpServer } from "../src/mcp.ts";

/** Listing tools calls nothing, so the client needs no Gladly behind it. */
async function toolList(options: GladlyMcpOptions) {
  const server = createGladlyMcpServer(createGladlyClient({ baseUrl: "http://127.0.0.1:9", agentEmail: "a@example.com", apiToken: "t" }), options);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "cost", version: "1" });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  const { tools } = await client.listTools();
  await client.close();
  return tools;
}

/** bytes of the tools/list JSON / 4, as the README words it: "~13.6k tokens (43 tools)". */
async function cost(options: GladlyMcpOptions): Promise<string> {
  const tools = await toolList(options);
  const tokens = Buffer.byteLength(JSON.stringify({ tools })) / 4;
  const rounded = tokens >= 1000 ? `~${(tokens / 1000).toFixed(1)}k` : `~${Math.round(tokens / 10) * 10}`;
  return `${rounded} tokens (${tools.length} tools)`;
}

describe("README: the token cost of each MCP mode", () => {
  it("states what tools/list measures", async () => {
    const everything = { allowWrites: true, allowMessaging: true, allowDestructive: true };
    const rows = [
      `| one tool per operation | ${await cost({})} | ${await cost(everything)} |`,
      `| \`--dynamic\` | ${await cost({ mode: "dynamic" })} | ${await cost({ ...everything, mode: "dynamic" })} |`,
    ];
    const readme = await readFile("README.md", "utf8");
    for (const row of rows) expect(readme, `README's MCP section should have the row\n${row}`).toContain(row);
  });
});
