/** Streams: line splitting, events, exports, reports, media and capped lists. */
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GladlyInputError, GladlyStreamError, createGladlyClient } from "../src/index.ts";
import { lines } from "../src/streams/lines.ts";
import { filenameFromDisposition } from "../src/streams/reports.ts";
import { type FakeGladly, startFakeGladly } from "../src/testing/index.ts";
import { startServer } from "./helpers/server.ts";

let fake: FakeGladly;
beforeAll(async () => {
  fake = await startFakeGladly({ rateLimit: false });
});
afterAll(() => fake.close());
const client = (options: Parameters<typeof createGladlyClient>[0] = {}) =>
  createGladlyClient({ ...fake.clientOptions(), rateLimit: false, retry: { initialDelayMs: 5 }, ...options });

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    pull(controller) {
      const next = chunks.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}

async function collect(body: ReadableStream<Uint8Array>) {
  const out: { text: string; number: number }[] = [];
  for await (const line of lines(body)) out.push(line);
  return out;
}

describe("lines", () => {
  const text = '{"a":"é"}\r\n\n{"b":"日本"}\n  \n{"c":3}';
  const bytes = new TextEncoder().encode(text);

  it("survive chunks of one byte, even inside a UTF-8 character", async () => {
    const oneByOne = [...bytes].map((b) => new Uint8Array([b]));
    expect(await collect(streamOf(oneByOne))).toEqual([
      { text: '{"a":"é"}', number: 1 },
      { text: '{"b":"日本"}', number: 3 },
      { text: '{"c":3}', number: 5 },
    ]);
  });

  it("give the same lines for any chunking", async () => {
    const whole = await collect(streamOf([bytes]));
    for (const size of [2, 3, 5, 7]) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.slice(i, i + size));
      expect(await collect(streamOf(chunks))).toEqual(whole);
    }
  });

  it("a malformed line is a GladlyStreamError with its number and an excerpt, not the body", async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/x-jsonlines" });
      res.end(`{"id":"1","type":"TASK/CREATED","timestamp":"${new Date().toISOString()}","content":{}}\n{broken ${"x".repeat(500)}\n{"id":"3"}\n`);
    });
    const gladly = createGladlyClient({ baseUrl: server.url, agentEmail: "a@example.com", apiToken: "t", rateLimit: false });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const event of gladly.events.iterate({ entities: ["TASK"], startAt: new Date(Date.now() - 60_000) })) seen.push((event as { id: string }).id);
    })().catch((e: unknown) => e);
    await server.close();
    expect(seen).toEqual(["1"]);
    expect(error).toBeInstanceOf(GladlyStreamError);
    expect((error as GladlyStreamError).line).toBe(2);
    expect((error as GladlyStreamError).excerpt.length).toBeLessThanOrEqual(121);
    expect((error as Error).message).toContain("line 2 is not JSON");
  });

  it("breaking out of the loop releases the connection", async () => {
    let closed = false;
    const server = await startServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/x-jsonlines" });
      let n = 0;
      const timer = setInterval(() => res.write(`{"id":"${n++}","type":"TASK/CREATED","timestamp":"${new Date().toISOString()}","content":{}}\n`), 5);
      res.on("close", () => {
        closed = true;
        clearInterval(timer);
      });
    });
    const gladly = createGladlyClient({ baseUrl: server.url, agentEmail: "a@example.com", apiToken: "t", rateLimit: false });
    let count = 0;
    for await (const _ of gladly.events.iterate({ entities: ["TASK"], startAt: new Date(Date.now() - 60_000) })) if (++count === 3) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(true);
    await server.close();
  });
});

