/** runBulk and its journals, in process: what is skipped, recorded, retried, refused, and when results come out. */
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type BulkJournal, type RowResult, deriveId, fileJournal, memoryJournal, runBulk } from "../src/bulk/index.ts";
import { GladlyInputError, createGladlyClient } from "../src/index.ts";
import { type FakeGladly, startFakeGladly } from "../src/testing/index.ts";

let fake: FakeGladly;
let client: ReturnType<typeof createGladlyClient>;
let dir: string;

beforeAll(async () => {
  fake = await startFakeGladly({ rateLimit: false });
  client = createGladlyClient({ ...fake.clientOptions(), rateLimit: false, retry: false });
});
afterAll(() => fake.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gladly-bulk-runner-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function collect<Row>(run: AsyncIterable<RowResult<Row>>): Promise<RowResult<Row>[]> {
  const out: RowResult<Row>[] = [];
  for await (const result of run) out.push(result);
  return out;
}

const byKey = <Row>(results: RowResult<Row>[]) => Object.fromEntries(results.map((r) => [r.key, r.status]));

/** Journal lines of a file journal, the header first. */
const lines = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe("runBulk with a journal", () => {
  it.each([
    ["memory", () => memoryJournal()],
    ["file", () => fileJournal(join(dir, "journal.jsonl"))],
  ] as const)("skips rows done by an earlier run and tries the failed ones again (%s journal)", async (_, make) => {
    const journal: BulkJournal = make();
    const rows = ["a", "b", "c", "d"];
    let failC = true;
    const calls: string[] = [];
    const run = (row: string) => {
      calls.push(row);
      if (row === "c" && failC) throw new Error("c went wrong");
      return Promise.resolve(row.toUpperCase());
    };
    const first = runBulk({ client, rows, journal, key: (row) => row, run: async (row) => run(row) });
    const results = await collect(first);
    expect(byKey(results)).toEqual({ a: "done", b: "done", c: "failed", d: "done" });
    expect(results.find((r) => r.key === "c")).toMatchObject({ status: "failed", error: { name: "Error", message: "c went wrong" } });
    expect(await first.summary()).toMatchObject({ total: 4, done: 3, skipped: 0, failed: 1 });

    failC = false;
    calls.length = 0;
    const second = runBulk({ client, rows, journal, key: (row) => row, run: async (row) => run(row) });
    const again = await collect(second);
    expect(calls).toEqual(["c"]);
    expect(byKey(again)).toEqual({ a: "skipped", b: "skipped", c: "done", d: "skipped" });
    expect(await second.summary()).toMatchObject({ total: 4, done: 1, skipped: 3, failed: 0 });

    calls.length = 0;
    expect(await runBulk({ client, rows, journal, key: (row) => row, run: async (row) => run(row) }).summary()).toMatchObject({ skipped: 4, done: 0 });
    expect(calls).toEqual([]);
  });

  it("keeps a failed row's error, with Gladly's details, in the file", async () => {
    const path = join(dir, "journal.jsonl");
    fake.state.createCustomer({ name: "Taken", emails: [{ original: "taken@example.com", primary: true }] });
    const summary = await runBulk({
      client,
      rows: [{ email: "taken@example.com" }],
      journal: fileJournal(path),
      job: "customers.createCustomer",
      run: (row, ctx) => ctx.gladly.customers.createCustomer({ body: { emails: [{ original: row.email, primary: true }] } }),
    }).summary();
    expect(summary.failed).toBe(1);
    const [header, entry] = lines(path);
    expect(header).toMatchObject({ format: "gladly-api bulk journal", version: 1, job: "customers.createCustomer", jobId: summary.jobId });
    expect(entry).toMatchObject({
      key: "1",
      status: "failed",
      error: { name: "GladlyConflictError", status: 409, errors: [{ attr: "emails", code: "taken" }] },
    });
  });

  it("creates under the id derived from the job and the row, the same on every run", async () => {
    const path = join(dir, "journal.jsonl");
    const rows = [{ key: "k1", name: "Derived One" }];
    const first = runBulk({
      client,
      rows,
      journal: fileJournal(path),
      key: (r) => r.key,
      run: async (row, ctx) => {
        seenJobIds.push(ctx.jobId);
        return ctx.gladly.customers.createCustomer({ body: { name: row.name } });
      },
    });
    const seenJobIds: string[] = [];
    const [result] = await collect(first);
    const { jobId } = await first.summary();
    const id = await deriveId(jobId, "k1", "createCustomer#1");
    expect(seenJobIds).toEqual([jobId]);
    expect(result).toMatchObject({ status: "done", result: id });
    expect(fake.state.customers.get(id)?.name).toBe("Derived One");
  });

  it("reads back a create whose own id (from the row) an unjournaled earlier run already made", async () => {
    const rows = [{ id: "rowGivenId000000000001", name: "Row Given" }];
    const job = (journal: BulkJournal) =>
      runBulk({ client, rows, journal, key: (r) => r.id, run: (row, ctx) => ctx.gladly.customers.createCustomer({ body: row }) });
    const [first] = await collect(job(memoryJournal()));
    expect(first).toMatchObject({ status: "done", result: "rowGivenId000000000001" });
    // A fresh journal: the run that made it crashed before writing its entry.
    const [again] = await collect(job(memoryJournal()));
    expect(again).toMatchObject({ status: "done", result: "rowGivenId000000000001" });
    expect([...fake.state.customers.values()].filter((c) => c.name === "Row Given")).toHaveLength(1);
  });

  it("cuts off a line torn by a crash, so later entries start on a line of their own", async () => {
    const path = join(dir, "journal.jsonl");
    const rows = ["a", "b", "c"];
    const journal = fileJournal(path);
    let failB = true;
    const run = async (row: string) => {
      if (row === "b" && failB) throw new Error("b failed");
      return row;
    };
    await runBulk({ client, rows, journal, key: (r) => r, run }).summary();
    // A crash in the middle of writing an entry for b:
    appendFileSync(path, '{"key":"b","status":"do');
    failB = false;
    const second = await collect(runBulk({ client, rows, journal, key: (r) => r, run }));
    expect(byKey(second)).toEqual({ a: "skipped", b: "done", c: "skipped" });
    // Every line of the file is whole JSON again (the torn one is gone, not glued to the next).
    const all = lines(path);
    expect(all.slice(1).map((e) => [e.key, e.status])).toEqual([
      ["a", "done"],
      ["b", "failed"],
      ["c", "done"],
      ["b", "done"],
    ]);
    expect(byKey(await collect(runBulk({ client, rows, journal, key: (r) => r, run })))).toEqual({ a: "skipped", b: "skipped", c: "skipped" });
  });

  it("cuts off a header torn by a crash before any entry", async () => {
    const path = join(dir, "journal.jsonl");
    writeFileSync(path, '{"format":"gladly-api bulk jour');
    const summary = await runBulk({ client, rows: ["a"], journal: fileJournal(path), key: (r) => r, run: async () => 1 }).summary();
    expect(summary.done).toBe(1);
    expect(lines(path).map((l) => l.format ?? l.status)).toEqual(["gladly-api bulk journal", "done"]);
  });

  it.each([
    ["file", () => fileJournal(join(dir, "journal.jsonl"))],
    ["memory", () => memoryJournal()],
  ] as const)("refuses a journal of another job with GladlyInputError (%s)", async (_, make) => {
    const journal = make();
    await runBulk({ client, rows: ["a"], journal, job: "customers.createCustomer", run: async () => 1 }).summary();
    const other = runBulk({ client, rows: ["a"], journal, job: "customers.deleteCustomer", run: async () => 1 });
    const error = await other.summary().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GladlyInputError);
    expect((error as Error).message).toMatch(/customers\.createCustomer.*customers\.deleteCustomer/);
  });

  it.each([
    ["a CSV", "name,email\nAda,ada@example.com\n"],
    ["JSON that is not a journal", '{"rows":[1,2,3]}\n'],
    ["text without a newline", "notes about the import"],
    ["one byte", "x"],
  ])("refuses %s as a journal and leaves it as it was", async (_, content) => {
    const path = join(dir, "rows.csv");
    writeFileSync(path, content);
    const ran: string[] = [];
    const job = runBulk({
      client,
      rows: ["a"],
      journal: fileJournal(path),
      run: async (row) => {
        ran.push(row);
      },
    });
    const error = await job.summary().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GladlyInputError);
    expect((error as Error).message).toContain(path);
    expect(readFileSync(path, "utf8")).toBe(content);
    expect(ran).toEqual([]);
  });

  it("refuses a journal with a line that is JSON but not an entry, with GladlyInputError", async () => {
    const path = join(dir, "journal.jsonl");
    await runBulk({ client, rows: ["a"], journal: fileJournal(path), run: async () => 1 }).summary();
    appendFileSync(path, "null\n");
    const error = await runBulk({ client, rows: ["a"], journal: fileJournal(path), run: async () => 1 })
      .summary()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GladlyInputError);
  });
});

