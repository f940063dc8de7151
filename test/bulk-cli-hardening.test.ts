/** `gladly bulk` against what the hostile review threw at it: files it must not destroy, rows it must number right, input it must refuse. */
import { link, mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BulkRecord, MalformedRow, readRows } from "../src/bulk/index.ts";
import { type FakeGladly, startFakeGladly } from "../src/testing/index.ts";
import { collectAll, runGladly } from "./helpers/cli.ts";

let fake: FakeGladly;
let dir: string;

beforeAll(async () => {
  fake = await startFakeGladly({ rateLimit: false });
  dir = await mkdtemp(join(tmpdir(), "gladly-bulk-hard-"));
});
afterAll(() => fake.close());

const gladly = (args: string[], options: Parameters<typeof runGladly>[2] = {}) => runGladly(fake, args, options);

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

const records = (source: AsyncIterable<BulkRecord | MalformedRow>) => collectAll(source);

const customersNamed = (prefix: string) => [...fake.state.customers.values()].filter((c) => c.name?.startsWith(prefix));
const creates = () => fake.requests.filter((r) => r.operationId === "createCustomer").length;
const dry = (args: string[]) => gladly(["bulk", "customers", "createCustomer", ...args, "--dry-run"], { env: {} });

describe("--failures never destroys another file (#1)", () => {
  it("refuses to be the input or the journal, by path or as the same file under another name", async () => {
    const input = await file("same.csv", "name\nSame One\n");
    const sameInput = await dry(["--input", input, "--failures", input]);
    expect(sameInput.code).toBe(2);
    expect(sameInput.stderr).toMatch(/--failures: .*same\.csv is the --input file/);
    expect(await readFile(input, "utf8")).toBe("name\nSame One\n");

    const linked = join(dir, "same-link.csv");
    await link(input, linked);
    expect((await dry(["--input", input, "--failures", linked])).code).toBe(2);
    expect(await readFile(input, "utf8")).toBe("name\nSame One\n");

    const journal = join(dir, "same.journal");
    expect((await gladly(["bulk", "customers", "createCustomer", "--input", input, "--journal", journal])).code).toBe(0);
    const kept = await readFile(journal, "utf8");
    const sameJournal = await gladly(["bulk", "customers", "createCustomer", "--input", input, "--journal", journal, "--failures", journal]);
    expect(sameJournal.code).toBe(2);
    expect(sameJournal.stderr).toMatch(/is the --journal file/);
    expect(await readFile(journal, "utf8")).toBe(kept);
    // A journal not started yet: the same path all the same.
    const fresh = join(dir, "fresh.journal");
    expect((await dry(["--input", input, "--journal", fresh, "--failures", join(dir, ".", "fresh.journal")])).code).toBe(2);
    expect(customersNamed("Same ")).toHaveLength(1);
  });

  it("a run refused with exit 2 leaves an earlier failures file as it was", async () => {
    const failures = await file("kept-failures.csv", "name,error\nOld,old reason\n");
    const input = await file("refused.csv", "name,email:1\nRef One,ref@example.com\n");
    const refusals = [
      ["--input", input, "--key", "nosuch"],
      ["--input", await file("dup-header.csv", "name,name\nA,B\n")],
      ["--input", input, "--journal", "/dev/zero"],
    ];
    for (const args of refusals) {
      const run = await dry([...args, "--failures", failures]);
      expect(run.code, args.join(" ")).toBe(2);
      expect(await readFile(failures, "utf8"), args.join(" ")).toBe("name,error\nOld,old reason\n");
    }
  });
});