describe("lines: work and memory stay bounded", () => {
  /** Counts the characters or bytes indexOf looks at: the splitter's searching, whatever it splits. */
  async function scannedWhile(run: () => Promise<unknown>): Promise<number> {
    let scanned = 0;
    const count = (length: number, from: number | undefined, found: number) => {
      const start = Math.max(0, from ?? 0);
      scanned += (found === -1 ? length : found + 1) - start;
    };
    const stringIndexOf = String.prototype.indexOf;
    const bytesIndexOf = Uint8Array.prototype.indexOf;
    String.prototype.indexOf = function (this: string, search: string, from?: number) {
      const found = stringIndexOf.call(this, search, from);
      if (search === "\n") count(this.length, from, found);
      return found;
    };
    Uint8Array.prototype.indexOf = function (this: Uint8Array, search: number, from?: number) {
      const found = bytesIndexOf.call(this, search, from);
      if (search === 10) count(this.length, from, found);
      return found;
    };
    try {
      await run();
    } finally {
      String.prototype.indexOf = stringIndexOf;
      Uint8Array.prototype.indexOf = bytesIndexOf;
    }
    return scanned;
  }

  const repeated = (chunk: Uint8Array, times: number) => streamOf(Array.from({ length: times }, () => chunk));

  it("look at each byte about once, however long a line is (no rescanning per chunk)", async () => {
    // 1 MiB with no newline, in 1 KiB chunks: rescanning the buffer on each chunk looks at ~512 MiB.
    const size = 1 << 20;
    let got: { text: string; number: number }[] = [];
    const scanned = await scannedWhile(async () => {
      got = await collect(repeated(new Uint8Array(1024).fill(120), size / 1024));
    });
    expect(got).toHaveLength(1);
    expect(got[0]!.text.length).toBe(size);
    expect(scanned).toBeGreaterThanOrEqual(size);
    expect(scanned).toBeLessThanOrEqual(2 * size);
  });

  it("the lines before a line that is too long, in the same chunk, come out first", async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("a\nTOOLONG\nb\n"));
        controller.close();
      },
    });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const { text } of lines(body, { maxLineBytes: 3 })) seen.push(text);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(["a"]);
    expect(error).toBeInstanceOf(GladlyStreamError);
    expect((error as GladlyStreamError).line).toBe(2);
  });

  it("a line longer than maxLineBytes is a GladlyStreamError as soon as it gets there, and the body is cancelled", async () => {
    const chunk = new TextEncoder().encode("x".repeat(1000));
    let pulled = 0;
    let cancelled = false;
    // 200 kB with no newline (finite, so a splitter without a limit ends too, and the test fails).
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (++pulled > 200) controller.close();
        else controller.enqueue(chunk);
      },
      cancel() {
        cancelled = true;
      },
    });
    const error = await (async () => {
      for await (const _ of lines(endless, { maxLineBytes: 10_000 })) expect.unreachable();
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GladlyStreamError);
    expect(error).toMatchObject({ line: 1, reason: "too-long" });
    expect((error as GladlyStreamError).excerpt).toBe(`${"x".repeat(120)}…`);
    expect((error as Error).message).toContain("longer than 10000 bytes");
    expect(pulled).toBeLessThanOrEqual(13);
    expect(cancelled).toBe(true);
  });

  it("the default limit is 64 MiB: a 65 MiB line stops, a line of exactly the limit passes", async () => {
    const mib = new Uint8Array(1 << 20).fill(97);
    const error = await collect(repeated(mib, 65)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GladlyStreamError);
    expect((error as GladlyStreamError).line).toBe(1);
    const exact = await collect(streamOf([new TextEncoder().encode("ab\n"), new Uint8Array(10).fill(97), new TextEncoder().encode("\n")]));
    expect(exact.map((l) => l.text.length)).toEqual([2, 10]);
    const limited = async (max: number) => {
      const out: string[] = [];
      for await (const line of lines(streamOf([new TextEncoder().encode("ab\n"), new Uint8Array(10).fill(97), new TextEncoder().encode("\n")]), {
        maxLineBytes: max,
      }))
        out.push(line.text);
      return out;
    };
    expect(await limited(10)).toEqual(["ab", "a".repeat(10)]);
    await expect(limited(9)).rejects.toMatchObject({ line: 2, reason: "too-long" });
  });

  it("events.iterate and export.readFile take maxLineBytes, checked before any request", async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/x-jsonlines" });
      res.end(`{"id":"1","type":"TASK/CREATED","timestamp":"${new Date().toISOString()}","content":{"pad":"${"p".repeat(300)}"}}\n`);
    });
    const gladly = createGladlyClient({ baseUrl: server.url, agentEmail: "a@example.com", apiToken: "t", rateLimit: false });
    const events = (maxLineBytes: number) => gladly.events.iterate({ entities: ["TASK"], startAt: new Date(Date.now() - 60_000), maxLineBytes }).next();
    await expect(events(100)).rejects.toMatchObject({ name: "GladlyStreamError", reason: "too-long", line: 1, method: "GET" });
    expect((await events(1000)).value).toMatchObject({ id: "1" });
    await expect(gladly.export.readFile("job", "customers.jsonl", { maxLineBytes: 100 }).next()).rejects.toMatchObject({ reason: "too-long" });
    const before = server.requests.length;
    await expect(events(0)).rejects.toBeInstanceOf(GladlyInputError);
    await expect(gladly.export.readFile("job", "customers.jsonl", { maxLineBytes: -1 }).next()).rejects.toBeInstanceOf(GladlyInputError);
    // Nothing is sent before the first record is asked for.
    const unread = gladly.export.readFile("job", "customers.jsonl");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requests.length).toBe(before);
    expect((await unread.next()).done).toBe(false);
    expect(server.requests.length).toBe(before + 1);
    await server.close();
  });
});