describe("fileJournal's lock", () => {
  it("refuses a journal that is not a regular file (a device would never end), and leaves it alone", async () => {
    await expect(runBulk({ client, rows: ["a"], journal: fileJournal("/dev/zero"), run: async () => 1 }).summary()).rejects.toThrow(/not a regular file/);
    await expect(runBulk({ client, rows: ["a"], journal: fileJournal(dir), run: async () => 1 }).summary()).rejects.toThrow(/not a regular file/);
    expect(existsSync("/dev/zero.lock")).toBe(false);
  });

  it("refuses a second run on a journal in use, and lets the next one in once the first is done", async () => {
    const path = join(dir, "locked.jsonl");
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = runBulk({ client, rows: ["a"], journal: fileJournal(path), run: () => gate });
    const firstDone = first.summary();
    // Wait until the first run holds the journal.
    while (!existsSync(`${path}.lock`)) await new Promise((resolve) => setTimeout(resolve, 5));
    const second = runBulk({ client, rows: ["a"], journal: fileJournal(path), run: async () => "twice" });
    await expect(second.summary()).rejects.toThrow(/in use by process \d+/);
    release();
    expect(await firstDone).toMatchObject({ done: 1 });
    expect(existsSync(`${path}.lock`)).toBe(false);
    expect(await runBulk({ client, rows: ["a"], journal: fileJournal(path), run: async () => "again" }).summary()).toMatchObject({ skipped: 1 });
  });

  it("takes over the lock of a process that died (kill -9), and refuses one held on another machine", async () => {
    const path = join(dir, "stale.jsonl");
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: dead, host: hostname() }));
    expect(await runBulk({ client, rows: ["a"], journal: fileJournal(path), run: async () => 1 }).summary()).toMatchObject({ done: 1 });
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: 1, host: "another-machine" }));
    await expect(runBulk({ client, rows: ["b"], journal: fileJournal(path), run: async () => 1 }).summary()).rejects.toThrow(/another-machine/);
  });
});

