/**
 * The MCP server as an agent developer meets it: the official SDK client over an in-memory pair,
 * Streamable HTTP and stdio (the `gladly mcp` CLI), against the fake Gladly.
 */
import { request } from "node:http";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGladlyClient, operations } from "../src/index.ts";
import { type GladlyMcpOptions, createGladlyMcpServer, serveGladlyMcpHttp } from "../src/mcp.ts";
import { type FakeGladly, startFakeGladly } from "../src/testing/index.ts";

let fake: FakeGladly;
beforeAll(async () => {
  fake = await startFakeGladly({ rateLimit: false });
});
afterAll(() => fake.close());

const gladly = () => createGladlyClient({ ...fake.clientOptions(), rateLimit: false });

async function connect(options: GladlyMcpOptions = {}) {
  const server = createGladlyMcpServer(gladly(), options);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "agent-test", version: "1" });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  return client;
}

type Result = Awaited<ReturnType<Client["callTool"]>>;
type Block = { type: string; text?: string; data?: string; mimeType?: string; resource?: { uri: string; mimeType?: string; text?: string; blob?: string } };
const blocks = (result: Result) => result.content as Block[];
const text = (result: Result) =>
  blocks(result)
    .filter((c) => c.type === "text")
    .map((c) => c.text)
    .join("\n");
const everything: GladlyMcpOptions = { allowWrites: true, allowMessaging: true, allowDestructive: true };
/** What a tools/list costs an agent's context, as the README counts it: bytes of its JSON / 4. */
const tokensOf = (tools: unknown) => Buffer.byteLength(JSON.stringify({ tools })) / 4;

describe("HTTP: DNS-rebinding protection", () => {
  /** A raw request, as a browser tricked by DNS rebinding would send it. */
  function post(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} });
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers } },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (text += chunk));
          res.on("end", () => resolve({ status: res.statusCode!, body: text }));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  it("refuses a foreign Host or Origin, and still serves its own", async () => {
    const served = await serveGladlyMcpHttp(gladly(), { allowedOrigins: ["http://localhost:6274"] });
    try {
      const port = new URL(served.url).port;
      const rebound = await post(served.url, { host: `evil.example:${port}`, origin: `http://evil.example:${port}` });
      expect(rebound.status).toBe(403);
      expect(rebound.body).not.toContain("getAgents");
      const foreignOrigin = await post(served.url, { host: `127.0.0.1:${port}`, origin: "https://evil.example" });
      expect(foreignOrigin.status).toBe(403);
      expect(foreignOrigin.body).toContain("Origin https://evil.example is not allowed");
      const own = await post(served.url, { host: `localhost:${port}`, origin: `http://localhost:${port}` });
      expect(own.status).toBe(200);
      expect(own.body).toContain("getAgents");
      expect((await post(served.url, { host: `127.0.0.1:${port}`, origin: "http://localhost:6274" })).status).toBe(200);
    } finally {
      await served.close();
    }
  });
});

describe("dynamic mode", () => {
  it("costs under 1k tokens whatever is allowed", async () => {
    for (const options of [{}, everything]) {
      const { tools } = await (await connect({ ...options, mode: "dynamic" })).listTools();
      expect(tools.map((t) => t.name)).toEqual(["search_operations", "describe_operation", "call_operation"]);
      expect(tokensOf(tools)).toBeLessThan(1000);
    }
  });

  it("finds, describes and calls operations, keeping the permission levels and --tags", async () => {
    const client = await connect({ mode: "dynamic", tags: ["customers", "teams"] });
    const found = text(await client.callTool({ name: "search_operations", arguments: { query: "find customer" } }));
    expect(found).toContain("findCustomers (read)");
    const listed = text(await client.callTool({ name: "search_operations", arguments: {} }));
    expect(listed).toContain("getTeams");
    expect(listed).not.toContain("createCustomer"); // a write, and this server is read-only
    expect(listed).not.toContain("getAgents"); // not in --tags
    const described = text(await client.callTool({ name: "describe_operation", arguments: { name: "findCustomers" } }));
    expect(described).toContain('"phoneNumber"');
    expect(described).toContain("readOnlyHint");
    const teams = await client.callTool({ name: "call_operation", arguments: { name: "getTeams", arguments: {} } });
    expect(teams.isError).toBeFalsy();
    expect(text(teams)).toContain("Tier 1");
    const write = await client.callTool({ name: "call_operation", arguments: { name: "createCustomer", arguments: { body: { name: "Nope" } } } });
    expect(write.isError).toBe(true);
    expect(text(write)).toContain("--allow-writes");
    const outside = await client.callTool({ name: "call_operation", arguments: { name: "getAgents", arguments: {} } });
    expect(outside.isError).toBe(true);
    expect(text(outside)).toContain("--tags");
  });
});