describe("events.iterate", () => {
  it("walks a range in windows and yields every event once, in order", async () => {
    fake.clock.advance(60_000);
    const start = new Date(fake.clock.now());
    const gladly = client();
    for (let i = 0; i < 5; i++) {
      await gladly.customers.createCustomer({ body: { id: `it-${i}`, name: `Iterate ${i}` } });
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    // The fake's clock runs ahead of the client's; a client-side range of its own time covers it.
    const events: string[] = [];
    const before = fake.requests.length;
    for await (const event of gladly.events.iterate({
      entities: ["CUSTOMER_PROFILE"],
      startAt: new Date(start.getTime() - 1),
      endAt: new Date(fake.clock.now()),
      windowMs: 20,
    })) {
      events.push((event.content as { customerId: string }).customerId);
    }
    expect(events).toEqual(["it-0", "it-1", "it-2", "it-3", "it-4"]);
    expect(fake.requests.slice(before).filter((r) => r.operationId === "getEvents").length).toBeGreaterThan(2);
  });

  it("rejects unknown entities and a start more than 24 hours ago before any request", async () => {
    const gladly = client();
    const before = fake.requests.length;
    await expect(gladly.events.iterate({ entities: ["TICKET" as "TASK"], startAt: new Date() }).next()).rejects.toThrow(/TICKET is not an entity/);
    await expect(gladly.events.iterate({ entities: ["TASK"], startAt: new Date(Date.now() - 25 * 3600_000) }).next()).rejects.toThrow(/more than 24 hours ago/);
    await expect(gladly.events.iterate({ entities: ["TASK"], startAt: "yesterday-ish" }).next()).rejects.toBeInstanceOf(GladlyInputError);
    expect(fake.requests.length).toBe(before);
  });
});

describe("events.tail", () => {
  it("yields each event once, resumes from a cursor without gaps or repeats, and stops on abort", async () => {
    const gladly = client();
    const offset = fake.clock.now() - Date.now();
    const since = new Date(Date.now() + offset);
    const controller = new AbortController();
    // The fake's clock is ahead of the test's: stay behind it by that much, like a lag.
    const tail = gladly.events.tail({ entities: ["TASK"], since, intervalMs: 20, lagMs: -offset, signal: controller.signal });
    const inbox = fake.state.defaultInboxId;
    await gladly.customers.createCustomer({ body: { id: "tail-c", name: "Tail" } });
    for (let i = 0; i < 3; i++)
      await gladly.tasks.createTask({
        customerId: "tail-c",
        body: { id: `tail-${i}`, assignee: { inboxId: inbox }, body: "b", dueAt: "2030-01-01T00:00:00Z" },
      });
    const first: string[] = [];
    for await (const event of tail) {
      first.push((event.content as { taskId: string }).taskId);
      if (first.length === 2) break;
    }
    const cursor = tail.cursor;
    for (let i = 3; i < 5; i++)
      await gladly.tasks.createTask({
        customerId: "tail-c",
        body: { id: `tail-${i}`, assignee: { inboxId: inbox }, body: "b", dueAt: "2030-01-01T00:00:00Z" },
      });
    const resumed = gladly.events.tail({ entities: ["TASK"], cursor, intervalMs: 20, lagMs: -offset, signal: controller.signal });
    const second: string[] = [];
    setTimeout(() => controller.abort(), 600);
    for await (const event of resumed) second.push((event.content as { taskId: string }).taskId);
    expect(first).toEqual(["tail-0", "tail-1"]);
    expect(second).toEqual(["tail-2", "tail-3", "tail-4"]);
  });

  it("rejects a cursor that is not one", () => {
    expect(() => client().events.tail({ entities: ["TASK"], cursor: "{}" })).toThrow(/not a cursor/);
  });
});

describe("export", () => {
  it("reads a file as typed records, streaming", async () => {
    const gladly = client();
    const job = (await gladly.export.findJobs({ status: "COMPLETED" }))[0]!;
    const agents: string[] = [];
    for await (const agent of gladly.export.readFile(job.id!, "agents.jsonl")) agents.push(agent.emailAddress!);
    expect(agents).toEqual([...fake.state.agents.values()].map((a) => a.emailAddress));
    const jobs: string[] = [];
    for await (const found of gladly.export.jobsBetween({ startAt: new Date(Date.now() - 40 * 86_400_000) })) jobs.push(found.id!);
    expect(jobs).toEqual([job.id]);
    expect((await gladly.export.waitForJob(job.id!)).status).toBe("COMPLETED");
  });

  it("downloads every file atomically; a failed download leaves nothing under the real name and resumes", async () => {
    const gladly = client();
    const job = (await gladly.export.findJobs({}))[0]!;
    const dir = await mkdtemp(join(tmpdir(), "gladly-export-"));
    const progress: number[] = [];
    const saved = await gladly.export.downloadJob(job.id!, dir, { onProgress: (p) => progress.push(p.filesDone) });
    expect((await readdir(dir)).sort()).toEqual([...job.files!].sort());
    expect(saved).toHaveLength(job.files!.length);
    expect(progress.at(-1)).toBe(job.files!.length);
    expect((await readFile(join(dir, "agents.jsonl"), "utf8")).trim().split("\n")).toHaveLength(3);

    const failing = await mkdtemp(join(tmpdir(), "gladly-export-fail-"));
    fake.inject({ resetConnection: "mid-body", match: { operationId: "getFile" } });
    await expect(client({ retry: false }).export.downloadJob(job.id!, failing)).rejects.toThrow();
    const left = await readdir(failing);
    expect(left.filter((name) => job.files!.includes(name))).toEqual([]);
    expect(left.every((name) => name.endsWith(".partial"))).toBe(true);
    const before = fake.requests.length;
    await client({ retry: false }).export.downloadJob(job.id!, failing);
    expect((await readdir(failing)).sort()).toEqual([...job.files!].sort());
    for (const file of job.files!) expect(await readFile(join(failing, file), "utf8")).toBe(await readFile(join(dir, file), "utf8"));
    // The first file went on from where it broke off.
    expect(fake.requests.slice(before).find((r) => r.operationId === "getFile")!.status).toBe(206);
  });
});

describe("reports", () => {
  it("streams the CSV with its file name and parses rows, quotes and all", async () => {
    const gladly = client();
    const report = await gladly.reports.openWorkSessionEvents({ body: { startAtTime: "2026-11-01T00:00:00Z", endAtTime: "2026-11-02T00:00:00Z" } });
    expect(report.filename).toBe("work-session-events.csv");
    const rows = [];
    for await (const row of report.rows()) rows.push(row);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ Event: "LOGGED_IN", Note: 'start of shift, "early"' });
  });

  it("handles embedded newlines and a BOM", async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "text/csv", "Content-Disposition": "attachment; filename*=UTF-8''agent%20summary.csv" });
      res.end('\ufeffAgent,Note\r\n"Amy","line one\nline two"\r\nBen,"say ""hi"""\r\n');
    });
    const gladly = createGladlyClient({ baseUrl: server.url, agentEmail: "a@example.com", apiToken: "t", rateLimit: false });
    const report = await gladly.reports.open({ body: { metricSet: "AgentSummary", startAt: "2026-11-01", endAt: "2026-11-02" } });
    expect(report.filename).toBe("agent summary.csv");
    const rows = [];
    for await (const row of report.rows()) rows.push(row);
    expect(rows).toEqual([
      { Agent: "Amy", Note: "line one\nline two" },
      { Agent: "Ben", Note: 'say "hi"' },
    ]);
    await server.close();
  });

  it("reads file names from Content-Disposition", () => {
    expect(filenameFromDisposition('attachment; filename="a b.csv"')).toBe("a b.csv");
    expect(filenameFromDisposition("attachment; filename=plain.csv")).toBe("plain.csv");
    expect(filenameFromDisposition(null)).toBeUndefined();
  });
});