describe("runBulk's row keys", () => {
  it("reports a row whose key function throws as failed and goes on with the others", async () => {
    const ran: number[] = [];
    const results = await collect(
      runBulk({
        client,
        rows: [1, 2, 3],
        key: (row) => {
          if (row === 2) throw new Error("no id column");
          return `r${row}`;
        },
        run: async (row) => ran.push(row),
      }),
    );
    expect(ran.sort()).toEqual([1, 3]);
    expect(results.find((r) => r.index === 2)).toMatchObject({ status: "failed", error: { message: "no id column" } });
    expect(results.filter((r) => r.status === "done").map((r) => r.key)).toEqual(expect.arrayContaining(["r1", "r3"]));
  });

  it("fails a row whose key is missing or empty instead of running it under that key", async () => {
    const journal = memoryJournal();
    const ran: string[] = [];
    const rows = [{ email: "a@example.com" }, { email: undefined }, { email: "" }, { email: undefined }];
    const results = await collect(
      runBulk({
        client,
        rows,
        journal,
        key: (row) => row.email as string,
        run: async (row) => {
          ran.push(String(row.email));
        },
      }),
    );
    expect(ran).toEqual(["a@example.com"]);
    expect(results.filter((r) => r.status === "failed").map((r) => r.index)).toEqual([2, 3, 4]);
    for (const failed of results.filter((r) => r.status === "failed")) expect(failed).toMatchObject({ error: { name: "GladlyInputError" } });
  });
});

