/**
 * runBulk yields one outcome for every row it reads, also for a row that finishes while the next
 * row is still being read (a CSV parser, any async source): none may be lost between the two.
 */
import { describe, expect, it } from "vitest";
import { runBulk } from "../src/bulk/index.ts";
import { createGladlyClient } from "../src/index.ts";

const client = createGladlyClient({ baseUrl: "http://127.0.0.1:9", agentEmail: "a@example.com", apiToken: "t", rateLimit: false });

/** Rows that take a moment each to arrive, as a file read in chunks does. */
async function* slowRows(count: number) {
  for (let n = 1; n <= count; n++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    yield n;
  }
}

describe("runBulk's outcomes", () => {
  it("yields every row, done or failed, when rows finish while the next one is read", async () => {
    const run = runBulk({
      client,
      rows: slowRows(6),
      async run(n) {
        if (n % 2 === 0) throw new Error(`row ${n} is even`);
        return n;
      },
    });
    const seen: string[] = [];
    for await (const row of run) seen.push(`${row.key}:${row.status}`);
    expect(seen.sort()).toEqual(["1:done", "2:failed", "3:done", "4:failed", "5:done", "6:failed"]);
    expect(await run.summary()).toMatchObject({ total: 6, done: 3, failed: 3, skipped: 0 });
  });

  it("counts every row in the summary when nobody iterates the outcomes", async () => {
    const summary = await runBulk({ client, rows: slowRows(4), run: async (n) => n }).summary();
    expect(summary).toMatchObject({ total: 4, done: 4 });
  });
});
