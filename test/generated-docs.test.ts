import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { absoluteLinks, documentSchema, schemaSummary } from "../scripts/lib/docs.ts";

const repo = new URL("..", import.meta.url).pathname;

describe("doc comments of generated/", () => {
  it("precede every top-level export, so the API reference documents each one", async () => {
    for (const file of ["generated/schema.ts", "generated/types.ts", "generated/operations.ts", "generated/webhook-events.ts"]) {
      const lines = (await readFile(`${repo}${file}`, "utf8")).split("\n");
      const undocumented = lines.flatMap((line, i) => (line.startsWith("export ") && !lines[i - 1]!.trimEnd().endsWith("*/") ? [line] : []));
      expect(undocumented, file).toEqual([]);
    }
  });

  it("make the spec's relative links absolute, on Gladly's REST reference, and leave absolute ones alone", () => {
    expect(absoluteLinks("the [Find customers](index.html#tag/Customers) API, ![x](assets/a.png), [Ping](#section/Ping-Event), [R](/rest/#tag/Reports)")).toBe(
      "the [Find customers](https://developer.gladly.com/rest/index.html#tag/Customers) API, ![x](https://developer.gladly.com/rest/assets/a.png), " +
        "[Ping](https://developer.gladly.com/rest/#section/Ping-Event), [R](https://developer.gladly.com/rest/#tag/Reports)",
    );
    expect(absoluteLinks("[a](https://example.com/x) [b](mailto:a@example.com)")).toBe("[a](https://example.com/x) [b](mailto:a@example.com)");
  });

  it("summarize a schema by its description's first paragraph, else a title that says more than its name", () => {
    expect(schemaSummary("Assignee", { title: "Assignee", description: "Inbox and Agent assignee for a Task\n\nMore." })).toBe(
      'The `Assignee` schema of Gladly\'s REST API (`components["schemas"]["Assignee"]`): Inbox and Agent assignee for a Task.',
    );
    expect(schemaSummary("Agent", { title: "Agent" })).toBe('The `Agent` schema of Gladly\'s REST API (`components["schemas"]["Agent"]`).');
  });

  it("fail loudly when openapi-typescript's output no longer has the declarations they document", () => {
    expect(() => documentSchema("export interface paths {}\n")).toThrow(/0 `export type webhooks = ` declarations, expected 1/);
  });
});