describe("runBulk's own checks", () => {
  it("fails a row whose key repeats an earlier row's, instead of merging the two", async () => {
    const rows = [
      { k: "same", name: "Dup First" },
      { k: "same", name: "Dup Second" },
    ];
    const results = (
      await collect(runBulk({ client, rows, key: (r) => r.k, run: (row, ctx) => ctx.gladly.customers.createCustomer({ body: { name: row.name } }) }))
    ).sort((a, b) => a.index - b.index);
    expect(results.map((r) => r.status)).toEqual(["done", "failed"]);
    expect(results[1]).toMatchObject({ index: 2, error: { name: "GladlyInputError", message: expect.stringContaining("of row 1") } });
    expect([...fake.state.customers.values()].filter((c) => c.name?.startsWith("Dup "))).toHaveLength(1);
  });

  it("stops reading rows once Gladly refuses the credentials (401), saying why", async () => {
    const refused = createGladlyClient({ ...fake.clientOptions(), apiToken: "wrong-token", rateLimit: false });
    let started = 0;
    const run = runBulk({
      client: refused,
      rows: Array.from({ length: 50 }, (_, i) => i),
      concurrency: 2,
      run: (_row, ctx) => {
        started++;
        return ctx.gladly.organization.getOrganization();
      },
    });
    const summary = await run.summary();
    expect(summary).toMatchObject({ stopped: true, stopReason: expect.stringContaining("401") });
    expect(started).toBeLessThan(5);
    expect(summary.failed).toBe(started);
  });

  it("rides out a spell of 429s with its patient retries, where the client's defaults give up", async () => {
    const conversationId = fake.state.openConversation(fake.state.createCustomer({ name: "Patient" }).id).id!;
    fake.inject({ match: { operationId: "getConversation" }, status: 429, retryAfter: 0, times: 6 });
    const [result] = await collect(
      runBulk({ client, rows: [conversationId], run: (id, ctx) => ctx.gladly.conversations.getConversation({ conversationId: id }) }),
    );
    expect(result).toMatchObject({ status: "done" });
    fake.inject({ match: { operationId: "getConversation" }, status: 429, retryAfter: 0, times: 6 });
    const [impatient] = await collect(
      runBulk({ client, rows: [conversationId], retry: { maxRetries: 3 }, run: (id, ctx) => ctx.gladly.conversations.getConversation({ conversationId: id }) }),
    );
    expect(impatient).toMatchObject({ status: "failed", error: { status: 429 } });
  });

  it("gives no MaxListenersExceededWarning with many rows listening to one signal", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      const controller = new AbortController();
      const conversationId = fake.state.openConversation(fake.state.createCustomer({ name: "Listeners" }).id).id!;
      const summary = await runBulk({
        client,
        rows: Array.from({ length: 60 }, (_, i) => i),
        concurrency: 30,
        signal: controller.signal,
        run: (_row, ctx) => ctx.gladly.conversations.getConversation({ conversationId }),
      }).summary();
      expect(summary.done).toBe(60);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings).not.toContain("MaxListenersExceededWarning");
  });
});

