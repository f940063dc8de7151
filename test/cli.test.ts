/** The `gladly` CLI, run as a child process against a fake Gladly on loopback. */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGladlyClient } from "../src/index.ts";
import { type FakeGladly, startFakeGladly } from "../src/testing/index.ts";

const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;
let fake: FakeGladly;
let dir: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function gladly(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base = { GLADLY_BASE_URL: fake.url, GLADLY_AGENT_EMAIL: fake.agentEmail, GLADLY_API_TOKEN: fake.apiToken };
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", MAIN, ...args], { env: { PATH: process.env.PATH, ...base, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  fake = await startFakeGladly({ rateLimit: false });
  dir = await mkdtemp(join(tmpdir(), "gladly-cli-"));
});
afterAll(() => fake.close());

const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe("gladly ops", () => {
  it("lists all 80 operations by group", async () => {
    const run = await gladly(["ops"]);
    expect(run.code).toBe(0);
    const rows = run.stdout.trim().split("\n").slice(2);
    expect(rows).toHaveLength(80);
    expect(run.stdout).toMatch(/customers\s+getCustomer\s+GET\s+\/customer-profiles\/\{customerId\}/);
  });

  it("filters by group and prints JSON", async () => {
    const run = await gladly(["ops", "--tag", "publicAnswers", "--json"]);
    expect((JSON.parse(run.stdout) as { operationId: string }[]).map((o) => o.operationId).sort()).toEqual([
      "getAnswer",
      "getAnswerTitles",
      "listAnswers",
      "searchAnswers",
    ]);
  });
});

describe("calling operations", () => {
  it("creates from a body file and reads back with named parameters", async () => {
    const file = join(dir, "customer.json");
    await writeFile(file, JSON.stringify({ id: "cli-1", name: "Cli Customer", emails: [{ original: "cli@example.com", primary: true }] }));
    const created = await gladly(["customers", "createCustomer", "--body", `@${file}`]);
    expect(created.code).toBe(0);
    expect(created.stderr).toContain("createCustomer: created cli-1");
    expect(created.stdout.trim()).toBe("cli-1");
    const found = await gladly(["customers", "findCustomers", "--email", "cli@example.com"]);
    expect(found.code).toBe(0);
    expect((JSON.parse(found.stdout) as { id: string }[]).map((c) => c.id)).toEqual(["cli-1"]);
    const one = await gladly(["customers", "getCustomer", "--customerId", "cli-1"]);
    expect(JSON.parse(one.stdout)).toMatchObject({ id: "cli-1", name: "Cli Customer" });
    expect(one.stdout.trim().split("\n")).toHaveLength(1); // compact JSON when not a terminal
  });

  it("takes array parameters repeated or comma-separated, and prints text bodies as they are", async () => {
    const startAt = new Date(fake.clock.now() - 60_000).toISOString();
    const run = await gladly(["events", "getEvents", "--entities", "CUSTOMER_PROFILE,TASK", "--startAt", startAt]);
    expect(run.code).toBe(0);
    const types = run.stdout
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { type: string }).type);
    expect(types).toContain("CUSTOMER_PROFILE/CREATED");
  });

  it("writes binary bodies to --output", async () => {
    const call = [...fake.state.items.values()].find((i) => (i.content as { type: string }).type === "PHONE_CALL")!;
    const file = join(dir, "call.mp3");
    const run = await gladly(["conversations", "getMedia", "--itemId", call.id, "--output", file]);
    expect(run.code).toBe(0);
    expect([...(await readFile(file)).subarray(0, 3)]).toEqual([0x49, 0x44, 0x33]);
  });

  it("reads the body from stdin with --body -", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, "topics", "addTopic", "--body", "-"], {
      env: { PATH: process.env.PATH, GLADLY_BASE_URL: fake.url, GLADLY_AGENT_EMAIL: fake.agentEmail, GLADLY_API_TOKEN: fake.apiToken },
    });
    child.stdin.end(JSON.stringify({ id: "cli-topic", name: "From stdin" }));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
    expect(fake.state.topics.get("cli-topic")?.name).toBe("From stdin");
  });
});

