/** `gladly bulk`, its row reader and its mapping, run in-process against a fake Gladly on loopback. */
import { EventEmitter } from "node:events";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../generated/operations.ts";
import { type BulkRecord, MalformedRow, compileMapping, readRows, runBulk } from "../src/bulk/index.ts";
import { createGladlyClient } from "../src/index.ts";
import { type FakeGladly, startFakeGladly } from "../src/testing/index.ts";
import { runCli } from "../src/cli/program.ts";
import { collectAll, runGladly } from "./helpers/cli.ts";

let fake: FakeGladly;
let dir: string;

beforeAll(async () => {
  fake = await startFakeGladly({ rateLimit: false });
  dir = await mkdtemp(join(tmpdir(), "gladly-bulk-"));
});
afterAll(() => fake.close());

const gladly = (args: string[], options: Parameters<typeof runGladly>[2] = {}) => runGladly(fake, args, options);

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const records = (source: AsyncIterable<BulkRecord | MalformedRow>) => collectAll(source);

const customersNamed = (prefix: string) => [...fake.state.customers.values()].filter((c) => c.name?.startsWith(prefix));

describe("readRows", () => {
  it("reads CSV with a BOM and quoted line breaks, a bad line in its place with its line number", async () => {
    const csv = '\uFEFFname,note\nAnn,"two\nlines"\nBob,x,extra\nDee,ok\nCy,"never closed\n';
    const rows = await records(readRows(Readable.from([Buffer.from(csv)]), "csv"));
    expect(rows).toHaveLength(4);
    expect(rows[0]).toEqual({ name: "Ann", note: "two\nlines" });
    expect(rows[1]).toBeInstanceOf(MalformedRow);
    expect((rows[1] as MalformedRow).reason).toMatch(/^line 4: .*Record Length/);
    expect(rows[2]).toEqual({ name: "Dee", note: "ok" });
    expect(rows[3]).toBeInstanceOf(MalformedRow);
    expect((rows[3] as MalformedRow).reason).toMatch(/^line 6: Quote Not Closed/);
  });

  it("tells how far it has read: rows and the bytes they took, all of them at the end", async () => {
    const csv = "name\nA\nB\nC,extra\n";
    const rows = readRows(Readable.from([csv]), "csv");
    expect(rows.position).toEqual({ rows: 0, bytes: 0 });
    expect(await records(rows)).toHaveLength(3);
    expect(rows.position).toEqual({ rows: 3, bytes: csv.length, columns: ["name"] });
    const ndjson = '{"a":1}\n\n{"a":"é"}\n';
    const lines = readRows(Readable.from([ndjson]), "ndjson");
    await records(lines);
    expect(lines.position).toEqual({ rows: 2, bytes: Buffer.byteLength(ndjson) });
  });

  it("refuses a CSV header with a repeated or empty column name", async () => {
    await expect(records(readRows(Readable.from(["a,b,a\n1,2,3\n"]), "csv"))).rejects.toThrow(/column "a" appears twice/);
    await expect(records(readRows(Readable.from(["a,,c\n1,2,3\n"]), "csv"))).rejects.toThrow(/column 2 has no name/);
  });

  it("reads NDJSON split anywhere; a line that is not a JSON object is a malformed row naming the line", async () => {
    const rows = await records(readRows(Readable.from(['{"a":1}\n\nnot json\n{"b"', ":[2]}\n[1]\n"]), "ndjson"));
    expect(rows.map((r) => (r instanceof MalformedRow ? r.reason.slice(0, 7) : r))).toEqual([{ a: 1 }, "line 3:", { b: [2] }, "line 5:"]);
  });

  it("reads a JSON array, and says so when the JSON is not one", async () => {
    expect(await records(readRows(await file("rows.json", '[{"a":"1"},{"a":"2"}]'), "json"))).toEqual([{ a: "1" }, { a: "2" }]);
    await expect(records(readRows(await file("object.json", '{"a":1}'), "json"))).rejects.toThrow(/must be an array/);
    await expect(records(readRows(join(dir, "missing.csv"), "csv"))).rejects.toThrow(/cannot read it \(ENOENT\)/);
  });

  it("gives back the records csv-stringify wrote, whatever they hold and however the bytes are cut", () => {
    const column = fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s.trim() !== "" && !s.startsWith("\uFEFF"));
    return fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(column, { minLength: 2, maxLength: 4 }),
        fc.array(fc.array(fc.string({ unit: "binary", maxLength: 12 }), { minLength: 4, maxLength: 4 }), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        async (columns, values, cuts) => {
          const expected = values.map((v) => Object.fromEntries(columns.map((c, i) => [c, v[i]!])));
          const bytes = Buffer.from(stringify(expected, { header: true, columns }));
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const chunks = [0, ...points].map((start, i) => bytes.subarray(start, [...points, bytes.length][i]));
          expect(await records(readRows(Readable.from(chunks), "csv"))).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("compileMapping", () => {
  it("maps customer columns by the conventions, converting by the schema", () => {
    const map = compileMapping(operations.createCustomer, undefined, { allowUnknownColumns: true });
    expect(map.check(["name", "email:1", "nickname", "phone:2"])).toEqual(['column "nickname" matches nothing of createCustomer: ignored']);
    expect(
      map({
        name: "Ann",
        "email:1": "ann@example.com",
        "email:1:primary": "true",
        "email:2": "",
        "email:3": "ann@work.example.com",
        "phone:1": "+15551230001",
        "phone:1:type": "MOBILE",
        "customAttribute:tier": "gold",
        nickname: "A",
      }),
    ).toEqual({
      args: {
        body: {
          name: "Ann",
          emails: [{ original: "ann@example.com", primary: true }, { original: "ann@work.example.com" }],
          phones: [{ original: "+15551230001", type: "MOBILE" }],
          customAttributes: { tier: "gold" },
        },
      },
    });
  });

  it("names each problem of a row: a bad email, a missing path parameter, a value the schema refuses", () => {
    const update = compileMapping(operations.updateCustomer);
    expect(update({ "email:1": "not-an-email", "phone:1": "5", "phone:1:type": "CELL" })).toEqual({
      problems: [
        "customerId: required, and no column gave it",
        'body.emails[0].original: must match format "email"',
        'body.phones[0].type: must be one of "HOME", "MOBILE", "OFFICE"',
      ],
    });
    expect(compileMapping(operations.updateBusinessHours)({ businessHoursId: "b1", version: "x7" })).toMatchObject({
      problems: expect.arrayContaining(["body.version: must be integer"]),
    });
    expect(compileMapping(operations.updateBusinessHours)({ businessHoursId: "b1", version: "7" })).not.toMatchObject({
      problems: expect.arrayContaining([expect.stringMatching(/^body\.version/)]),
    });
  });

  it("fills a template: whole placeholders converted, text ones interpolated, empty ones left out, conventions as keys", () => {
    const map = compileMapping(operations.createTaskAndCustomer, {
      body: {
        body: "Call {{name}} about {{topic}}",
        dueAt: "{{due}}",
        assignee: { inboxId: "{{inbox}}", agentId: "{{agent}}" },
        customer: { "email:1": "{{mail}}" },
      },
    });
    expect(map.check(["name", "due", "inbox", "mail"])).toEqual(["the template's {{topic}}, {{agent}} name no column of the input: left out"]);
    expect(map({ name: "Ann", topic: "", due: "2030-01-01T00:00:00Z", inbox: "i1", agent: "", mail: "ann@example.com" })).toEqual({
      args: { body: { body: "Call Ann about ", dueAt: "2030-01-01T00:00:00Z", assignee: { inboxId: "i1" }, customer: { emailAddress: "ann@example.com" } } },
    });
    expect(map({ name: "Ann", due: "", inbox: "", mail: "ann" })).toEqual({
      problems: [
        "body.dueAt: required, and no column gave it",
        "body.assignee: required, and no column gave it",
        'body.customer.emailAddress: must match format "email"',
      ],
    });
    expect(() => compileMapping(operations.getTasks, { taskId: "{{id}}" })).toThrow(/getTasks takes no "taskId"; it takes customerId, status/);
  });

  it("never throws: any row gives arguments the schema accepts, or problems", () => {
    const names = fc.oneof(
      fc.constantFrom(
        "name",
        "address",
        "customerId",
        "email:1",
        "email:2",
        "email:1:primary",
        "phone:1",
        "phone:1:type",
        "phone:0",
        "customAttribute:x",
        "emails",
        "a.b",
      ),
      fc.string({ maxLength: 10 }),
    );
    const values = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom("", "true", "7", "a@b.co", "MOBILE", "[1]", "{}"),
      fc
        .jsonValue({ maxDepth: 2 })
        // An empty string inside a JSON value is the row's own; the check below is about empty cells.
        .filter((v) => !JSON.stringify(v).includes('""'))
        .map((v) => JSON.parse(JSON.stringify(v)) as unknown), // as a JSON line reads: no -0
    );
    const ops = [operations.createCustomer, operations.updateCustomer, operations.createTaskAndCustomer, operations.updateBusinessHours, operations.getTasks];
    const mappings = ops.map((op) => compileMapping(op));
    return fc.assert(
      fc.property(fc.dictionary(names, values, { maxKeys: 8 }), fc.nat(ops.length - 1), (row, which) => {
        const mapped = mappings[which]!(row);
        expect(Object.keys(mapped)).toHaveLength(1);
        if ("problems" in mapped) {
          expect(mapped.problems.length).toBeGreaterThan(0);
          // Each a finding about the row, never the mapping's own failure.
          for (const problem of mapped.problems) expect(problem).not.toMatch(/^cannot map the row/);
        } else {
          // Plain JSON: nothing left unconverted, no undefined or NaN, no empty cell left in.
          expect(JSON.parse(JSON.stringify(mapped.args))).toStrictEqual(mapped.args);
          expect(JSON.stringify(mapped.args)).not.toMatch(/:""/);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe("runBulk", () => {
  it("reports every row when several fail at the same moment", async () => {
    const client = createGladlyClient({ baseUrl: fake.url, agentEmail: fake.agentEmail, apiToken: fake.apiToken });
    const run = runBulk({
      client,
      rows: [1, 2, 3, 4, 5, 6],
      concurrency: 6,
      run: async (n) => {
        if (n % 2 === 0) throw new Error(`row ${n} refused`);
        return n;
      },
    });
    const seen: number[] = [];
    for await (const result of run) seen.push(result.index);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await run.summary()).toMatchObject({ total: 6, done: 3, failed: 3 });
  });
});

describe("gladly bulk", () => {
  it("creates customers from a CSV by the conventions", async () => {
    const input = await file(
      "customers.csv",
      "name,address,email:1,email:2,phone:1,phone:1:type,customAttribute:tier\n" +
        "Conv Ann,1 Main St,ann@example.com,ann@work.example.com,+15551230001,MOBILE,gold\n" +
        "Conv Bob,,bob@example.com,,,,\n",
    );
    const run = await gladly(["bulk", "customers", "createCustomer", "--input", input]);
    expect(run.code).toBe(0);
    expect(run.summary).toMatchObject({ total: 2, done: 2, skipped: 0, failed: 0, stopped: false });
    const [ann, bob] = customersNamed("Conv ").sort((a, b) => a.name!.localeCompare(b.name!));
    expect(ann).toMatchObject({
      address: "1 Main St",
      emails: [{ original: "ann@example.com" }, { original: "ann@work.example.com" }],
      phones: [{ original: "+15551230001", type: "MOBILE" }],
      customAttributes: { tier: "gold" },
    });
    expect(bob).toMatchObject({ emails: [{ original: "bob@example.com" }] });
    expect(bob).not.toHaveProperty("address");
    expect(bob).not.toHaveProperty("phones");
  });

  it("reads NDJSON, also from stdin, and warns once about columns it ignores", async () => {
    const text = '{"name":"Nd One","email:1":"nd1@example.com","shoeSize":41}\n{"name":"Nd Two","emails":[{"original":"nd2@example.com"}]}\n';
    const fromFile = await gladly(["bulk", "customers", "createCustomer", "--input", await file("c.ndjson", text), "--allow-unknown-columns"]);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stderr.match(/ignored/g)).toHaveLength(1);
    expect(fromFile.stderr).toContain('column "shoeSize" matches nothing of createCustomer');
    expect(
      customersNamed("Nd ")
        .map((c) => c.emails?.[0]?.original)
        .sort(),
    ).toEqual(["nd1@example.com", "nd2@example.com"]);

    const stdinText = '{"name":"Nd Three"}\n';
    const noFormat = await gladly(["bulk", "customers", "createCustomer", "--input", "-"], { io: { stdin: Readable.from([stdinText]) } });
    expect(noFormat.code).toBe(2);
    expect(noFormat.stderr).toMatch(/--format: needed when the input is stdin/);
    const fromStdin = await gladly(["bulk", "customers", "createCustomer", "--input", "-", "--format", "ndjson"], {
      io: { stdin: Readable.from([stdinText]) },
    });
    expect(fromStdin.code).toBe(0);
    expect(customersNamed("Nd Three")).toHaveLength(1);
  });

  it("fills a --map template: path parameters and body from columns", async () => {
    const customerId = [...fake.state.customers.keys()][0]!;
    const inbox = [...fake.state.inboxes.keys()][0]!;
    const input = await file("tasks.csv", `customer,text,due\n${customerId},Tpl call back,2031-01-02T03:04:05.000Z\n`);
    const template = JSON.stringify({ customerId: "{{customer}}", body: { body: "{{text}}", dueAt: "{{due}}", assignee: { inboxId: inbox } } });
    const run = await gladly(["bulk", "tasks", "createTask", "--input", input, "--map", template]);
    expect(run.code).toBe(0);
    const task = [...fake.state.tasks.values()].find((t) => t.body === "Tpl call back");
    expect(task).toMatchObject({ customerId, dueAt: "2031-01-02T03:04:05.000Z", assignee: { inboxId: inbox } });
    // The same template from a file.
    const fromFile = await gladly(["bulk", "tasks", "createTask", "--input", input, "--map", await file("task-map.json", template), "--dry-run"]);
    expect(fromFile.lines[0]).toMatchObject({
      request: { method: "POST", path: `/customers/${encodeURIComponent(customerId)}/tasks`, body: { body: "Tpl call back" } },
    });
  });

  it("--dry-run prints each row's request or problems, sends nothing and needs no credentials", async () => {
    const input = await file("dry.csv", "customerId,name,email:1\nc-1,Dry One,dry@example.com\n,Dry Two,\nc/3,Dry Three,nope\n");
    const before = fake.requests.length;
    const run = await gladly(["bulk", "customers", "updateCustomer", "--input", input, "--dry-run"], { env: {} });
    expect(fake.requests.length).toBe(before);
    expect(run.code).toBe(1);
    expect(run.lines.slice(0, 3)).toEqual([
      {
        row: 1,
        key: "1",
        request: { method: "PATCH", path: "/customer-profiles/c-1", query: {}, body: { name: "Dry One", emails: [{ original: "dry@example.com" }] } },
      },
      { row: 2, key: "2", problems: ["customerId: required, and no column gave it"] },
      { row: 3, key: "3", problems: ['body.emails[0].original: must match format "email"'] },
    ]);
    expect(run.summary).toMatchObject({ total: 3, done: 1, skipped: 0, failed: 2, stopped: false });
  });

  it("--dry-run waits for stdout to drain", async () => {
    const input = await file("drain.csv", "name\nA\nB\nC\n");
    const written: string[] = [];
    const stdout = Object.assign(new EventEmitter(), {
      write: (chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return false;
      },
    });
    const done = runCli({
      argv: ["bulk", "customers", "createCustomer", "--input", input, "--dry-run"],
      env: {},
      stdout,
      stderr: { write: () => true },
      readStdin: async () => "",
      untilInterrupted: () => new Promise<void>(() => {}),
    });
    for (let i = 0; i < 4; i++) {
      while (written.length <= i) await new Promise((resolve) => setImmediate(resolve));
      for (let j = 0; j < 20; j++) await new Promise((resolve) => setImmediate(resolve));
      expect(written).toHaveLength(i + 1); // nothing more until the reader drains
      stdout.emit("drain");
    }
    expect(await done).toBe(0);
    expect(written).toHaveLength(4);
  });

  it("draws a bar with rate and ETA when stderr is a terminal, the warnings above it", async () => {
    const input = await file("tty.csv", "name,shoeSize\nTty One,41\nTty Two,42\n");
    let stderr = "";
    const terminal = {
      isTTY: true,
      columns: 200,
      write: (chunk: string) => {
        stderr += chunk;
        return true;
      },
    };
    const run = await gladly(["bulk", "customers", "createCustomer", "--input", input, "--dry-run", "--allow-unknown-columns"], { io: { stderr: terminal } });
    expect(run.code).toBe(0);
    expect(stderr).toContain('column "shoeSize" matches nothing of createCustomer: ignored\n');
    expect(stderr).toMatch(/bulk =+ 100% \| 2 of ~2 rows: 2 done, 0 skipped, 0 failed \| [\d.]+ rows\/s \| ETA 0s/);
  });

  it("--failures gets every failed row with its columns and reason, and the job goes on", async () => {
    const input = await file(
      "bad.csv",
      'name,email:1,phone:1,phone:1:type\nFail Good,good@example.com,,\nFail Email,bad@,,\nFail Type,,+15550001111,CELL\n"Fail Quote,x\n',
    );
    const failures = join(dir, "failed.csv");
    const run = await gladly(["bulk", "customers", "createCustomer", "--input", input, "--failures", failures]);
    expect(run.code).toBe(1);
    expect(run.summary).toMatchObject({ total: 4, done: 1, failed: 3 });
    expect(customersNamed("Fail ").map((c) => c.name)).toEqual(["Fail Good"]);
    const rows = parse(await readFile(failures, "utf8"), { columns: true }) as Record<string, string>[];
    expect(rows).toEqual([
      {
        name: "Fail Email",
        "email:1": "bad@",
        "phone:1": "",
        "phone:1:type": "",
        error: 'body.emails[0].original: must match format "email"',
        error_status: "",
        error_details: "",
        gladly_row: "2",
        gladly_row_key: "2",
        gladly_raw: "",
      },
      {
        name: "Fail Type",
        "email:1": "",
        "phone:1": "+15550001111",
        "phone:1:type": "CELL",
        error: 'body.phones[0].type: must be one of "HOME", "MOBILE", "OFFICE"',
        error_status: "",
        error_details: "",
        gladly_row: "3",
        gladly_row_key: "3",
        gladly_raw: "",
      },
      {
        name: "",
        "email:1": "",
        "phone:1": "",
        "phone:1:type": "",
        error: expect.stringMatching(/^line 5: Quote Not Closed/),
        error_status: "",
        error_details: "",
        gladly_row: "4",
        gladly_row_key: "4",
        gladly_raw: '"Fail Quote,x',
      },
    ]);
    expect(run.stderr.match(/^row \d+ \(key \d+\) failed: /gm)).toHaveLength(3);
  });

  it("--failures has the CSV's columns even when the first row cannot be read (dry run too)", async () => {
    const input = await file("first-bad.csv", "name,email:1\nFirst,bad,extra\nSecond,second@example.com\n");
    const failures = join(dir, "first-bad-failed.csv");
    const run = await gladly(["bulk", "customers", "createCustomer", "--input", input, "--dry-run", "--failures", failures], { env: {} });
    expect(run.code).toBe(1);
    const text = await readFile(failures, "utf8");
    expect(text.split("\n")[0]).toBe("name,email:1,error,error_status,error_details,gladly_row,gladly_row_key,gladly_raw");
    expect(parse(text, { columns: true })).toEqual([
      {
        name: "",
        "email:1": "",
        error: expect.stringMatching(/^line 2: .*Record Length/),
        error_status: "",
        error_details: "",
        gladly_row: "1",
        gladly_row_key: "1",
        gladly_raw: "First,bad,extra",
      },
    ]);
  });

  it("--failures keeps Gladly's error: status and details", async () => {
    const input = await file("refused.csv", "name\nRefused One\n");
    const failures = join(dir, "refused-failed.csv");
    fake.inject({ match: { operationId: "createCustomer" }, status: 400 });
    const run = await gladly(["bulk", "customers", "createCustomer", "--input", input, "--failures", failures]);
    expect(run.code).toBe(1);
    const [row] = parse(await readFile(failures, "utf8"), { columns: true }) as Record<string, string>[];
    expect(row).toMatchObject({ name: "Refused One", error_status: "400" });
    expect(row!.error).not.toBe("");
    expect(Array.isArray(JSON.parse(row!.error_details!))).toBe(true);
  });

  it("resumes from --journal: rows done are skipped, the failed one is done, nothing is created twice", async () => {
    const input = await file("resume.csv", "name,email:1\nRes One,r1@example.com\nRes Two,r2@example.com\nRes Three,r3@example.com\n");
    const journal = join(dir, "resume.journal");
    fake.inject({ match: { operationId: "createCustomer" }, status: 400 });
    const first = await gladly(["bulk", "customers", "createCustomer", "--input", input, "--journal", journal, "--concurrency", "1"]);
    expect(first.code).toBe(1);
    expect(first.summary).toMatchObject({ total: 3, done: 2, failed: 1 });
    const creates = () => fake.requests.filter((r) => r.operationId === "createCustomer").length;
    const before = creates();
    const second = await gladly(["bulk", "customers", "createCustomer", "--input", input, "--journal", journal, "--concurrency", "1"]);
    expect(second.code).toBe(0);
    expect(second.summary).toMatchObject({ jobId: first.summary.jobId, total: 3, done: 1, skipped: 2, failed: 0 });
    expect(creates() - before).toBe(1);
    expect(
      customersNamed("Res ")
        .map((c) => c.name)
        .sort(),
    ).toEqual(["Res One", "Res Three", "Res Two"]);
    const other = await gladly(["bulk", "customers", "updateCustomer", "--input", input, "--journal", journal]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/customers\.createCustomer, not customers\.updateCustomer/);
  });

  it("counts a delete answered 404 as done, and fails rows whose --key repeats (a row with nothing in it is no row)", async () => {
    fake.state.customers.set("del-1", { id: "del-1", name: "Del One" } as never);
    const input = await file("delete.csv", 'customerId\ndel-1\nnever-existed\ndel-1\n""\n');
    const run = await gladly(["bulk", "customers", "deleteCustomer", "--input", input, "--key", "customerId", "--concurrency", "1"]);
    expect(fake.state.customers.has("del-1")).toBe(false);
    expect(run.summary).toMatchObject({ total: 3, done: 2, failed: 1 });
    expect(run.stderr).toContain('--key customerId: "del-1" is also the key of row 1');
    expect(run.code).toBe(1);
  });

  it("stops on interrupt: no row started, the summary printed, exit 130", async () => {
    const input = await file("interrupt.csv", "name\nInt One\nInt Two\n");
    const run = await gladly(["bulk", "customers", "createCustomer", "--input", input], { io: { untilInterrupted: () => Promise.resolve() } });
    expect(run.code).toBe(130);
    expect(run.summary).toMatchObject({ total: 0, stopped: true });
    expect(customersNamed("Int ")).toEqual([]);
    // Also while the first row is still awaited: stdin with nothing on it yet.
    const silent = { [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<string>>(() => {}) }) };
    for (const dryRun of [[], ["--dry-run"]]) {
      const waiting = await gladly(["bulk", "customers", "createCustomer", "--input", "-", "--format", "csv", ...dryRun], {
        io: { stdin: silent, untilInterrupted: () => new Promise((resolve) => setTimeout(resolve, 20)) },
      });
      expect(waiting.code).toBe(130);
      expect(waiting.summary).toMatchObject({ total: 0, stopped: true });
    }
  });

  it("interrupted mid-job: exit 130 with the summary, and the journal's next run does the rest, each row once", async () => {
    const rows = 120;
    const input = await file("mid.csv", `name\n${Array.from({ length: rows }, (_, i) => `Mid ${i + 1}`).join("\n")}\n`);
    const journal = join(dir, "mid.journal");
    const slow = fake.inject({ match: { operationId: "createCustomer" }, delayMs: 25, times: Number.POSITIVE_INFINITY });
    const before = fake.requests.length;
    // Interrupted once the job is under way; where exactly does not matter to what is checked.
    const interrupted = new Promise<void>((resolve) => {
      const poll = () => (fake.requests.slice(before).some((r) => r.operationId === "createCustomer") ? resolve() : setTimeout(poll, 5));
      poll();
    });
    const first = await gladly(["bulk", "customers", "createCustomer", "--input", input, "--journal", journal, "--concurrency", "2"], {
      io: { untilInterrupted: () => interrupted },
    });
    slow.cancel();
    expect(first.code).toBe(130);
    expect(first.summary).toMatchObject({ stopped: true, failed: 0 });
    expect(first.summary.done as number).toBeLessThan(rows);
    const second = await gladly(["bulk", "customers", "createCustomer", "--input", input, "--journal", journal]);
    expect(second.code).toBe(0);
    expect(second.summary).toMatchObject({ total: rows, skipped: first.summary.done, done: rows - (first.summary.done as number), failed: 0 });
    const names = customersNamed("Mid ").map((c) => c.name);
    expect(names).toHaveLength(rows);
    expect(new Set(names).size).toBe(rows);
  });

  it("exits 2 for bad usage, naming what was wrong", async () => {
    const input = await file("usage.csv", "name\nX\n");
    const noCredentials = {};
    const cases: [string[], RegExp, Record<string, string>?][] = [
      [["bulk", "nogroup", "createCustomer", "--input", input], /unknown group "nogroup"; groups are .*customers/],
      [["bulk", "customers", "noop", "--input", input], /customers has no operation "noop"; it has .*createCustomer/],
      [["bulk", "customers", "createCustomer", "--input", input, "--bogus"], /unknown option '--bogus'/],
      [["bulk", "customers", "createCustomer"], /required option '--input <file>' not specified/],
      [["bulk", "customers", "createCustomer", "--input", input, "--concurrency", "0"], /--concurrency: 0: not a whole number from 1 to 100/],
      [["bulk", "customers", "createCustomer", "--input", join(dir, "rows.txt")], /--format: cannot tell/],
      [["bulk", "customers", "createCustomer", "--input", input, "--format", "xml"], /--format: must be csv, ndjson or json/],
      [["bulk", "customers", "createCustomer", "--input", input, "--map", "{oops"], /--map: not valid JSON/],
      [["bulk", "customers", "createCustomer", "--input", join(dir, "absent.csv")], /--input: .*cannot read it \(ENOENT\)/],
      [["bulk", "customers", "createCustomer", "--input", input], /missing settings: set GLADLY_ORGANIZATION/, noCredentials],
    ];
    for (const [args, message, env] of cases) {
      const run = await gladly(args, env ? { env } : {});
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    }
  });
});
