/** Compile-time contract of gladly-api/bulk: a row's result keeps the type its function returns. */
import { describe, expectTypeOf, it } from "vitest";
import { type BulkRun, type RowResult, runBulk } from "../../src/bulk/index.ts";
import type { GladlyClient } from "../../src/index.ts";

declare const gladly: GladlyClient;

describe("runBulk", () => {
  it("types each done row's result as its function's return", () => {
    const run = runBulk({ client: gladly, rows: [{ name: "Ann" }], run: (row, ctx) => ctx.gladly.customers.createCustomer({ body: { name: row.name } }) });
    expectTypeOf(run).toEqualTypeOf<BulkRun<{ name: string }, string>>();
    expectTypeOf<Extract<RowResult<{ name: string }, string>, { status: "done" }>["result"]>().toEqualTypeOf<string>();
    expectTypeOf<Parameters<Parameters<typeof runBulk<{ name: string }, number>>[0]["run"]>[1]["signal"]>().toEqualTypeOf<AbortSignal>();
  });
});
