/**
 * Hardening of `gladly bulk`'s mapping and checks: typos in headers and templates stop the job
 * before a row is sent, dates and phones are checked, `email:N` is bounded, templates cannot reach
 * a prototype, and a DELETE's 404 counts as done only when it is Gladly's own not-found.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../generated/operations.ts";
import { compileMapping } from "../src/bulk/index.ts";
import { GladlyInputError } from "../src/errors.ts";
import { type FakeGladly, startFakeGladly } from "../src/testing/index.ts";
import { runGladly } from "./helpers/cli.ts";

let fake: FakeGladly;
let dir: string;

beforeAll(async () => {
  fake = await startFakeGladly({ rateLimit: false });
  dir = await mkdtemp(join(tmpdir(), "gladly-bulk-hardening-"));
});
afterAll(() => fake.close());

const gladly = (args: string[], env?: Record<string, string>) => runGladly(fake, args, env ? { env } : {});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const customersNamed = (prefix: string) => [...fake.state.customers.values()].filter((c) => c.name?.startsWith(prefix));

function thrown(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected it to throw");
}

describe("#7 unknown columns and template properties", () => {
  it("trims header names, and refuses a column that matches nothing, naming it with a hint", () => {
    const map = compileMapping(operations.createCustomer);
    const error = thrown(() => map.check(["name", " email:1", "Phone:1", "shoeSize"]));
    expect(error).toBeInstanceOf(GladlyInputError);
    expect(error.message).toContain('"Phone:1" (did you mean "phone:1"?)');
    expect(error.message).toContain('"shoeSize"');
    expect(error.message).toContain("--allow-unknown-columns");
    expect(error.message).not.toContain('" email:1"');
    expect(map({ name: "Ann", " email:1": "ann@example.com" })).toEqual({ args: { body: { name: "Ann", emails: [{ original: "ann@example.com" }] } } });
  });

  it("with allowUnknownColumns, warns and ignores them instead", () => {
    const map = compileMapping(operations.createCustomer, undefined, { allowUnknownColumns: true });
    expect(map.check(["name", "Phone:1"])).toEqual(['column "Phone:1" (did you mean "phone:1"?) matches nothing of createCustomer: ignored']);
    expect(map({ name: "Ann", "Phone:1": "5551230001" })).toEqual({ args: { body: { name: "Ann" } } });
  });

  it("a JSON row naming a column the first row did not have fails that row", () => {
    const map = compileMapping(operations.createCustomer);
    expect(map({ name: "Ann", nmae: "x" })).toEqual({ problems: ['column "nmae" matches nothing of createCustomer'] });
  });

  it("refuses template properties the schema does not have, at any depth, but leaves free-form maps open", () => {
    const typo = thrown(() => compileMapping(operations.createCustomer, { body: { nmae: "{{name}}" } }));
    expect(typo).toBeInstanceOf(GladlyInputError);
    expect(typo.message).toMatch(/createCustomer has no body\.nmae/);
    expect(() => compileMapping(operations.createCustomer, { body: { emails: [{ orignal: "{{mail}}" }] } })).toThrow(/body\.emails\[0\]\.orignal/);
    expect(() => compileMapping(operations.createTask, { customerId: "{{c}}", body: { body: "x", dueAt: "{{d}}", assignee: { inboxid: "{{i}}" } } })).toThrow(
      /body\.assignee\.inboxid \(did you mean "inboxId"\?\)/,
    );
    const open = compileMapping(operations.createCustomer, {
      body: { name: "{{name}}", customAttributes: { anyName: "{{tier}}" }, "customAttribute:x": "{{x}}" },
    });
    expect(open({ name: "Ann", tier: "gold", x: "1" })).toEqual({ args: { body: { name: "Ann", customAttributes: { anyName: "gold", x: "1" } } } });
  });

  it("with allowUnknownColumns, a template's unknown property is a warning and is sent as written", () => {
    const map = compileMapping(operations.createCustomer, { body: { name: "{{name}}", nmae: "{{name}}" } }, { allowUnknownColumns: true });
    expect(map.check(["name"])).toEqual(["the template's body.nmae is not in createCustomer's schema: sent as written"]);
  });

  it("CLI: exits 2 at the header naming the columns before any row is sent; --allow-unknown-columns goes on with a warning", async () => {
    const input = await file("typos.csv", "name, email:1,Phone:1\nHdr Typo,hdr@example.com,5551230001\n");
    const refused = await gladly(["bulk", "customers", "createCustomer", "--input", input]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('"Phone:1" (did you mean "phone:1"?)');
    expect(refused.stderr).toContain("--allow-unknown-columns");
    expect(customersNamed("Hdr Typo")).toHaveLength(0);

    const allowed = await gladly(["bulk", "customers", "createCustomer", "--input", input, "--allow-unknown-columns"]);
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toContain('column "Phone:1" (did you mean "phone:1"?) matches nothing of createCustomer: ignored');
    expect(customersNamed("Hdr Typo")).toMatchObject([{ emails: [{ original: "hdr@example.com" }] }]);
  });

  it("CLI: a template with an unknown property exits 2, in a dry run too", async () => {
    const input = await file("tpl.csv", "name\nTpl Typo\n");
    const run = await gladly(["bulk", "customers", "createCustomer", "--input", input, "--dry-run", "--map", '{"body":{"nmae":"{{name}}"}}']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("createCustomer has no body.nmae");
    expect(run.stdout).toBe("");
  });
});

describe("#8 dates and phones", () => {
  it("checks the spec's RFC3339 dates as date-times", () => {
    const map = compileMapping(operations.createTask);
    const row = { customerId: "c1", body: "Call back", "assignee.inboxId": "i1" };
    expect(map({ ...row, dueAt: "12/01/2026" })).toEqual({
      problems: ["body.dueAt: must be a date and time with a zone, like 2026-12-01T09:30:00Z (RFC 3339)"],
    });
    expect(map({ ...row, dueAt: "2026-12-01T09:30:00.125Z" })).toMatchObject({ args: { body: { dueAt: "2026-12-01T09:30:00.125Z" } } });
    expect(compileMapping(operations.updateTask)({ taskId: "t1", dueAt: "tomorrow" })).toEqual({
      problems: ["body.dueAt: must be a date and time with a zone, like 2026-12-01T09:30:00Z (RFC 3339)"],
    });
  });

  it("checks an ISO 8601 query parameter", () => {
    const map = compileMapping(operations.findJobs);
    expect(map({ startAt: "yesterday" })).toEqual({ problems: ["startAt: must be a date and time with a zone, like 2026-12-01T09:30:00Z (RFC 3339)"] });
    expect(map({ startAt: "2024-09-15T00:00:00.000Z" })).toEqual({ args: { startAt: "2024-09-15T00:00:00.000Z" } });
  });

  it("refuses only text that is clearly no phone number: national numbers and extensions pass", () => {
    const map = compileMapping(operations.createCustomer);
    const phone = (original: string, extra: Record<string, string> = {}) => map({ name: "P", "phone:1": original, ...extra });
    for (const ok of ["+14155550100", "(415) 555-0100", "415.555.0100 ext. 12", "020 7946 0958"])
      expect(phone(ok, { "phone:1:regionCode": "GB" }), ok).toHaveProperty("args");
    for (const bad of ["call me", "ann@example.com", "n/a", "+1 415 555 0100 0000 0000 0000"])
      expect(phone(bad), bad).toEqual({
        problems: ["body.phones[0].original: must be a phone number (digits, optionally a leading +, spaces, dashes, parentheses, an extension)"],
      });
    expect(compileMapping(operations.createCustomer, { body: { name: "x", phones: [{ original: "5", normalized: "{{n}}" }] } })({ n: "no" })).toMatchObject({
      problems: [expect.stringMatching(/^body\.phones\[0\]\.normalized: must be a phone number/)],
    });
  });

  it("CLI: a dry run reports the bad date and sends nothing", async () => {
    const input = await file("due.csv", "customerId,body,dueAt,assignee.inboxId\nc1,Call,12/01/2026,i1\n");
    const run = await gladly(["bulk", "tasks", "createTask", "--input", input, "--dry-run"]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout.split("\n")[0]!)).toEqual({
      row: 1,
      key: "1",
      problems: ["body.dueAt: must be a date and time with a zone, like 2026-12-01T09:30:00Z (RFC 3339)"],
    });
  });
});

describe("#9 a DELETE's 404", () => {
  it("counts Gladly's not-found as already deleted, and fails a 404 that is not Gladly's", async () => {
    const journal = join(dir, "delete.journal");
    const gone = await gladly(["bulk", "customers", "deleteCustomer", "--input", await file("gone.csv", "customerId\nnever-existed\n"), "--journal", journal]);
    expect(gone.code).toBe(0);
    const entries = (await readFile(journal, "utf8"))
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.at(-1)).toMatchObject({ key: "1", status: "done", result: "already deleted" });

    // Not Gladly: a wrong base URL reaching some other server that answers 404 to everything.
    const bodies = ["<html><body>Not Found</body></html>", '{"message":"Not Found"}', '{"errors":[{"code":"route_missing","detail":"no route"}]}'];
    let answered = 0;
    const other = createServer((request, response) => {
      const body = bodies[answered++ % bodies.length]!;
      response.writeHead(404, { "content-type": body.startsWith("{") ? "application/json" : "text/html" }).end(body);
      request.resume();
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
      const run = await gladly(["bulk", "customers", "deleteCustomer", "--input", await file("wrong.csv", "customerId\na\nb\nc\n"), "--concurrency", "1"], {
        GLADLY_BASE_URL: url,
        GLADLY_AGENT_EMAIL: fake.agentEmail,
        GLADLY_API_TOKEN: fake.apiToken,
      });
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout.trim().split("\n").at(-1)!)).toMatchObject({ total: 3, done: 0, failed: 3 });
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });
});

describe("#14 email:N / phone:N", () => {
  it("N is 1..50 without leading zeros; two columns for one place are refused at the header", () => {
    const map = compileMapping(operations.createCustomer);
    expect(map.check(["name", "email:50", "phone:1", "phone:1:type"])).toEqual([]);
    for (const bad of ["email:01", "email:0", "email:51", "phone:4294967295", "email:007:primary"])
      expect(() => map.check(["name", bad]), bad).toThrow(
        new RegExp(`"${bad}": N of email:N / phone:N must be a whole number from 1 to 50 without leading zeros`),
      );
    expect(() => map.check(["email:1", " email:1"])).toThrow(/columns "email:1" and " email:1" fill the same place/);
    expect(() => map.check(["emails", "email:2"])).toThrow(/columns "emails" and "email:2" fill the same place/);
    // Even when unknown columns are allowed: these are not unknown, they are wrong.
    expect(() => compileMapping(operations.createCustomer, undefined, { allowUnknownColumns: true }).check(["email:01"])).toThrow(GladlyInputError);
  });

  it("CLI: exits 2 at the header naming the columns, nothing sent", async () => {
    const input = await file("n.csv", "name,email:1,email:01\nN Clash,a@example.com,b@example.com\n");
    const run = await gladly(["bulk", "customers", "createCustomer", "--input", input]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('column "email:01": N of email:N');
    expect(customersNamed("N Clash")).toHaveLength(0);
  });
});

describe("#18 templates that are not objects, or reach a prototype", () => {
  it("CLI: --map that is JSON but not an object says it must be a JSON object", async () => {
    const input = await file("m.csv", "name\nM One\n");
    for (const map of ["[1]", " [] ", "1", "null", '"x"']) {
      const run = await gladly(["bulk", "customers", "createCustomer", "--input", input, "--dry-run", "--map", map]);
      expect(run.code, map).toBe(2);
      expect(run.stderr, map).toMatch(/map: must be a JSON object of createCustomer's arguments/);
    }
  });

  it("refuses __proto__, constructor and prototype keys at any depth", () => {
    for (const text of [
      '{"body":{"__proto__":{"name":"{{name}}"}}}',
      '{"body":{"name":"x","customAttributes":{"constructor":"{{c}}"}}}',
      '{"body":{"name":"x","emails":[{"original":"{{e}}","prototype":"1"}]}}',
    ]) {
      const error = thrown(() => compileMapping(operations.createCustomer, JSON.parse(text)));
      expect(error, text).toBeInstanceOf(GladlyInputError);
      expect(error.message, text).toMatch(/not allowed in a template: body\.(__proto__|customAttributes\.constructor|emails\[0\]\.prototype)/);
    }
    expect(() => compileMapping(operations.createCustomer).check(["name", "customAttribute:__proto__"])).toThrow(/"customAttribute:__proto__"/);
  });
});

describe("#7 columns that are there for other reasons", () => {
  it("the --key column and a failures file's own columns are not unknown columns", async () => {
    const failures = join(dir, "failed.csv");
    const input = await file("rerun.csv", "ref,name,email:1\nr1,Rerun One,not-an-email\n");
    const first = await gladly(["bulk", "customers", "createCustomer", "--input", input, "--key", "ref", "--failures", failures]);
    expect(first.code).toBe(1);
    const fixed = (await readFile(failures, "utf8")).replace("not-an-email", "rerun@example.com");
    const again = await gladly(["bulk", "customers", "createCustomer", "--input", await file("fixed.csv", fixed), "--key", "ref"]);
    // Nothing about unknown columns (the one line is the warning that a run without --journal cannot be resumed).
    expect(again.stderr).not.toMatch(/column/i);
    expect(again.code).toBe(0);
    expect(customersNamed("Rerun One")).toMatchObject([{ emails: [{ original: "rerun@example.com" }] }]);
    expect(compileMapping(operations.createCustomer, undefined, { ignoreColumns: ["ref"] }).check(["ref", "name"])).toEqual([]);
  });
});
