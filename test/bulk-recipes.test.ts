/**
 * The README's bulk-job recipes, run against the fake Gladly. The code is examples/bulk/*.ts,
 * which the README shows verbatim (only the import paths read "gladly-api" there); the first
 * test fails when the two differ, so what the README shows is what runs here.
 */
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { addTopics } from "../examples/bulk/add-topics.ts";
import { createCustomers } from "../examples/bulk/create-customers.ts";
import { createTasks } from "../examples/bulk/create-tasks.ts";
import { deleteCustomers } from "../examples/bulk/delete-customers.ts";
import { downloadExports } from "../examples/bulk/download-exports.ts";
import { importAnswers } from "../examples/bulk/import-answers.ts";
import { redactItems } from "../examples/bulk/redact-items.ts";
import { report } from "../examples/bulk/report.ts";
import { updateConversations } from "../examples/bulk/update-conversations.ts";
import { updateCustomers } from "../examples/bulk/update-customers.ts";
import type { BulkRun, BulkSummary, RowResult } from "../src/bulk/index.ts";
import { type GladlyClient, createGladlyClient } from "../src/index.ts";
import { type FakeGladly, startFakeGladly } from "../src/testing/index.ts";

const EXAMPLES = "examples/bulk";
/** How the README writes the examples' imports: as a user of the package would. */
const PACKAGE_IMPORTS: [string, string][] = [
  ['"../../src/index.ts"', '"gladly-api"'],
  ['"../../src/bulk/index.ts"', '"gladly-api/bulk"'],
];

describe("the README's bulk section", () => {
  it("shows every file of examples/bulk as it is, and no other TypeScript", async () => {
    const readme = await readFile("README.md", "utf8");
    const start = readme.indexOf("## Bulk jobs: `gladly-api/bulk`");
    expect(start, "README has the bulk section").toBeGreaterThan(-1);
    const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
    const files = (await readdir(EXAMPLES)).filter((f) => f.endsWith(".ts")).sort();
    expect(files.length).toBeGreaterThanOrEqual(11);
    const shown: string[] = [];
    for (const file of files) {
      let code = await readFile(join(EXAMPLES, file), "utf8");
      for (const [from, to] of PACKAGE_IMPORTS) code = code.replaceAll(from, to);
      expect(code, `${file} imports only the package's entry points`).not.toContain("../../src/");
      expect(section, `README's bulk section shows ${EXAMPLES}/${file} verbatim`).toContain(`\`\`\`ts\n${code}\`\`\``);
      shown.push(code);
    }
    const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(
      blocks.filter((block) => !shown.includes(block!)),
      "TypeScript in the section that no test runs",
    ).toEqual([]);
  });
});

let fake: FakeGladly;
let gladly: GladlyClient;
let dir: string;

beforeAll(async () => {
  // Pacing is the runner's and the limiter's to test; here the recipes run at loopback speed.
  fake = await startFakeGladly({ rateLimit: false });
  gladly = createGladlyClient({ ...fake.clientOptions(), rateLimit: false });
});
afterAll(() => fake.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gladly-bulk-recipes-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Writes a CSV (header first) into the test's directory. */
async function csv(name: string, lines: string[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, `${lines.join("\n")}\n`);
  return file;
}

/** Every row's outcome, by key, and the summary. */
async function outcomes<Row>(job: BulkRun<Row> | Promise<BulkRun<Row>>): Promise<{ rows: Map<string, RowResult<Row>>; summary: BulkSummary }> {
  const run = await job;
  const rows = new Map<string, RowResult<Row>>();
  for await (const row of run) rows.set(row.key, row);
  return { rows, summary: await run.summary() };
}

/** What a row ended as: its result when done, its error when failed. */
function outcome<Row>(rows: Map<string, RowResult<Row>>, key: string) {
  const row = rows.get(key);
  if (!row) throw new Error(`no outcome for row ${key}`);
  return row.status === "done" ? { done: row.result } : row.status === "failed" ? { failed: row.error } : { skipped: true };
}

/** Keeps the journal's header and only the entries of `keep`: what a crash before those writes would have left. */
async function forgetEntries(journal: string, keep: (key: string) => boolean): Promise<void> {
  const [header, ...entries] = (await readFile(journal, "utf8")).trimEnd().split("\n");
  const kept = entries.filter((line) => keep((JSON.parse(line) as { key: string }).key));
  await writeFile(journal, `${[header, ...kept].join("\n")}\n`);
}

const records = (ndjson: string): unknown[] =>
  ndjson
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line));

