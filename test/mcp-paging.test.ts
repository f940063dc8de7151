/** Pages of an answer, cut between records. */
import { describe, expect, it } from "vitest";
import { pageNote, pageOf } from "../src/mcp-paging.ts";

const length = (s: string) => s.length;

describe("pageOf", () => {
  it("takes whole records up to the budget, and at least one however long", () => {
    const records = ["aaaa", "bbbb", "cccc", "dddddddddddddddd"];
    expect(pageOf(records, 0, 9, length)).toEqual({ records: ["aaaa", "bbbb"], offset: 0, total: 4, nextOffset: 2 });
    expect(pageOf(records, 3, 9, length)).toEqual({ records: ["dddddddddddddddd"], offset: 3, total: 4, nextOffset: undefined });
    expect(pageOf(records, 9, 9, length)).toEqual({ records: [], offset: 9, total: 4, nextOffset: undefined });
  });

  it("says nothing when all was shown at once, and how to go on otherwise", () => {
    expect(pageNote(pageOf(["a"], 0, 9, length), "rows", "op")).toBe("");
    expect(pageNote(pageOf(["a", "b"], 0, 1, length), "rows", "op")).toBe("[rows 1–1 of 2; for the rest, call op again with the same arguments and offset: 1]");
    expect(pageNote(pageOf(["a", "b"], 1, 1, length), "rows", "op")).toBe("[rows 2–2 of 2; that is the end]");
    expect(pageNote(pageOf(["a", "b"], 5, 1, length), "rows", "op")).toBe("[offset 5 is past the end: there are 2 rows]");
  });
});