describe("one CSV line is one row (#2)", () => {
  it("a stray quote inside a field is text: one row, the rows after it keep their numbers", async () => {
    const csv = 'name,email:1\nGood,g@example.com\nBad "quoted" name,a@example.com\nAfter,after@example.com\n';
    const rows = await records(readRows(Readable.from([csv]), "csv"));
    expect(rows).toEqual([
      { name: "Good", "email:1": "g@example.com" },
      { name: 'Bad "quoted" name', "email:1": "a@example.com" },
      { name: "After", "email:1": "after@example.com" },
    ]);
    const run = await dry(["--input", await file("stray-quote.csv", csv)]);
    expect(run.lines.slice(0, -1).map((l) => [l.row, l.key])).toEqual([
      [1, "1"],
      [2, "2"],
      [3, "3"],
    ]);
    expect(run.summary).toMatchObject({ total: 3, done: 3, failed: 0 });
  });

  it("a line with a field too many is one failed row, its text kept", async () => {
    const rows = await records(readRows(Readable.from(['name,email:1\n"x"y,a,extra,more\nAfter,b\n']), "csv"));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toBeInstanceOf(MalformedRow);
    expect((rows[0] as MalformedRow).raw).toBe('"x"y,a,extra,more');
    expect(rows[1]).toEqual({ name: "After", "email:1": "b" });
  });
});

describe("the failures file runs again under the rows' first keys (#3)", () => {
  it("fixed and run with the same journal, its rows are done, not skipped as the input's first rows", async () => {
    const input = await file(
      "again.csv",
      "name,email:1\nAgain One,again1@example.com\nAgain Two,again2@example.com\nAgain Three,bad@\nAgain Four,again4@example.com,extra\n",
    );
    const journal = join(dir, "again.journal");
    const failures = join(dir, "again-failed.csv");
    const first = await gladly(["bulk", "customers", "createCustomer", "--input", input, "--journal", journal, "--failures", failures]);
    expect(first.summary).toMatchObject({ total: 4, done: 2, failed: 2 });
    const failed = parse(await readFile(failures, "utf8"), { columns: true }) as Record<string, string>[];
    expect(failed.map((r) => [r.gladly_row, r.gladly_row_key, r.gladly_raw])).toEqual([
      ["3", "3", ""],
      ["4", "4", "Again Four,again4@example.com,extra"],
    ]);
    // Fixed as a person would: the bad email corrected, the unreadable line's cells filled in from its text.
    failed[0]!["email:1"] = "again3@example.com";
    failed[1]!.name = "Again Four";
    failed[1]!["email:1"] = "again4@example.com";
    const fixed = await file("again-fixed.csv", stringify(failed, { header: true, columns: Object.keys(failed[0]!) }));
    const before = creates();
    const second = await gladly(["bulk", "customers", "createCustomer", "--input", fixed, "--journal", journal]);
    expect(second.stderr).not.toMatch(/matches nothing/);
    expect(second.summary).toMatchObject({ jobId: first.summary.jobId, total: 2, done: 2, skipped: 0, failed: 0 });
    expect(creates() - before).toBe(2);
    expect(
      customersNamed("Again ")
        .map((c) => [c.name, c.emails?.[0]?.original])
        .sort(),
    ).toEqual([
      ["Again Four", "again4@example.com"],
      ["Again One", "again1@example.com"],
      ["Again Three", "again3@example.com"],
      ["Again Two", "again2@example.com"],
    ]);
    // And the original input again: every row done, nothing created.
    const third = await gladly(["bulk", "customers", "createCustomer", "--input", input, "--journal", journal]);
    expect(third.summary).toMatchObject({ skipped: 4, done: 0, failed: 0 });
  });
});