const customersNamed = (name: string) => [...fake.state.customers.values()].filter((c) => c.name === name);

describe("1. create customers from a CSV", () => {
  it("maps name, address, email:N, phone:N and customAttribute:<name>; a taken email fails its row with Gladly's error", async () => {
    fake.state.createCustomer({ name: "Already here", emails: [{ original: "taken@example.com", primary: true }] });
    const input = await csv("customers.csv", [
      "name,address,email:1,email:2,phone:1,customAttribute:tier",
      'Ada Lovelace,"12 St James\'s Square, London",ada@example.com,ada@work.example,+442071234567,gold',
      "Grace Hopper,,,grace@example.com,,",
      "Someone Else,,taken@example.com,,,",
    ]);
    const journal = join(dir, "customers.journal");
    const failures: string[] = [];
    expect(await report(createCustomers(gladly, input, journal), (line) => failures.push(line))).toMatchObject({ total: 3, done: 2, failed: 1, skipped: 0 });

    const [ada] = customersNamed("Ada Lovelace");
    expect(ada).toMatchObject({
      address: "12 St James's Square, London",
      emails: [
        { original: "ada@example.com", primary: true },
        { original: "ada@work.example", primary: false },
      ],
      phones: [{ original: "+442071234567", primary: true }],
      customAttributes: { tier: "gold" },
    });
    // Empty cells are left out: no address, no phones, no custom attributes; email:2 alone is the first email.
    const [grace] = customersNamed("Grace Hopper");
    expect(grace!.emails).toEqual([{ original: "grace@example.com", primary: true }]);
    expect(grace).not.toHaveProperty("address");
    expect(grace).not.toHaveProperty("phones");
    expect(grace).not.toHaveProperty("customAttributes");
    expect(customersNamed("Someone Else")).toEqual([]);
    expect(failures).toEqual([expect.stringMatching(/^row 3: .*taken@example\.com is already taken/)]);

    // Run again with the journal: the two done rows are skipped, the failed one is tried again (and fails again).
    const again = await outcomes(createCustomers(gladly, input, journal));
    expect(again.summary).toMatchObject({ done: 0, skipped: 2, failed: 1 });
    expect(outcome(again.rows, "3")).toMatchObject({ failed: { status: 409, errors: [{ attr: "emails", code: "taken" }] } });
    expect(customersNamed("Ada Lovelace")).toHaveLength(1);
  });

  it("ends with the file's error when the CSV cannot be read, rather than never ending", async () => {
    await expect(report(createCustomers(gladly, join(dir, "missing.csv"), join(dir, "j")))).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("2. update customers found by email", () => {
  it("updates the one customer with the email, keeping what the row does not name; none or several fail the row, saying which", async () => {
    const one = fake.state.createCustomer({ name: "Old Name", emails: [{ original: "one@example.com", primary: true }], address: "1 Main St" });
    // Two profiles with one email: the fake refuses that through the API, but Gladly's find answers a list, and the recipe must not pick one.
    const twins = [0, 1].map(() => fake.state.createCustomer({ name: "Twin", emails: [{ original: "twin@example.com", primary: true }] }));
    const input = await csv("updates.csv", [
      "email,name,customAttribute:tier",
      "ONE@example.com,New Name,platinum",
      "twin@example.com,Merged Twin,",
      "nobody@example.com,Nobody,",
      ",Blank,",
    ]);
    const { rows, summary } = await outcomes(updateCustomers(gladly, input, join(dir, "updates.journal")));
    expect(summary).toMatchObject({ total: 4, done: 1, failed: 3 });
    expect(outcome(rows, "1")).toEqual({ done: one.id });
    expect(fake.state.customers.get(one.id)).toMatchObject({
      name: "New Name",
      customAttributes: { tier: "platinum" },
      address: "1 Main St",
      emails: [{ original: "one@example.com", primary: true }],
    });
    expect(outcome(rows, "2")).toMatchObject({
      failed: { message: `2 customers have the email twin@example.com (${twins.map((t) => t.id).join(", ")}): update one by id` },
    });
    expect(twins.map((t) => fake.state.customers.get(t.id)!.name)).toEqual(["Twin", "Twin"]);
    expect(outcome(rows, "3")).toMatchObject({ failed: { message: "no customer has the email nobody@example.com" } });
    expect(outcome(rows, "4")).toMatchObject({ failed: { message: "the email cell is empty" } });
  });
});

describe("3. delete customers", () => {
  it("deletes each customer; one already gone is done; one with an open conversation fails with Gladly's 400", async () => {
    const [a, b, busy] = ["Del A", "Del B", "Busy"].map((name) => fake.state.createCustomer({ name }));
    fake.state.openConversation(busy!.id);
    const input = await csv("delete.csv", ["customerId", a!.id, b!.id, "never-existed", busy!.id]);
    const journal = join(dir, "delete.journal");
    const { rows, summary } = await outcomes(deleteCustomers(gladly, input, journal));
    expect(summary).toMatchObject({ total: 4, done: 3, failed: 1 });
    expect([outcome(rows, "1"), outcome(rows, "2"), outcome(rows, "3")]).toEqual([{ done: "deleted" }, { done: "deleted" }, { done: "already deleted" }]);
    expect(outcome(rows, "4")).toMatchObject({ failed: { status: 400, errors: [{ code: "invalid_state" }] } });
    expect(fake.state.customers.has(a!.id) || fake.state.customers.has(b!.id)).toBe(false);
    expect(fake.state.customers.has(busy!.id)).toBe(true);

    // A crash after the delete reached Gladly but before the journal heard of it: the row meets a 404, and is done.
    await forgetEntries(journal, (key) => key !== "2");
    const resumed = await outcomes(deleteCustomers(gladly, input, journal));
    expect(resumed.summary).toMatchObject({ done: 1, skipped: 2, failed: 1 });
    expect(outcome(resumed.rows, "2")).toEqual({ done: "already deleted" });
  });
});

describe("4. create tasks for customers", () => {
  it("creates a task per row; resumed after a crash that lost journal entries, it creates none twice", async () => {
    const customer = fake.state.createCustomer({ name: "Task Owner" });
    const [inboxId] = [...fake.state.inboxes.keys()];
    const [, agentId] = [...fake.state.agents.keys()];
    const input = await csv("tasks.csv", [
      "customerId,inboxId,agentId,body,dueAt",
      ...[1, 2, 3, 4].map((n) => `${customer.id},${inboxId},${n === 2 ? agentId : ""},Call back #${n},2026-12-0${n}T17:00:00.000Z`),
      `${customer.id},no-such-inbox,,Lost,2026-12-09T17:00:00.000Z`,
    ]);
    const journal = join(dir, "tasks.journal");
    const tasksOf = () => [...fake.state.tasks.values()].filter((t) => t.customerId === customer.id);
    const first = await outcomes(createTasks(gladly, input, journal));
    expect(first.summary).toMatchObject({ total: 5, done: 4, failed: 1 });
    expect(outcome(first.rows, "5")).toMatchObject({ failed: { status: 404 } });
    expect(
      tasksOf()
        .map((t) => t.body)
        .sort(),
    ).toEqual(["Call back #1", "Call back #2", "Call back #3", "Call back #4"]);
    expect(tasksOf().find((t) => t.body === "Call back #2")!.assignee).toEqual({ inboxId, agentId });
    expect(tasksOf().find((t) => t.body === "Call back #1")!.assignee).toEqual({ inboxId });
    const ids = new Map([...first.rows].map(([key, row]) => [key, row.status === "done" ? row.result : undefined]));

    // Rows 3 and 4 were sent, but the crash came before their entries were written: sent again, under the same ids.
    await forgetEntries(journal, (key) => key === "1" || key === "2");
    const resumed = await outcomes(createTasks(gladly, input, journal));
    expect(resumed.summary).toMatchObject({ skipped: 2, done: 2, failed: 1 });
    expect(tasksOf()).toHaveLength(4);
    expect([outcome(resumed.rows, "3"), outcome(resumed.rows, "4")]).toEqual([{ done: ids.get("3") }, { done: ids.get("4") }]);
  });
});

describe("5. close or reassign conversations", () => {
  it("closes, reassigns, or both; a bad status, a closed conversation to reassign and an empty row fail", async () => {
    const conversations = ["Conv A", "Conv B", "Conv C", "Conv D"].map((name) => fake.state.openConversation(fake.state.createCustomer({ name }).id));
    const [a, b, c, d] = conversations.map((conv) => conv.id!);
    const [support, billing] = [...fake.state.inboxes.keys()];
    const [, amy] = [...fake.state.agents.keys()];
    fake.state.conversations.get(c!)!.status = "CLOSED";
    const input = await csv("conversations.csv", [
      "conversationId,status,inboxId,agentId",
      `${a},CLOSED,,`,
      `${b},,${billing},${amy}`,
      `${c},,${billing},`,
      `${d},DONE,,`,
      `${d},,,`,
    ]);
    const { rows, summary } = await outcomes(updateConversations(gladly, input, join(dir, "conversations.journal")));
    expect(summary).toMatchObject({ total: 5, done: 2, failed: 3 });
    expect(fake.state.conversations.get(a!)).toMatchObject({ status: "CLOSED", inboxId: support });
    expect(fake.state.conversations.get(b!)).toMatchObject({ status: "OPEN", inboxId: billing, agentId: amy });
    expect(outcome(rows, "3")).toMatchObject({
      failed: { status: 400, errors: [{ code: "invalid_state", detail: "closed conversation cannot be reassigned" }] },
    });
    expect(fake.state.conversations.get(c!)!.inboxId).toBe(support);
    expect(outcome(rows, "4")).toMatchObject({ failed: { status: 400, errors: [{ attr: "status.value" }] } });
    expect(outcome(rows, "5")).toMatchObject({ failed: { message: "the row has neither a status nor an inboxId" } });
    expect(fake.state.conversations.get(d!)!.status).toBe("OPEN");
  });
});

describe("6. add topics to conversations", () => {
  it("adds topics by name, looked up once before the job; an unknown name fails its row", async () => {
    const conversation = fake.state.openConversation(fake.state.createCustomer({ name: "Topical" }).id);
    const topicId = (name: string) => [...fake.state.topics.values()].find((t) => t.name === name)!.id;
    const input = await csv("topics.csv", [
      "conversationId,topic",
      `${conversation.id},Shipping`,
      `${conversation.id},Returns`,
      `${conversation.id},No such topic`,
    ]);
    const before = fake.requests.length;
    const { rows, summary } = await outcomes(addTopics(gladly, input, join(dir, "topics.journal")));
    expect(summary).toMatchObject({ total: 3, done: 2, failed: 1 });
    expect(conversation.topicIds).toEqual([topicId("Shipping"), topicId("Returns")]);
    expect(outcome(rows, "3")).toMatchObject({ failed: { message: 'no topic is named "No such topic"' } });
    expect(fake.requests.slice(before).filter((r) => r.operationId === "getTopics")).toHaveLength(1);
  });
});

describe("7. import help-center answers", () => {
  it("creates new answers with their public content; a name taken is updated instead; resumed after a crash, it creates none twice", async () => {
    const answersNamed = (name: string) => [...fake.state.answers.values()].filter((a) => a.name === name);
    const [shipping] = answersNamed("Shipping times");
    // An answer with no public content: the Public Answers API does not list it, so nothing can find it by name.
    fake.state.answers.set("internal-1", {
      id: "internal-1",
      name: "Escalation policy",
      audienceIds: [],
      createdAt: fake.state.now(),
      updatedAt: fake.state.now(),
    });
    const input = await csv("answers.csv", [
      "name,description,language,title,bodyHtml",
      "Gift cards,Buying and redeeming,,Gift cards,<p>Gift cards never expire.</p>",
      "Shipping times,Updated from the import,,Shipping times,<p>Orders ship the same day.</p>",
      "Store hours,,es-419,Horario,<p>De 9 a 17.</p>",
      "Escalation policy,,,Escalation,<p>Ask a lead.</p>",
    ]);
    const journal = join(dir, "answers.journal");
    const answerCount = fake.state.answers.size;
    const { rows, summary } = await outcomes(importAnswers(gladly, input, journal));
    expect(summary).toMatchObject({ total: 4, done: 3, failed: 1 });

    const [gift] = answersNamed("Gift cards");
    expect(gift).toMatchObject({ description: "Buying and redeeming" });
    expect(outcome(rows, "1")).toEqual({ done: gift!.id });
    expect(fake.state.answerContents.get(gift!.id)!.get("en-us/public")).toMatchObject({ title: "Gift cards", bodyHtml: "<p>Gift cards never expire.</p>" });

    expect(answersNamed("Shipping times")).toEqual([expect.objectContaining({ id: shipping!.id, description: "Updated from the import" })]);
    expect(outcome(rows, "2")).toEqual({ done: shipping!.id });
    expect(fake.state.answerContents.get(shipping!.id)!.get("en-us/public")).toMatchObject({ bodyHtml: "<p>Orders ship the same day.</p>" });

    const [hours] = answersNamed("Store hours");
    expect(fake.state.answerContents.get(hours!.id)!.get("es-419/public")).toMatchObject({ title: "Horario" });

    expect(outcome(rows, "4")).toMatchObject({ failed: { message: 'an answer named "Escalation policy" exists, but it has no public content to find it by' } });
    expect(fake.state.answers.size).toBe(answerCount + 2);

    // Every entry lost: each row is sent again; the answers this job made come back under their ids, not as new ones.
    await forgetEntries(journal, () => false);
    const resumed = await outcomes(importAnswers(gladly, input, journal));
    expect(resumed.summary).toMatchObject({ done: 3, failed: 1, skipped: 0 });
    expect(outcome(resumed.rows, "1")).toEqual({ done: gift!.id });
    expect(fake.state.answers.size).toBe(answerCount + 2);
  });
});

describe("8. redact conversation items", () => {
  it("removes the content of each item; an unknown item fails its row with Gladly's 404", async () => {
    const customer = fake.state.createCustomer({ name: "Redacted" });
    const { id: conversationId } = fake.state.openConversation(customer.id);
    const item = (text: string) => {
      const id = fake.state.newId();
      fake.state.items.set(id, {
        id,
        customerId: customer.id,
        conversationId: conversationId!,
        timestamp: fake.state.now(),
        initiator: { id: customer.id, type: "CUSTOMER" },
        content: { type: "SMS", from: "+14155550100", to: "+14155550199", content: text },
      });
      return id;
    };
    const [card, kept] = [item("My card is 4111 1111 1111 1111"), item("Thanks!")];
    const input = await csv("redact.csv", ["itemId", card, "no-such-item"]);
    const { rows, summary } = await outcomes(redactItems(gladly, input, join(dir, "redact.journal")));
    expect(summary).toMatchObject({ total: 2, done: 1, failed: 1 });
    expect(fake.state.items.get(card)!.content).toMatchObject({ content: "[redacted]" });
    expect(fake.state.items.get(kept)!.content).toMatchObject({ content: "Thanks!" });
    expect(outcome(rows, "2")).toMatchObject({ failed: { status: 404 } });
  });
});

describe("9. download export files", () => {
  it("saves every file of the completed jobs, one row each; run again, it fetches only the file that failed", async () => {
    const [seeded] = [...fake.state.exportJobs.values()];
    const files = seeded!.files!;
    const out = join(dir, "exports");
    const journal = join(dir, "exports.journal");
    fake.inject({ match: { operationId: "getFile", path: /\/topics\.jsonl$/ }, status: 400 });
    const since = new Date(Date.now() - 86_400_000);
    const first = await outcomes(downloadExports(gladly, since, out, journal));
    expect(first.summary).toMatchObject({ total: files.length, done: files.length - 1, failed: 1 });
    expect(outcome(first.rows, `${seeded!.id}/topics.jsonl`)).toMatchObject({ failed: { status: 400 } });

    const before = fake.requests.length;
    const second = await outcomes(downloadExports(gladly, since, out, journal));
    expect(second.summary).toMatchObject({ done: 1, skipped: files.length - 1, failed: 0 });
    expect(
      fake.requests
        .slice(before)
        .filter((r) => r.operationId === "getFile")
        .map((r) => r.path),
    ).toEqual([`/api/v1/export/jobs/${seeded!.id}/files/topics.jsonl`]);

    for (const file of files) {
      const saved = await readFile(join(out, seeded!.id, file), "utf8");
      const served = await gladly.export.getFile({ jobId: seeded!.id, filename: file });
      expect(records(saved), file).toEqual(records(served));
      await expect(stat(join(out, seeded!.id, `${file}.partial`))).rejects.toMatchObject({ code: "ENOENT" });
    }
  });
});