describe("mistakes", () => {
  it("a missing required parameter: exit 2 with a clear message", async () => {
    const run = await gladly(["customers", "getCustomer"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("required option '--customerId <value>' not specified");
    noStackTrace(run.stderr);
  });

  it("an unknown parameter: exit 2", async () => {
    const run = await gladly(["customers", "getCustomer", "--customerId", "x", "--customerID", "y"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown option '--customerID'");
  });

  it("an unknown operation: exit 2", async () => {
    const run = await gladly(["customers", "getCustomers"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown command 'getCustomers'");
  });

  it("a body that is not JSON, or a file that is not there: exit 2", async () => {
    const bad = await gladly(["topics", "addTopic", "--body", "{name:"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--body: not valid JSON");
    const missing = await gladly(["topics", "addTopic", "--body", "@/nonexistent/file.json"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read the file (ENOENT)");
    noStackTrace(missing.stderr);
  });

  it("Gladly's error: exit 1 with its message and errors", async () => {
    const run = await gladly(["customers", "getCustomer", "--customerId", "nobody"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("GET /api/v1/customer-profiles/nobody → 404: customerId: customer nobody does not exist (not_exist)");
    noStackTrace(run.stderr);
  });

  it("missing credentials: exit 2 naming the variable; a wrong token is never echoed", async () => {
    const none = await gladly(["organization", "getOrganization"], { GLADLY_API_TOKEN: "" });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("GLADLY_API_TOKEN");
    const wrong = await gladly(["organization", "getOrganization"], { GLADLY_API_TOKEN: "wrong-token-value-123" });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("401");
    expect(wrong.stderr + wrong.stdout).not.toContain("wrong-token-value-123");
  });
});

describe("hostile surroundings", () => {
  /** Runs the CLI with its output piped to a reader that leaves after `lines` lines, like `| head -3`. */
  function headOf(args: string[], env: Record<string, string>, lines: number, closeStderrToo = false) {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { env: { PATH: process.env.PATH, ...env } });
    let seen = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.split("\n").length > lines) {
        child.stdout.destroy();
        if (closeStderrToo) child.stderr.destroy();
      }
    });
    return new Promise<{ code: number | null; stderr: string; seen: string }>((resolve) => child.on("close", (code) => resolve({ code, stderr, seen })));
  }
  const noSettings = { GLADLY_BASE_URL: "", GLADLY_AGENT_EMAIL: "", GLADLY_API_TOKEN: "" };

  it("`npm start | head -3` ends quietly with code 0, no EPIPE", async () => {
    const run = await headOf(["demo"], noSettings, 3);
    expect(run.seen).toContain("gladly-api tour");
    expect(run.stderr).not.toContain("EPIPE");
    noStackTrace(run.stderr);
    expect(run.code).toBe(0);
  }, 60_000);

  it("`DEBUG=gladly-api npm start 2>&1 | head` ends quietly with code 0 too", async () => {
    const run = await headOf(["demo"], { ...noSettings, DEBUG: "gladly-api" }, 1, true);
    expect(run.code).toBe(0);
  }, 60_000);

  it("`gladly mcp < /dev/null` exits 0 when its client goes away", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, "mcp"], {
      env: { PATH: process.env.PATH, GLADLY_BASE_URL: fake.url, GLADLY_AGENT_EMAIL: fake.agentEmail, GLADLY_API_TOKEN: fake.apiToken },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).not.toContain("unsettled");
    expect(code).toBe(0);
  }, 30_000);

  it("names every missing GLADLY_* setting in one run", async () => {
    const run = await gladly(["organization", "getOrganization"], { GLADLY_BASE_URL: "", GLADLY_AGENT_EMAIL: "", GLADLY_API_TOKEN: "" });
    expect(run.code).toBe(2);
    for (const name of ["GLADLY_ORGANIZATION", "GLADLY_AGENT_EMAIL", "GLADLY_API_TOKEN"]) expect(run.stderr).toContain(name);
    const two = await gladly(["organization", "getOrganization"], { GLADLY_AGENT_EMAIL: "", GLADLY_API_TOKEN: "" });
    expect(two.stderr).toContain("missing settings: set GLADLY_AGENT_EMAIL, GLADLY_API_TOKEN");
  });

  it("`gladly mcp --http abc` says abc is not a port number", async () => {
    const run = await gladly(["mcp", "--http", "abc"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--http abc: not a port number");
    expect(run.stderr).not.toContain("NaN");
    const chars = await gladly(["mcp", "--max-response-chars", "lots"]);
    expect(chars.code).toBe(2);
    expect(chars.stderr).toContain("--max-response-chars lots: not a positive whole number");
  });
});

describe("gladly fake", () => {
  it("serves until interrupted", async () => {
    const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", MAIN, "fake", "--port", "0", "--seed", "7"], { env: { PATH: process.env.PATH } });
    let output = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match) resolve(match[1]!);
      });
      child.on("exit", () => reject(new Error(`exited early: ${output}`)));
    });
    const token = /GLADLY_API_TOKEN=(\S+)/.exec(output)![1]!;
    const email = /GLADLY_AGENT_EMAIL=(\S+)/.exec(output)![1]!;
    const response = await fetch(`${url}/api/v1/organization`, { headers: { Authorization: `Basic ${Buffer.from(`${email}:${token}`).toString("base64")}` } });
    expect(response.status).toBe(200);
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
  });

  it("rejects a bad port", async () => {
    const run = await gladly(["fake", "--port", "http"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--port http: not a port number");
  });
});

describe("gladly demo (npm start)", () => {
  it("tours the fake and reports no 429", async () => {
    const run = await gladly(["demo"], { GLADLY_BASE_URL: "", GLADLY_AGENT_EMAIL: "", GLADLY_API_TOKEN: "" });
    expect(run.code).toBe(0);
    for (const step of [
      "customers.createCustomer",
      "conversations.createItem",
      "conversations.addNoteToConversation",
      "conversations.addTopicToConversation",
      "tasks.createTask",
      "publicAnswers.searchAnswers",
      "events.getEvents",
    ]) {
      expect(run.stdout).toContain(step);
    }
    expect(run.stdout).toMatch(/TASK\/COMMENT_ADDED/);
    expect(run.stdout).toMatch(/: 0 × 429\./);
  }, 30_000);

  it("is read-only against a real organization", async () => {
    const before = fake.requests.length;
    const run = await gladly(["demo"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("read-only");
    const methods = fake.requests.slice(before).map((r) => r.method);
    expect(methods.length).toBeGreaterThanOrEqual(6);
    expect(new Set(methods)).toEqual(new Set(["GET"]));
  }, 30_000);
});

describe("streaming commands", () => {
  it("export download saves every file of a job", async () => {
    const job = [...fake.state.exportJobs.values()][0]!;
    const out = join(dir, "export");
    const run = await gladly(["export", "download", job.id, "--dir", out]);
    expect(run.code).toBe(0);
    expect(
      run.stdout
        .trim()
        .split("\n")
        .map((p) => p.split("/").pop())
        .sort(),
    ).toEqual([...job.files!].sort());
  });

  it("events tail prints NDJSON, keeps its cursor in a file, and resumes without repeats", async () => {
    const cursorFile = join(dir, "cursor.json");
    const env = { PATH: process.env.PATH, GLADLY_BASE_URL: fake.url, GLADLY_AGENT_EMAIL: fake.agentEmail, GLADLY_API_TOKEN: fake.apiToken };
    const since = new Date(fake.clock.now() - 5000).toISOString();
    const tailOnce = async (wantLines: number, extra: string[]) => {
      const child = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          MAIN,
          "events",
          "tail",
          "--entities",
          "TASK",
          "--interval",
          "50",
          "--lag",
          String(Date.now() - fake.clock.now()),
          "--cursor-file",
          cursorFile,
          ...extra,
        ],
        { env },
      );
      let out = "";
      await new Promise<void>((resolve) => {
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          if (out.trim().split("\n").filter(Boolean).length >= wantLines) resolve();
        });
        setTimeout(resolve, 8000);
      });
      child.kill("SIGINT");
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      return {
        code,
        ids: out
          .trim()
          .split("\n")
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { content: { taskId: string } }).content.taskId),
      };
    };
    const inbox = fake.state.defaultInboxId;
    const api = createGladlyClient({ ...fake.clientOptions(), rateLimit: false });
    await api.customers.createCustomer({ body: { id: "cli-tail", name: "CLI tail" } });
    await api.tasks.createTask({ customerId: "cli-tail", body: { id: "cli-task-1", assignee: { inboxId: inbox }, body: "b", dueAt: "2030-01-01T00:00:00Z" } });
    // The fake's clock runs ahead of real time (earlier tests advanced it): a negative lag keeps up with it.
    const first = await tailOnce(1, ["--since", since]);
    expect(first.code).toBe(0);
    expect(first.ids).toEqual(["cli-task-1"]);
    expect(JSON.parse(await readFile(cursorFile, "utf8"))).toMatchObject({ v: 1 });
    await api.tasks.createTask({ customerId: "cli-tail", body: { id: "cli-task-2", assignee: { inboxId: inbox }, body: "b", dueAt: "2030-01-01T00:00:00Z" } });
    const second = await tailOnce(1, []);
    expect(second.ids).toEqual(["cli-task-2"]);
  }, 30_000);
});

describe("gladly mcp", () => {
  it("serves the tools over stdio to an MCP client", async () => {
    const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
    const { StdioClientTransport } = await import("@modelcontextprotocol/sdk/client/stdio.js");
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ["--import", "tsx", MAIN, "mcp", "--tags", "organization,teams"],
      env: { PATH: process.env.PATH ?? "", GLADLY_BASE_URL: fake.url, GLADLY_AGENT_EMAIL: fake.agentEmail, GLADLY_API_TOKEN: fake.apiToken },
    });
    const client = new Client({ name: "cli-test", version: "1" });
    await client.connect(transport);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["getOrganization", "getTeam", "getTeams"]);
    const result = await client.callTool({ name: "getTeams", arguments: {} });
    expect((result.content as { text: string }[])[0]!.text).toContain("Tier 1");
    await client.close();
  }, 30_000);
});