describe("input that is not UTF-8 (#10)", () => {
  const latin1 = (text: string) => Buffer.from(text, "latin1");

  it("fails the CSV or NDJSON row holding it, naming its line; the other rows go on; UTF-8 cut anywhere reads as it is", async () => {
    const csv = await file("latin1.csv", Buffer.concat([Buffer.from("name\nUtf One\n"), latin1("Jos\u00e9 Latin\n"), Buffer.from("Utf Two \u00e9\n")]));
    const failures = join(dir, "latin1-failed.csv");
    const run = await gladly(["bulk", "customers", "createCustomer", "--input", csv, "--failures", failures]);
    expect(run.code).toBe(1);
    expect(run.summary).toMatchObject({ total: 3, done: 2, failed: 1 });
    expect(run.stderr).toContain("row 2 (key 2) failed: line 3: not UTF-8 (save the file as UTF-8)");
    expect(customersNamed("Jos")).toEqual([]);
    expect(customersNamed("Utf Two")).toHaveLength(1);
    expect((parse(await readFile(failures, "utf8"), { columns: true }) as Record<string, string>[])[0]).toMatchObject({ gladly_row: "2" });

    const ndjson = Buffer.concat([Buffer.from('{"name":"Nd A"}\n'), latin1('{"name":"Jos\u00e9"}\n'), Buffer.from('{"name":"Nd \u00e9"}\n')]);
    const rows = await records(readRows(Readable.from([ndjson]), "ndjson"));
    expect(rows.map((r) => (r instanceof MalformedRow ? r.reason : r))).toEqual([
      { name: "Nd A" },
      "line 2: not UTF-8 (save the file as UTF-8)",
      { name: "Nd \u00e9" },
    ]);
  });

  it("refuses a JSON array that is not UTF-8 (one value: exit 2 naming the line)", async () => {
    const json = await file("latin1.json", Buffer.concat([Buffer.from('[\n{"name":"A"},\n'), latin1('{"name":"Jos\u00e9"}\n]')]));
    const run = await dry(["--input", json]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/line 3: not UTF-8 \(save the file as UTF-8\)/);

    // The line named is the row's first, after quoted line breaks, blank lines and bad rows.
    const mixed = Buffer.concat([Buffer.from('"na\nme",x\na,b\n\n"q\nq",c\nx,y,z\n'), latin1("Jos\u00e9,1\n\n\n\u00e9,2\n"), Buffer.from("ok,3\n")]);
    const mixedRows = await records(readRows(Readable.from([mixed]), "csv"));
    expect(mixedRows.map((r) => (r instanceof MalformedRow ? r.reason.replace(/(line \d+: \w+).*/, "$1") : "ok"))).toEqual([
      "ok",
      "ok",
      "line 7: Invalid",
      "line 8: not",
      "line 11: not",
      "ok",
    ]);
    // Only bytes that are not UTF-8 count: UTF-8 cut anywhere between chunks, a real U+FFFD included, is the text it is.
    const text = "name\nJos\u00e9 \u20ac \u{1F600} \uFFFD\n";
    const bytes = Buffer.from(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      const rows = await records(readRows(Readable.from([bytes.subarray(0, cut), bytes.subarray(cut)]), "csv"));
      expect(rows, `cut at ${cut}`).toEqual([{ name: "Jos\u00e9 \u20ac \u{1F600} \uFFFD" }]);
    }
  });
});

describe("--concurrency (#12)", () => {
  it("takes a decimal whole number from 1 to 100, and refuses anything else with exit 2", async () => {
    const input = await file("conc.csv", "name\nConc\n");
    for (const value of ["1e9", "0x10", "101", "0", "1.5", " 5", "-3", "", "Infinity"]) {
      const run = await dry(["--input", input, "--concurrency", value]);
      expect(run.code, value).toBe(2);
      expect(run.stderr, value).toContain("--concurrency");
    }
    expect((await dry(["--input", input, "--concurrency", "100"])).code).toBe(0);
  });
});

describe("--delimiter (#7)", () => {
  it("reads a semicolon CSV as a European spreadsheet saves it, and refuses a delimiter that cannot be one", async () => {
    const input = await file("semicolon.csv", "name;email:1\nSemi Colon;semi@example.com\n");
    const plain = await dry(["--input", input, "--allow-unknown-columns"]);
    expect(plain.lines[0]).toHaveProperty("problems");
    const run = await dry(["--input", input, "--delimiter", ";"]);
    expect(run.code).toBe(0);
    expect(run.lines[0]).toMatchObject({ request: { body: { name: "Semi Colon", emails: [{ original: "semi@example.com" }] } } });
    for (const bad of ['"', ";;", ""]) expect((await dry(["--input", input, "--delimiter", bad])).code, bad).toBe(2);
  });
});

