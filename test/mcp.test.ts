/** The MCP server, through the SDK's own client over an in-memory transport, backed by the fake. */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import Ajv from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGladlyClient, operations } from "../src/index.ts";
import { type GladlyMcpOptions, createGladlyMcpServer } from "../src/mcp.ts";
import { type FakeGladly, startFakeGladly } from "../src/testing/index.ts";

let fake: FakeGladly;
beforeAll(async () => {
  fake = await startFakeGladly({ rateLimit: false });
});
afterAll(() => fake.close());

async function connect(options: GladlyMcpOptions = {}) {
  const server = createGladlyMcpServer(createGladlyClient({ ...fake.clientOptions(), rateLimit: false }), options);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "test", version: "1" });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  return client;
}

const text = (result: Awaited<ReturnType<Client["callTool"]>>) => (result.content as { type: string; text: string }[]).map((c) => c.text).join("\n");

describe("tools", () => {
  it("read-only by default: every GET and the two reports, with valid JSON Schema inputs and the right hints", async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    const reads = [
      ...Object.values(operations)
        .filter((o) => o.method === "GET")
        .map((o) => o.operationId),
      "generateReport",
      "generateWorkSessionReport",
    ].sort();
    expect(tools.map((t) => t.name).sort()).toEqual(reads);
    const ajv = new Ajv.default({
      strict: false,
      logger: {
        log: () => undefined,
        warn: (message: string) => {
          throw new Error(message);
        },
        error: (message: string) => {
          throw new Error(message);
        },
      },
    });
    for (const tool of tools) {
      expect(() => ajv.compile(tool.inputSchema), tool.name).not.toThrow();
      expect(tool.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false, idempotentHint: true });
      expect(tool.description!.length).toBeGreaterThan(5);
    }
    const getCustomer = tools.find((t) => t.name === "getCustomer")!;
    expect(getCustomer.inputSchema).toMatchObject({ type: "object", required: ["customerId"], properties: { customerId: { type: "string" } } });
    expect(JSON.stringify(tools)).not.toContain("$ref");
  });

  it("all 80 with --allow-destructive and --allow-messaging, hinted as what they are", async () => {
    const client = await connect({ allowDestructive: true, allowMessaging: true });
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(80);
    const hints = Object.fromEntries(tools.map((t) => [t.name, t.annotations]));
    expect(hints.deleteCustomer).toMatchObject({ readOnlyHint: false, destructiveHint: true, idempotentHint: true });
    expect(hints.redactContent).toMatchObject({ destructiveHint: true });
    expect(hints.sendSMS).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false });
    expect(hints.createCustomer).toMatchObject({ idempotentHint: false });
    expect((tools.find((t) => t.name === "createCustomer")!.inputSchema as { required?: string[] }).required).toEqual(["body"]);
  });

  it("--tags limits the groups", async () => {
    const { tools } = await (await connect({ tags: ["teams", "inboxes"] })).listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["getInbox", "getInboxes", "getTeam", "getTeams"]);
    expect(() => createGladlyMcpServer(createGladlyClient(fake.clientOptions()), { tags: ["nope"] })).toThrow(/nope is not a group/);
  });
});

describe("calls", () => {
  it("reads through the client", async () => {
    const client = await connect();
    const result = await client.callTool({ name: "getOrganization", arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(JSON.parse(text(result))).toMatchObject({ id: fake.orgId });
  });

  it("refuses writes in read-only mode, saying how to allow them", async () => {
    const client = await connect();
    const before = fake.state.customers.size;
    const result = await client.callTool({ name: "createCustomer", arguments: { body: { name: "Nope" } } });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain("--allow-writes");
    expect(fake.state.customers.size).toBe(before);
    const destructive = await (await connect({ allowWrites: true })).callTool({ name: "deleteCustomer", arguments: { customerId: "x" } });
    expect(text(destructive)).toContain("--allow-destructive");
  });

  it("writes with --allow-writes", async () => {
    const client = await connect({ allowWrites: true });
    const result = await client.callTool({ name: "createCustomer", arguments: { body: { id: "mcp-1", name: "From MCP" } } });
    expect(result.isError).toBeFalsy();
    expect(fake.state.customers.get("mcp-1")?.name).toBe("From MCP");
  });

  it("returns Gladly's errors as tool errors, never credentials", async () => {
    const client = await connect();
    const result = await client.callTool({ name: "getCustomer", arguments: { customerId: "nobody" } });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain("customerId: customer nobody does not exist (not_exist)");
    expect(text(result)).not.toContain(fake.apiToken);
    const bad = await client.callTool({ name: "getCustomer", arguments: {} });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain("customerId");
  });

  it("cuts large answers between lines with the offset of the rest", async () => {
    const client = await connect({ maxResponseChars: 200 });
    const args = { entities: ["CUSTOMER_PROFILE", "CONVERSATION"], startAt: new Date(fake.clock.now() - 3600_000).toISOString() };
    const events = await client.callTool({ name: "getEvents", arguments: args });
    const [summary, lines] = (events.content as { text: string }[]).map((c) => c.text);
    expect(summary).toMatch(/^getEvents: \d+ lines\. \[lines 1–\d+ of \d+; for the rest, call getEvents again with the same arguments and offset: \d+\]$/);
    for (const line of lines!.trim().split("\n")) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });
});

describe("Streamable HTTP", () => {
  it("serves the same tools on a loopback URL", async () => {
    const { serveGladlyMcpHttp } = await import("../src/mcp.ts");
    const { StreamableHTTPClientTransport } = await import("@modelcontextprotocol/sdk/client/streamableHttp.js");
    const served = await serveGladlyMcpHttp(createGladlyClient({ ...fake.clientOptions(), rateLimit: false }), { tags: ["teams"] });
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const client = new Client({ name: "http-test", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(served.url)));
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(["getTeam", "getTeams"]);
    expect(text(await client.callTool({ name: "getTeams", arguments: {} }))).toContain("Tier 1");
    await client.close();
    await served.close();
  });
});