describe("schemas", () => {
  it("all 80 inputs (and the outputs) compile under ajv strict", async () => {
    const { tools } = await (await connect(everything)).listTools();
    expect(tools).toHaveLength(80);
    const failures: string[] = [];
    for (const tool of tools) {
      const ajv = new Ajv.default({ strict: true });
      addFormats.default(ajv);
      for (const [which, schema] of [
        ["input", tool.inputSchema],
        ["output", tool.outputSchema],
      ] as const) {
        if (!schema) continue;
        try {
          ajv.compile(schema);
        } catch (error) {
          failures.push(`${tool.name} ${which}: ${(error as Error).message}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it("leave server-owned readOnly fields and sendEmail's stray `example` out of inputs", async () => {
    const { tools } = await (await connect(everything)).listTools();
    const input = (name: string) =>
      tools.find((t) => t.name === name)!.inputSchema as {
        properties: Record<string, { properties?: Record<string, unknown>; items?: { properties?: Record<string, unknown> } }>;
      };
    expect(JSON.stringify(tools.map((t) => t.inputSchema))).not.toContain("readOnly");
    /** Every property path a schema lets a caller send, through allOf/oneOf/anyOf and items. */
    const paths = (node: unknown, at: string, out: Set<string>): Set<string> => {
      if (Array.isArray(node)) for (const n of node) paths(n, at, out);
      else if (typeof node === "object" && node !== null) {
        const schema = node as Record<string, unknown>;
        for (const [name, child] of Object.entries((schema.properties as Record<string, unknown> | undefined) ?? {}))
          paths(child, `${at}.${name}`, out.add(`${at}.${name}`));
        for (const key of ["allOf", "oneOf", "anyOf", "items"]) paths(schema[key], at, out);
      }
      return out;
    };
    const sendable = (name: string) => paths(input(name), "", new Set());
    const serverOwned = ["id", "createdAt", "updatedAt", "hasCredentials", "headerKeys", "disabledAtDueToRetryLimit"];
    for (const name of ["createWebhook", "updateWebhook"]) {
      expect(sendable(name)).toContain(".body.url");
      for (const field of serverOwned) expect(sendable(name), `${name} body.${field}`).not.toContain(`.body.${field}`);
    }
    for (const name of ["createItem", "createCustomerItem"]) {
      expect(sendable(name)).toContain(".body.content");
      expect(sendable(name)).not.toContain(".body.content.receivedAt");
    }
    expect(Object.keys(input("sendEmail").properties.body!.properties!.to as object)).toContain("items");
    expect(Object.keys((input("sendEmail").properties.body!.properties!.to as { items: { properties: object } }).items.properties)).toEqual(["email", "name"]);
  });

  it("tell the agent to send phone numbers as they are, and that works", async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    const find = tools.find((t) => t.name === "findCustomers")!;
    expect(JSON.stringify(find)).not.toContain("%2B");
    const found = await client.callTool({ name: "findCustomers", arguments: { phoneNumber: "+14155550100" } });
    expect((found.structuredContent as { items: { name: string }[] }).items.map((c) => c.name)).toEqual(["Martha Williams"]);
  });
});

describe("structured results", () => {
  it("objects and lists come back as structuredContent matching an outputSchema", async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    const schemaOf = (name: string) => tools.find((t) => t.name === name)!.outputSchema;
    expect(schemaOf("getAgents")).toMatchObject({ type: "object", properties: { items: { type: "array" } } });
    expect(schemaOf("getCustomer")).toMatchObject({ type: "object" });
    const agents = await client.callTool({ name: "getAgents", arguments: {} });
    expect(agents.structuredContent).toEqual({
      items: [...fake.state.agents.values()].map((a) => expect.objectContaining({ id: a.id })),
      total: fake.state.agents.size,
      offset: 0,
    });
    const martha = [...fake.state.customers.values()].find((c) => c.name === "Martha Williams")!;
    const customer = await client.callTool({ name: "getCustomer", arguments: { customerId: martha.id } });
    expect(customer.structuredContent).toMatchObject({ id: martha.id, name: "Martha Williams" });
  });

  it("a CSV report is a text/csv resource; an export file an NDJSON one; a recording audio", async () => {
    const client = await connect();
    const report = await client.callTool({
      name: "generateReport",
      arguments: { body: { metricSet: "AgentSummary", startAt: "2026-11-01", endAt: "2026-11-02" } },
    });
    expect(report.isError).toBeFalsy();
    const csv = blocks(report).find((b) => b.type === "resource")!.resource!;
    expect(csv.mimeType).toBe("text/csv");
    expect(csv.text!.split("\n")[0]).toBe("Agent,Email,Conversations Handled,Average Handle Time");
    const job = [...fake.state.exportJobs.values()][0]!;
    const file = await client.callTool({ name: "getFile", arguments: { jobId: job.id, filename: "agents.jsonl" } });
    const jsonl = blocks(file).find((b) => b.type === "resource")!.resource!;
    expect(jsonl.mimeType).toBe("application/x-ndjson");
    expect(jsonl.uri).toBe(`gladly://export/jobs/${job.id}/files/agents.jsonl?offset=0`);
    expect(
      jsonl
        .text!.trim()
        .split("\n")
        .map((line) => JSON.parse(line) as unknown),
    ).toHaveLength(fake.state.agents.size);
    const call = [...fake.state.items.values()].find((i) => (i.content as { type: string }).type === "PHONE_CALL")!;
    const media = await client.callTool({ name: "getMedia", arguments: { itemId: call.id } });
    const audio = blocks(media).find((b) => b.type === "audio")!;
    expect(audio.mimeType).toBe("audio/mpeg");
    const bytes = await gladly().conversations.getMedia({ itemId: call.id });
    expect(Buffer.from(audio.data!, "base64").equals(Buffer.from(bytes))).toBe(true);
  });
});

describe("cutting long answers", () => {
  it("cuts between records, never inside one, and the offset fetches the rest", async () => {
    const client = await connect({ maxResponseChars: 300 });
    const all = await gladly().agents.getAgents();
    expect(all.length).toBeGreaterThan(2);
    const seen: unknown[] = [];
    let offset: number | undefined = 0;
    let pages = 0;
    while (offset !== undefined && pages++ < 50) {
      const page = await client.callTool({ name: "getAgents", arguments: { offset } });
      const [json, note] = text(page).split("\n\n");
      const records = JSON.parse(json!) as unknown[];
      expect(records.length).toBeGreaterThan(0);
      expect(page.structuredContent).toMatchObject({ items: records, total: all.length, offset });
      seen.push(...records);
      offset = (page.structuredContent as { nextOffset?: number }).nextOffset;
      if (offset !== undefined) expect(note).toContain(`offset: ${offset}`);
      expect(text(page)).not.toMatch(/filter|status|search term/);
    }
    expect(pages).toBeGreaterThan(1);
    expect(seen).toEqual(all);
  });

  it("repeats the CSV header on every page of a report", async () => {
    const client = await connect({ maxResponseChars: 120 });
    const body = { metricSet: "AgentSummary", startAt: "2026-11-01", endAt: "2026-11-02" };
    const first = await client.callTool({ name: "generateReport", arguments: { body } });
    const next = /offset: (\d+)/.exec(text(first))?.[1];
    expect(next).toBeDefined();
    const second = await client.callTool({ name: "generateReport", arguments: { body, offset: Number(next) } });
    for (const page of [first, second]) expect(blocks(page).find((b) => b.type === "resource")!.resource!.text).toMatch(/^Agent,Email,/);
  });
});

describe("answers from a Gladly that answers this", () => {
  /** The MCP server in front of a loopback server that always answers `body` as `type`. */
  async function withAnswer<T>(type: string, body: string, options: GladlyMcpOptions, use: (client: Client) => Promise<T>): Promise<T> {
    const { createServer } = await import("node:http");
    const http = createServer((_req, res) => res.writeHead(200, { "content-type": type }).end(body));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    try {
      const client = createGladlyClient({
        baseUrl: `http://127.0.0.1:${(http.address() as { port: number }).port}`,
        agentEmail: "a@example.com",
        apiToken: "t",
        rateLimit: false,
        retry: false,
      });
      const server = createGladlyMcpServer(client, options);
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      const agent = new Client({ name: "answer-test", version: "1" });
      await Promise.all([server.connect(serverSide), agent.connect(clientSide)]);
      return await use(agent);
    } finally {
      await new Promise((resolve) => http.close(resolve));
    }
  }
  const report = { name: "generateReport", arguments: { body: { metricSet: "AgentSummary", startAt: "2026-11-01", endAt: "2026-11-02" } } };
  const csvOf = (result: Result) => blocks(result).find((b) => b.type === "resource")!.resource!.text!;

  it("a null where the spec promises a string or list does not make the SDK client reject the answer", async () => {
    await withAnswer("application/json", JSON.stringify({ id: "t1", name: null, agentIds: null }), { tags: ["teams"] }, async (agent) => {
      await agent.listTools(); // the SDK client checks structured results against the schemas it listed
      const team = await agent.callTool({ name: "getTeam", arguments: { teamId: "t1" } });
      expect(team.structuredContent).toEqual({ id: "t1", name: null, agentIds: null });
    });
  });

  it("keeps a CSV row whose quoted field spans lines in one piece", async () => {
    const csv = 'Agent,Note\nAmy,"first line\nsecond line"\nBen,short\n';
    await withAnswer("text/csv", csv, { maxResponseChars: 20 }, async (agent) => {
      const first = await agent.callTool(report);
      expect(csvOf(first)).toBe('Agent,Note\nAmy,"first line\nsecond line"\n');
      expect(text(first)).toContain("offset: 1");
      expect(csvOf(await agent.callTool({ ...report, arguments: { ...report.arguments, offset: 1 } }))).toBe("Agent,Note\nBen,short\n");
    });
  });

  it("cuts a CSV that does not parse between lines instead of failing", async () => {
    await withAnswer("text/csv", 'Agent,Note\nAmy,"unclosed\nBen,short\n', { maxResponseChars: 20 }, async (agent) => {
      const result = await agent.callTool(report);
      expect(result.isError).toBeFalsy();
      expect(csvOf(result)).toBe('Agent,Note\nAmy,"unclosed\n');
    });
  });
});

describe("hints and gating", () => {
  it("creates are not idempotent; reports are reads; messages need their own flag", async () => {
    const { tools } = await (await connect(everything)).listTools();
    const hints = Object.fromEntries(tools.map((t) => [t.name, t.annotations]));
    expect(hints.createCustomer).toMatchObject({ idempotentHint: false, readOnlyHint: false });
    expect(hints.generateReport).toMatchObject({ readOnlyHint: true });
    const readOnly = (await (await connect()).listTools()).tools.map((t) => t.name);
    expect(readOnly).toEqual(expect.arrayContaining(["generateReport", "generateWorkSessionReport"]));
    const writes = await connect({ allowWrites: true, allowDestructive: true });
    const names = (await writes.listTools()).tools.map((t) => t.name);
    expect(names).toContain("createCustomer");
    expect(names).not.toContain("sendSMS");
    const sms = await writes.callTool({
      name: "sendSMS",
      arguments: { body: { customer: { mobileNumber: "+14155550111" }, from: "+14155550199", body: "hi" } },
    });
    expect(sms.isError).toBe(true);
    expect(text(sms)).toContain("--allow-messaging");
    expect((await (await connect({ allowMessaging: true })).listTools()).tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(["sendSMS", "sendEmail", "replyToMessage"]),
    );
  });

  it("a create names the id it was given", async () => {
    const client = await connect({ allowWrites: true });
    const before = new Set(fake.state.customers.keys());
    const result = await client.callTool({ name: "createCustomer", arguments: { body: { name: "Named By MCP" } } });
    expect(result.isError).toBeFalsy();
    const created = [...fake.state.customers.keys()].filter((id) => !before.has(id));
    expect(created).toHaveLength(1);
    expect(result.structuredContent).toEqual({ id: created[0] });
    expect(text(result)).toContain(`customerId ${created[0]}`);
    expect(text(result)).toContain("getCustomer");
  });
});

describe("guidance", () => {
  it("instructions say where orgId comes from, the 24 h events window and how to find ids", async () => {
    const instructions = (await connect()).getInstructions()!;
    expect(instructions).toMatch(/orgId.*getOrganization/);
    expect(instructions).toMatch(/24 hours/);
    expect(instructions).toMatch(/findCustomers/);
  });

  it("help-center answers are resources", async () => {
    const client = await connect();
    const { resources } = await client.listResources();
    const answers = await gladly().publicAnswers.listAnswers({ orgId: fake.orgId });
    expect(resources.map((r) => r.name)).toEqual(answers.map((a) => a.name));
    const first = answers[0]!;
    const read = await client.readResource({ uri: resources[0]!.uri });
    expect(read.contents[0]).toMatchObject({ mimeType: "text/html" });
    expect((read.contents[0] as { text: string }).text).toContain(first.bodyHtml!);
  });
});

describe("errors", () => {
  it("prints each of Gladly's errors[] once", async () => {
    const result = await (await connect()).callTool({ name: "getCustomer", arguments: { customerId: "nobody" } });
    expect(result.isError).toBe(true);
    expect(text(result).split("customer nobody does not exist")).toHaveLength(2);
  });
});

describe("options", () => {
  it("refuses a mode or a response size that makes no sense, naming it", () => {
    expect(() => createGladlyMcpServer(gladly(), { mode: "lazy" as never })).toThrow(/^mode: must be "tools" or "dynamic", not "lazy"$/);
    expect(() => createGladlyMcpServer(gladly(), { maxResponseChars: Number.NaN })).toThrow(
      /^maxResponseChars: must be a whole number of characters ≥ 1, not NaN$/,
    );
  });
});

describe("over stdio (gladly mcp)", () => {
  it("serves dynamic mode with messaging allowed", async () => {
    const { StdioClientTransport } = await import("@modelcontextprotocol/sdk/client/stdio.js");
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ["--import", "tsx", new URL("../src/cli/main.ts", import.meta.url).pathname, "mcp", "--dynamic", "--allow-messaging"],
      env: { PATH: process.env.PATH ?? "", GLADLY_BASE_URL: fake.url, GLADLY_AGENT_EMAIL: fake.agentEmail, GLADLY_API_TOKEN: fake.apiToken },
    });
    const client = new Client({ name: "stdio-test", version: "1" });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(["search_operations", "describe_operation", "call_operation"]);
      expect(text(await client.callTool({ name: "search_operations", arguments: { query: "sms" } }))).toContain("sendSMS (message)");
      expect(Object.keys(operations)).toContain("sendSMS");
    } finally {
      await client.close();
    }
  }, 30_000);
});