describe("runBulk's flow", () => {
  it("has at most `concurrency` rows in progress, and reaches it", async () => {
    let active = 0;
    let most = 0;
    const summary = await runBulk({
      client,
      rows: Array.from({ length: 40 }, (_, i) => i),
      concurrency: 4,
      run: async () => {
        active++;
        most = Math.max(most, active);
        await new Promise((resolve) => setTimeout(resolve, 2));
        active--;
      },
    }).summary();
    expect(summary.done).toBe(40);
    expect(most).toBe(4);
  });

  it("streams results while the input is still open", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* rows() {
      yield "a";
      yield "b";
      yield "c";
      await gate;
      yield "d";
    }
    const seen: string[] = [];
    const job = runBulk({ client, rows: rows(), key: (r) => r, run: async (row) => row });
    const reading = (async () => {
      for await (const result of job) seen.push(result.key);
    })();
    // The input stays open until three results are out: waiting for it would never end.
    await vi.waitFor(() => expect(seen.sort()).toEqual(["a", "b", "c"]), { timeout: 10_000, interval: 10 });
    release();
    await reading;
    expect(seen.sort()).toEqual(["a", "b", "c", "d"]);
    expect(await job.summary()).toMatchObject({ total: 4, done: 4 });
  });

  it("stops on abort while waiting for input that has not come", async () => {
    const controller = new AbortController();
    async function* rows() {
      yield "a";
      await new Promise(() => {});
    }
    const seen: string[] = [];
    const job = runBulk({ client, rows: rows(), key: (r) => r, signal: controller.signal, run: async (row) => row });
    const reading = (async () => {
      for await (const result of job) seen.push(result.key);
    })();
    await vi.waitFor(() => expect(seen).toEqual(["a"]), { timeout: 10_000, interval: 10 });
    controller.abort();
    await reading;
    expect(await job.summary()).toMatchObject({ total: 1, done: 1, stopped: true });
  });

  it("leaves rows in progress at an abort unrecorded, so the next run does them", async () => {
    const journal = memoryJournal();
    const controller = new AbortController();
    const hold = fake.inject({ match: { operationId: "getCustomer" }, delayMs: 2_000, times: Infinity });
    const customer = fake.state.createCustomer({ name: "Read in bulk" });
    const started = new Set<string>();
    const rows = ["a", "b", "c", "d", "e", "f"];
    const job = runBulk({
      client,
      rows,
      journal,
      key: (r) => r,
      concurrency: 2,
      signal: controller.signal,
      run: async (row, ctx) => {
        started.add(row);
        if (row === "a" || row === "b") return row;
        return ctx.gladly.customers.getCustomer({ customerId: customer.id });
      },
    });
    const results: string[] = [];
    const reading = (async () => {
      for await (const result of job) results.push(`${result.key}:${result.status}`);
    })();
    await vi.waitFor(() => expect(started.has("c") && started.has("d")).toBe(true), { timeout: 10_000, interval: 10 });
    controller.abort();
    await reading;
    hold.cancel();
    expect(results.sort()).toEqual(["a:done", "b:done"]);
    expect(await job.summary()).toMatchObject({ total: 2, done: 2, failed: 0, stopped: true });

    const ran: string[] = [];
    const again = await collect(
      runBulk({
        client,
        rows,
        journal,
        key: (r) => r,
        run: async (row) => {
          ran.push(row);
          return row;
        },
      }),
    );
    expect(ran.sort()).toEqual(["c", "d", "e", "f"]);
    expect(byKey(again)).toEqual({ a: "skipped", b: "skipped", c: "done", d: "done", e: "done", f: "done" });
  });

  it("leaves a row unrecorded when its own code gives up on the abort", async () => {
    const journal = memoryJournal();
    const controller = new AbortController();
    const started: string[] = [];
    const job = runBulk({
      client,
      rows: ["a", "b"],
      journal,
      key: (r) => r,
      signal: controller.signal,
      run: async (row, ctx) => {
        started.push(row);
        // Code of the caller's, waiting on the signal: it rejects with the signal's reason.
        await new Promise((_, reject) => ctx.signal!.addEventListener("abort", () => reject(ctx.signal!.reason), { once: true }));
      },
    });
    const reading = collect(job);
    await vi.waitFor(() => expect(started.length).toBe(2), { timeout: 10_000, interval: 10 });
    controller.abort();
    expect(await reading).toEqual([]);
    expect(await job.summary()).toMatchObject({ total: 0, failed: 0, stopped: true });
    const again = await collect(runBulk({ client, rows: ["a", "b"], journal, key: (r) => r, run: async () => 1 }));
    expect(byKey(again)).toEqual({ a: "done", b: "done" });
  });
});