describe("media", () => {
  it("streams and saves a recording, and gives an attachment's URL without following it", async () => {
    const gladly = client();
    const call = [...fake.state.items.values()].find((i) => (i.content as { type: string }).type === "PHONE_CALL")!;
    const dir = await mkdtemp(join(tmpdir(), "gladly-media-"));
    await gladly.conversations.saveRecording({ itemId: call.id }, join(dir, "call.mp3"));
    expect([...(await readFile(join(dir, "call.mp3"))).subarray(0, 3)]).toEqual([0x49, 0x44, 0x33]);
    expect(await readdir(dir)).toEqual(["call.mp3"]);
    const email = [...fake.state.items.values()].find((i) => (i.content as { type: string }).type === "EMAIL")!;
    const attachmentId = (email.content as { attachments: { id: string }[] }).attachments[0]!.id;
    const location = await gladly.conversations.attachmentLocation({ itemId: email.id, attachmentId });
    expect(location).toMatch(new RegExp(`^${fake.url}/files/attachments/${attachmentId}\\?signature=`));
  });
});

describe("capped lists", () => {
  it("flag a full list as possibly truncated, and call the hook", async () => {
    const server = await startServer((req, res) => {
      const full = req.url.includes("full");
      res.writeHead(200, { "Content-Type": "application/json", ...(req.url.includes("flagged") && { "Gladly-Limited-Data": "false" }) });
      res.end(
        JSON.stringify(
          Array.from({ length: full || req.url.includes("flagged") ? 100 : 3 }, (_, i) => ({
            id: `c${i}`,
            customerId: "x",
            inboxId: "i",
            createdAt: "",
            status: "OPEN",
          })),
        ),
      );
    });
    const warnings: number[] = [];
    const gladly = createGladlyClient({
      baseUrl: server.url,
      agentEmail: "a@example.com",
      apiToken: "t",
      rateLimit: false,
      hooks: { onTruncated: (i) => warnings.push(i.count) },
    });
    expect((await gladly.conversations.getConversations({ customerId: "full" }, { raw: true })).truncated).toBe(true);
    expect((await gladly.conversations.getConversations({ customerId: "short" }, { raw: true })).truncated).toBe(false);
    expect((await gladly.conversations.getConversations({ customerId: "flagged" }, { raw: true })).truncated).toBe(false);
    expect(warnings).toEqual([100]);
    await server.close();
  });
});
