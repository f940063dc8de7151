/**
 * A bulk job killed with SIGKILL at a random point and run again on the same journal: every row
 * done exactly once. The job runs in a child process (test/helpers/bulk-job.ts), the fake Gladly
 * in this one, so the kill takes nothing of the fake with it.
 *
 * Rate limiting is off on both sides: at Gladly's 10/s the 2,000 rows would take over three
 * minutes a run, and the pace is not what is tested here (the bench measures the job at 10/s
 * against an emulator written apart from the client). The client's limiter is off too because
 * it reads an injected 429 from a server that sends no Ratelimit headers as the organization
 * being busy, and slows the whole job for seconds each time; the 429s' Retry-After is still
 * honoured by the retry of each request.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deriveId } from "../src/bulk/index.ts";
import { type FakeGladly, startFakeGladly } from "../src/testing/index.ts";
import { type JobConfig, customerRow } from "./helpers/bulk-job.ts";
import { createFaults, readJournal, runJob } from "./helpers/bulk-kill.ts";

const ROWS = 2000;
let dir: string;
let fake: FakeGladly | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gladly-bulk-resume-"));
});
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe("a bulk job killed with SIGKILL and run again on its journal", () => {
  it("creates each of 2,000 customers exactly once, under its derived id, with 10 % of creates faulted", { timeout: 300_000 }, async () => {
    const seed = Math.floor(Math.random() * 1e9);
    const killAfter = Math.floor(ROWS * (0.1 + Math.random() * 0.8));
    // Printed so that a failure can be replayed with the same seed and kill point.
    console.log(`bulk resume: seed ${seed}, SIGKILL after ${killAfter} journal entries`);
    fake = await startFakeGladly({ rateLimit: false, seed });
    for (const fault of createFaults(0.1)) fake.inject(fault);
    const config: JobConfig = {
      ...fake.clientOptions(),
      journal: join(dir, "journal.jsonl"),
      kind: "customers",
      rows: ROWS,
      concurrency: 10,
      rateLimit: false,
    };

    const first = await runJob(config, (journal) => (journal?.entries.length ?? 0) >= killAfter);
    expect(first.killed).toBe(true);
    const atKill = readJournal(config.journal)!;
    const doneAtKill = new Set(atKill.entries.filter((e) => e.status === "done").map((e) => e.key));
    expect(doneAtKill.size).toBeGreaterThan(0);
    expect(doneAtKill.size).toBeLessThan(ROWS);

    // The resumed run meets the faults too: a create answered 500 is not retried (it may have
    // been processed), so its row fails and is tried again by the next run.
    const runs = [];
    for (let run = 0; run < 8; run++) {
      const outcome = await runJob(config);
      if (outcome.killed) throw new Error("not killed");
      runs.push(outcome.report);
      for (const failure of outcome.report.failed) expect(failure).toMatchObject({ name: "GladlyServerError", status: 500 });
      if (outcome.report.summary.failed === 0) break;
    }
    const resumed = runs[0]!.summary;
    expect(resumed.total).toBe(ROWS);
    expect(resumed.skipped).toBe(doneAtKill.size);
    expect(resumed.skipped + resumed.done + resumed.failed).toBe(ROWS);
    const last = runs.at(-1)!.summary;
    expect(last.failed).toBe(0);
    expect(last.skipped + last.done).toBe(ROWS);

    const journal = readJournal(config.journal)!;
    const jobId = journal.header.jobId;
    expect(runs.every((r) => r.summary.jobId === jobId)).toBe(true);
    const journaled = new Map<string, unknown>();
    for (const entry of journal.entries) if (entry.status === "done") journaled.set(entry.key, entry.result);
    const keys = Array.from({ length: ROWS }, (_, i) => customerRow(i + 1).key);
    expect([...journaled.keys()].sort()).toEqual([...keys].sort());

    const byEmail = new Map<string, string[]>();
    for (const customer of fake.state.customers.values()) {
      const email = customer.emails?.[0]?.original;
      if (email?.startsWith("bulk-")) byEmail.set(email, [...(byEmail.get(email) ?? []), customer.id]);
    }
    const duplicates = [...byEmail.values()].filter((ids) => ids.length > 1);
    const missing = keys.filter((_, i) => !byEmail.has(customerRow(i + 1).email));
    expect(duplicates).toEqual([]);
    expect(missing).toEqual([]);
    for (let n = 1; n <= ROWS; n++) {
      const { key, email, name } = customerRow(n);
      const id = await deriveId(jobId, key, "createCustomer#1");
      expect(byEmail.get(email), key).toEqual([id]);
      expect(fake.state.customers.get(id)?.name).toBe(name);
      // The journal and the fake agree: the row's recorded result is the customer Gladly holds.
      expect(journaled.get(key), key).toBe(id);
    }

    // The faults did happen, the "after" ones included: creates that Gladly processed but did not
    // answer, and creates sent before the kill but never journaled, were read back on their 409.
    const creates = fake.requests.filter((r) => r.operationId === "createCustomer");
    expect(creates.filter((r) => r.status === 0).length).toBeGreaterThan(0);
    expect(creates.filter((r) => r.status === 429).length).toBeGreaterThan(0);
    expect(creates.filter((r) => r.status === 500).length).toBeGreaterThan(0);
    expect(creates.filter((r) => r.status === 409).length).toBeGreaterThan(0);
  });

  it("reports a note that was in flight at the kill as uncertain, and does not send it again", { timeout: 120_000 }, async () => {
    fake = await startFakeGladly({ rateLimit: false });
    const conversations = Array.from({ length: 8 }, (_, i) => {
      const customer = fake!.state.createCustomer({ name: `Noted ${i + 1}` });
      return fake!.state.openConversation(customer.id).id;
    });
    const heldAt = 4;
    const heldPath = `/api/v1/conversations/${conversations[heldAt]}/notes`;
    // Gladly holds the fifth note for a while, then processes it: the job is killed in between.
    const held = fake.inject({ match: { method: "POST", path: heldPath }, delayMs: 8000 });
    const config: JobConfig = { ...fake.clientOptions(), journal: join(dir, "notes.jsonl"), kind: "notes", conversations, concurrency: 1, rateLimit: false };

    const first = await runJob(config, (journal) => held.remaining === 0 && !!journal?.entries.some((e) => e.key === "note-5" && e.status === "sending"));
    expect(first.killed).toBe(true);
    const resumedAt = performance.now();
    const second = await runJob(config);
    if (second.killed) throw new Error("not killed");
    expect(second.report.summary).toMatchObject({ total: 8, skipped: 4, done: 3, failed: 1 });
    expect(second.report.failed).toEqual([{ key: "note-5", name: "GladlyBulkUncertainError" }]);

    // The held request ends at the fake once its delay is over.
    const deadline = Date.now() + 60_000;
    while (!fake.requests.some((r) => r.path === heldPath) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const sent = fake.requests.filter((r) => r.path === heldPath);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.receivedAt).toBeLessThan(resumedAt);
    const notesOf = (conversationId: string) =>
      [...fake!.state.items.values()].filter(
        (item) => item.conversationId === conversationId && (item.content as { type: string }).type === "CONVERSATION_NOTE",
      );
    // Whether it was processed is Gladly's business (the fake drops a request whose client is
    // gone before its body is read); sent again it would be two.
    expect(notesOf(conversations[heldAt]!).length).toBeLessThanOrEqual(1);
    for (const [i, id] of conversations.entries()) if (i !== heldAt) expect(notesOf(id), `conversation ${i + 1}`).toHaveLength(1);

    // Still reported, still not sent, on every later run, until someone looks at it.
    const third = await runJob(config);
    if (third.killed) throw new Error("not killed");
    expect(third.report.summary).toMatchObject({ total: 8, skipped: 7, done: 0, failed: 1 });
    expect(fake.requests.filter((r) => r.path === heldPath)).toHaveLength(1);
  });
});