describe("runBulk and calls not safe to repeat", () => {
  const noteJob = (journal: BulkJournal, conversationId: string) =>
    runBulk({
      client,
      rows: [conversationId],
      journal,
      job: "conversations.addNoteToConversation",
      run: (id, ctx) => ctx.gladly.conversations.addNoteToConversation({ conversationId: id, body: { content: { body: "bulk note" } } }),
    });
  const notesOf = (conversationId: string) =>
    [...fake.state.items.values()].filter((item) => item.conversationId === conversationId && (item.content as { type: string }).type === "CONVERSATION_NOTE");
  const conversation = () => fake.state.openConversation(fake.state.createCustomer({ name: "Noted" }).id).id;

  it("reports a note whose connection broke after sending as uncertain, on this run and the next, and never sends it again", async () => {
    const id = conversation();
    const journal = memoryJournal();
    fake.inject({ match: { operationId: "addNoteToConversation" }, resetConnection: "after" });
    const [first] = await collect(noteJob(journal, id));
    expect(first).toMatchObject({ status: "failed", error: { name: "GladlyBulkUncertainError" } });
    expect(notesOf(id)).toHaveLength(1);
    const [second] = await collect(noteJob(journal, id));
    expect(second).toMatchObject({ status: "failed", error: { name: "GladlyBulkUncertainError" } });
    expect(notesOf(id)).toHaveLength(1);
  });

  it("tries a note again on the next run when Gladly refused it (a 4xx: nothing was added)", async () => {
    const id = conversation();
    const journal = memoryJournal();
    fake.inject({ match: { operationId: "addNoteToConversation" }, status: 422 });
    const [first] = await collect(noteJob(journal, id));
    expect(first).toMatchObject({ status: "failed", error: { status: 422 } });
    expect(notesOf(id)).toHaveLength(0);
    const [second] = await collect(noteJob(journal, id));
    expect(second).toMatchObject({ status: "done" });
    expect(notesOf(id)).toHaveLength(1);
  });

  it("tries a note again when the client refused it before sending (a bad argument): nothing reached Gladly", async () => {
    const id = conversation();
    const journal = memoryJournal();
    const job = (header: string) =>
      runBulk({
        client,
        rows: [id],
        journal,
        job: "conversations.addNoteToConversation",
        run: (conversationId, ctx) =>
          ctx.gladly.conversations.addNoteToConversation({ conversationId, body: { content: { body: "checked" } } }, { headers: { "x-note": header } }),
      });
    const [first] = await collect(job("line\nbreak"));
    expect(first).toMatchObject({ status: "failed", error: { name: "GladlyInputError" } });
    expect(notesOf(id)).toHaveLength(0);
    const [second] = await collect(job("fine"));
    expect(second).toMatchObject({ status: "done" });
    expect(notesOf(id)).toHaveLength(1);
  });

  it("journals a note as it leaves the rate limiter's queue: notes still queued at a stop are run next time, not reported uncertain", async () => {
    // Its own fake and a client paced at 1 request/second, so that the other notes wait in the queue.
    const paced = await startFakeGladly({ rateLimit: false });
    try {
      const slow = createGladlyClient({ ...paced.clientOptions(), rateLimit: { perSecond: 1, adaptive: false }, retry: false });
      const ids = Array.from({ length: 5 }, (_, i) => paced.state.openConversation(paced.state.createCustomer({ name: `Queued ${i}` }).id).id!);
      const notes = (id: string) =>
        [...paced.state.items.values()].filter((item) => item.conversationId === id && (item.content as { type: string }).type === "CONVERSATION_NOTE");
      const journal = memoryJournal();
      const job = (gladly: typeof slow, signal?: AbortSignal) =>
        runBulk({
          client: gladly,
          rows: ids,
          journal,
          concurrency: 5,
          ...(signal ? { signal } : {}),
          run: (id, ctx) => ctx.gladly.conversations.addNoteToConversation({ conversationId: id, body: { content: { body: "queued note" } } }),
        });
      const stop = new AbortController();
      const first = job(slow, stop.signal);
      for await (const result of first) if (result.status === "done") stop.abort();
      const sentBefore = ids.filter((id) => notes(id).length > 0).length;
      expect(sentBefore, "some notes were still queued at the stop").toBeLessThan(5);
      await slow.rateLimit.disconnect();
      const fast = createGladlyClient({ ...paced.clientOptions(), rateLimit: false, retry: false });
      const again = await collect(job(fast));
      for (const result of again) {
        const id = result.row;
        expect(notes(id), `conversation of row ${result.index}`).toHaveLength(1);
        // Uncertain only if its note did leave before the stop.
        if (result.status === "failed") expect(result.error.name).toBe("GladlyBulkUncertainError");
      }
      const uncertain = again.filter((r) => r.status === "failed").length;
      expect(uncertain).toBeLessThanOrEqual(sentBefore - 1);
      expect(ids.every((id) => notes(id).length === 1)).toBe(true);
    } finally {
      await paced.close();
    }
  });

  it("does not send a row's note again when a later call of the row failed", async () => {
    const id = conversation();
    const journal = memoryJournal();
    let failAfterNote = true;
    const job = () =>
      runBulk({
        client,
        rows: [id],
        journal,
        run: async (conversationId, ctx) => {
          await ctx.gladly.conversations.addNoteToConversation({ conversationId, body: { content: { body: "then fail" } } });
          if (failAfterNote) throw new Error("the next step failed");
        },
      });
    const [first] = await collect(job());
    expect(first).toMatchObject({ status: "failed", error: { name: "GladlyBulkUncertainError" } });
    expect((first as { error: { message: string } }).error.message).toContain("the next step failed");
    failAfterNote = false;
    const [second] = await collect(job());
    expect(second).toMatchObject({ status: "failed", error: { name: "GladlyBulkUncertainError" } });
    expect(notesOf(id)).toHaveLength(1);
  });
});