describe("--key (#15)", () => {
  it("naming a column the CSV header lacks exits 2 at the header: nothing sent, no journal started", async () => {
    const input = await file("nokey.csv", "name,email:1\nNokey One,nokey1@example.com\nNokey Two,nokey2@example.com\n");
    const journal = join(dir, "nokey.journal");
    const before = fake.requests.length;
    const run = await gladly(["bulk", "customers", "createCustomer", "--input", input, "--key", "nosuch", "--journal", journal]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--key: the CSV header has no column "nosuch"; it has "name", "email:1"/);
    expect(run.stderr).not.toMatch(/^row /m);
    expect(fake.requests.length).toBe(before);
    await expect(stat(journal)).rejects.toThrow(/ENOENT/);
    // A column the header has but a row leaves empty fails that row only.
    const empty = await dry(["--input", await file("emptykey.csv", "name,email:1\n,empty@example.com\nKeyed,k@example.com\n"), "--key", "name"]);
    expect(empty.summary).toMatchObject({ total: 2, done: 1, failed: 1 });
    expect(empty.lines[0]).toEqual({ row: 1, key: "1", problems: ["--key name: empty in this row"] });
  });
});

describe("the journal (#16, #17)", () => {
  it("a real run without --journal warns, in one line, that it cannot be resumed; a dry run or a run with one does not", async () => {
    const input = await file("nojournal.csv", "name\nNoj One\n");
    const without = await gladly(["bulk", "customers", "createCustomer", "--input", input]);
    expect(without.code).toBe(0);
    expect(without.stderr.split("\n").filter((l) => /cannot be resumed/.test(l))).toHaveLength(1);
    expect(without.stderr).toMatch(/running it again .*creates each row again/);
    const withJournal = await gladly(["bulk", "customers", "createCustomer", "--input", input, "--journal", join(dir, "nojournal.journal")]);
    expect(withJournal.stderr).not.toMatch(/cannot be resumed/);
    expect((await dry(["--input", input])).stderr).not.toMatch(/cannot be resumed/);
  });

  it("--job-id other than the journal's is an error; the same one is fine", async () => {
    const input = await file("jobid.csv", "name\nJob One\n");
    const journal = join(dir, "jobid.journal");
    const first = await gladly(["bulk", "customers", "createCustomer", "--input", input, "--journal", journal, "--job-id", "job-a"]);
    expect(first.summary).toMatchObject({ jobId: "job-a", done: 1 });
    const other = await gladly(["bulk", "customers", "createCustomer", "--input", input, "--journal", journal, "--job-id", "job-b"]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/--job-id: "job-b" is not the id of the job in .*jobid\.journal \("job-a"\)/);
    const same = await gladly(["bulk", "customers", "createCustomer", "--input", input, "--journal", journal, "--job-id", "job-a"]);
    expect(same.summary).toMatchObject({ jobId: "job-a", skipped: 1 });
    expect(customersNamed("Job One")).toHaveLength(1);
  });

  it("a dry run reads the journal, shows the rows a real run would skip, and never writes it", async () => {
    const input = await file("dryjournal.csv", "name\nDj One\nDj Two\nDj Three\n");
    const journal = join(dir, "dryjournal.journal");
    fake.inject({ match: { operationId: "createCustomer" }, status: 400 });
    const real = await gladly(["bulk", "customers", "createCustomer", "--input", input, "--journal", journal, "--concurrency", "1"]);
    expect(real.summary).toMatchObject({ done: 2, failed: 1 });
    const bytes = await readFile(journal);
    const { mtimeMs } = await stat(journal);
    const run = await dry(["--input", input, "--journal", journal]);
    expect(run.code).toBe(0);
    expect(run.lines).toHaveLength(4);
    expect(run.lines.filter((l) => "skip" in l).map((l) => Object.keys(l))).toEqual([
      ["row", "key", "skip"],
      ["row", "key", "skip"],
    ]);
    expect(run.lines.filter((l) => "skip" in l)[0]).toMatchObject({ skip: "done in the journal" });
    expect(run.lines.filter((l) => "request" in l)).toHaveLength(1);
    expect(run.summary).toMatchObject({ jobId: real.summary.jobId, total: 3, done: 1, skipped: 2, failed: 0 });
    expect(await readFile(journal)).toEqual(bytes);
    expect((await stat(journal)).mtimeMs).toBe(mtimeMs);
    // One not started yet is not created by a dry run.
    expect((await dry(["--input", input, "--journal", join(dir, "never.journal")])).code).toBe(0);
    await expect(stat(join(dir, "never.journal"))).rejects.toThrow(/ENOENT/);
    // Another job's journal, or a file that is not one, is refused by a dry run too.
    expect((await gladly(["bulk", "customers", "updateCustomer", "--input", input, "--journal", journal, "--dry-run"], { env: {} })).code).toBe(2);
    expect((await dry(["--input", input, "--journal", input])).stderr).toMatch(/is not a gladly-api bulk journal/);
  });

  it("a journal that is not a regular file (/dev/zero, a directory) exits 2 instead of hanging", async () => {
    const input = await file("devzero.csv", "name\nDz One\n");
    for (const journal of ["/dev/zero", dir]) {
      const dryRun = await dry(["--input", input, "--journal", journal]);
      expect(dryRun.code, journal).toBe(2);
      expect(dryRun.stderr).toMatch(/--journal: .* is not a regular file/);
      expect((await gladly(["bulk", "customers", "createCustomer", "--input", input, "--journal", journal])).code).toBe(2);
    }
    expect(customersNamed("Dz ")).toEqual([]);
  });
});

