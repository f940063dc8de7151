/**
 * The caller's abort is a GladlyAbortError also once the answer's headers are in and the body is
 * read outside the pipeline (openapi-fetch methods, stream helpers), as it is for grouped methods
 * (test/client.test.ts); a body that breaks off there is a GladlyConnectionError, not an abort.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GladlyAbortError, GladlyConnectionError, createGladlyClient } from "../src/index.ts";
import { type TestServer, startServer } from "./helpers/server.ts";

const EVENT = { id: "e1", type: "TASK/CREATED", timestamp: new Date().toISOString(), content: { taskId: "t1" } };

/** The start of each body; the rest never comes, or (under /cut/) the connection drops. */
function firstPart(path: string): { type: string; text: string } {
  if (path.includes("/events")) return { type: "application/x-jsonlines", text: `${JSON.stringify(EVENT)}\n` };
  if (path.includes("/files/")) return { type: "application/x-ndjson", text: '{"id":"a1","name":"Ann"}\n' };
  if (path.includes("/reports")) return { type: "text/csv", text: "Agent,Contacts\r\nAnn,3\r\n" };
  if (path.includes("/media/")) return { type: "audio/mpeg", text: "ID3" };
  return { type: "application/json", text: '{"id":"t1","status":' };
}

let server: TestServer;
let dir: string;
let arrived = () => {};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gladly-aborts-"));
  server = await startServer((req, res) => {
    const path = req.url.replace(/^\/cut/, "");
    if (path.includes("/hang")) {
      arrived();
      return; // no answer at all
    }
    if (/^\/api\/v1\/export\/jobs\/[^/]+$/.test(path)) {
      const status = path.endsWith("/running") ? "IN_PROGRESS" : "COMPLETED";
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ id: "j1", status, files: ["agents.jsonl"] }));
      return;
    }
    const { type, text } = firstPart(path);
    res.writeHead(200, { "Content-Type": type });
    res.write(text);
    if (req.url.startsWith("/cut")) setTimeout(() => res.socket?.destroy(), 20);
  });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** A client whose call is aborted the moment its answer's headers are in (hooks.onResponse), so the abort lands in the body. */
function abortingOnHeaders(urlPart: string) {
  const controller = new AbortController();
  const reason = new Error("no longer needed");
  const gladly = createGladlyClient({
    baseUrl: server.url,
    agentEmail: "agent@example.com",
    apiToken: "token",
    rateLimit: false,
    retry: false,
    hooks: {
      onResponse: ({ url }) => {
        if (url.includes(urlPart)) controller.abort(reason);
      },
    },
  });
  return { gladly, signal: controller.signal, reason };
}

async function expectAbort(run: Promise<unknown>, where: string, reason: unknown): Promise<void> {
  const error = (await run.then(
    () => undefined,
    (e: unknown) => e,
  )) as Error;
  expect(error).toBeInstanceOf(GladlyAbortError);
  expect(error).not.toBeInstanceOf(GladlyConnectionError);
  expect(error.message).toBe(`${where}: aborted by the caller`);
  expect(error.cause).toBe(reason);
}

async function drain(records: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const record of records) out.push(record);
  return out;
}

const report = { body: { metricSet: "AgentSummary" as const, startAt: "2026-11-01", endAt: "2026-11-02" } };