describe("the progress bar (#20)", () => {
  it("leaves the terminal's line wrap alone (no ESC[?7l / ESC[?7h), cutting its line to the width instead", async () => {
    let stderr = "";
    const terminal = {
      isTTY: true,
      columns: 40,
      write: (chunk: string) => {
        stderr += chunk;
        return true;
      },
    };
    const run = await gladly(["bulk", "customers", "createCustomer", "--input", await file("wrap.csv", "name\nWrap One\n"), "--dry-run"], {
      env: {},
      io: { stderr: terminal },
    });
    expect(run.code).toBe(0);
    expect(stderr).toMatch(/bulk /);
    expect(stderr).not.toContain("\x1b[?7l");
    expect(stderr).not.toContain("\x1b[?7h");
    const text = stderr
      .split("\x1b")
      .map((part) => part.replace(/^\[[0-9;?]*[A-Za-z]/, ""))
      .join("");
    for (const line of text.split(/\r|\n/)) expect(line.length).toBeLessThanOrEqual(40);
  });
});

describe("rows with nothing in them (#21)", () => {
  it("are skipped as blank lines are, keeping their numbers: the keys of the rows after them do not move", async () => {
    const input = await file("blank.csv", "name,email:1\nBlank One,b1@example.com\n,\n , \nBlank Four,b4@example.com\n");
    const run = await dry(["--input", input]);
    expect(run.code).toBe(0);
    expect(run.lines.slice(0, -1).map((l) => [l.row, l.key])).toEqual([
      [1, "1"],
      [4, "4"],
    ]);
    expect(run.summary).toMatchObject({ total: 2, done: 2, failed: 0 });
    const ndjson = await dry(["--input", await file("blank.ndjson", '{"name":"Nd Blank"}\n{}\n{"name":"","email:1":null}\n{"name":"Nd After"}\n')]);
    expect(ndjson.lines.slice(0, -1).map((l) => l.row)).toEqual([1, 4]);
    const real = await gladly(["bulk", "customers", "createCustomer", "--input", input]);
    expect(real.code).toBe(0);
    expect(real.summary).toMatchObject({ total: 2, done: 2, failed: 0 });
  });
});