describe("an abort while the body is read is a GladlyAbortError carrying the signal's reason", () => {
  it("openapi-fetch methods (gladly.GET), whose body openapi-fetch reads, as before the headers", async () => {
    const { gladly, signal, reason } = abortingOnHeaders("/tasks/");
    await expectAbort(gladly.GET("/tasks/{taskId}", { params: { path: { taskId: "t1" } }, signal }), "GET /api/v1/tasks/t1", reason);
    const waiting = new AbortController();
    const there = new Promise<void>((resolve) => (arrived = resolve));
    const pending = gladly.GET("/tasks/{taskId}", { params: { path: { taskId: "hang" } }, signal: waiting.signal });
    await there;
    waiting.abort(reason);
    await expectAbort(pending, "GET /api/v1/tasks/hang", reason);
  });

  it("events.iterate", async () => {
    const { gladly, signal, reason } = abortingOnHeaders("/events");
    const events = gladly.events.iterate({ entities: ["TASK"], startAt: new Date(Date.now() - 60_000), signal });
    await expectAbort(drain(events), "GET /api/v1/events", reason);
  });

  it("export.readFile and export.downloadJob (which leaves nothing under the real name)", async () => {
    const first = abortingOnHeaders("/files/");
    await expectAbort(
      drain(first.gladly.export.readFile("j1", "agents.jsonl", { signal: first.signal })),
      "GET /api/v1/export/jobs/j1/files/agents.jsonl",
      first.reason,
    );
    const second = abortingOnHeaders("/files/");
    const target = join(dir, "download");
    await expectAbort(
      second.gladly.export.downloadJob("j1", target, { signal: second.signal }),
      "GET /api/v1/export/jobs/j1/files/agents.jsonl",
      second.reason,
    );
    expect(await readdir(target)).not.toContain("agents.jsonl");
  });

  it("export.waitForJob, between polls", async () => {
    const controller = new AbortController();
    const reason = new Error("no longer needed");
    const gladly = createGladlyClient({ baseUrl: server.url, agentEmail: "agent@example.com", apiToken: "token", rateLimit: false, retry: false });
    const waiting = gladly.export.waitForJob("running", { intervalMs: 600_000, signal: controller.signal });
    // Once the first poll has answered, the helper waits 10 minutes for the next: the abort lands there.
    while (!server.requests.some((r) => r.url.endsWith("/export/jobs/running"))) await new Promise((resolve) => setTimeout(resolve, 5));
    setTimeout(() => controller.abort(reason), 50);
    await expectAbort(waiting, "GET /api/v1/export/jobs/running", reason);
  });

  it("reports.open: its rows and its raw CSV stream", async () => {
    const first = abortingOnHeaders("/reports");
    const opened = await first.gladly.reports.open(report, { signal: first.signal });
    await expectAbort(drain(opened.rows()), "POST /api/v1/reports", first.reason);
    const second = abortingOnHeaders("/reports");
    const raw = await second.gladly.reports.open(report, { signal: second.signal });
    await expectAbort(new Response(raw.body).text(), "POST /api/v1/reports", second.reason);
  });

  it("conversations.openRecording and saveRecording", async () => {
    const first = abortingOnHeaders("/media/");
    const audio = await first.gladly.conversations.openRecording({ itemId: "i1" }, { signal: first.signal });
    await expectAbort(new Response(audio).arrayBuffer(), "GET /api/v1/conversation-items/i1/media/recording", first.reason);
    const second = abortingOnHeaders("/media/");
    const target = join(dir, "call.mp3");
    await expectAbort(
      second.gladly.conversations.saveRecording({ itemId: "i1" }, target, { signal: second.signal }),
      "GET /api/v1/conversation-items/i1/media/recording",
      second.reason,
    );
    expect(await readdir(dir)).not.toContain("call.mp3");
  });
});

describe("a body that breaks off, unasked, is a GladlyConnectionError", () => {
  const gladly = () => createGladlyClient({ baseUrl: `${server.url}/cut`, agentEmail: "agent@example.com", apiToken: "token", rateLimit: false, retry: false });

  async function expectCut(run: Promise<unknown>, where: string): Promise<void> {
    const error = (await run.then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(error).toBeInstanceOf(GladlyConnectionError);
    expect(error.message).toMatch(new RegExp(`^${where}: the body broke off: `));
  }

  it("in openapi-fetch methods and in every stream helper", async () => {
    await expectCut(gladly().GET("/tasks/{taskId}", { params: { path: { taskId: "t1" } } }), "GET /cut/api/v1/tasks/t1");
    await expectCut(drain(gladly().events.iterate({ entities: ["TASK"], startAt: new Date(Date.now() - 60_000) })), "GET /cut/api/v1/events");
    await expectCut(drain(gladly().export.readFile("j1", "agents.jsonl")), "GET /cut/api/v1/export/jobs/j1/files/agents.jsonl");
    await expectCut(drain((await gladly().reports.open(report)).rows()), "POST /cut/api/v1/reports");
    await expectCut(
      new Response(await gladly().conversations.openRecording({ itemId: "i1" })).arrayBuffer(),
      "GET /cut/api/v1/conversation-items/i1/media/recording",
    );
  });
});
