// report.ts: runs a job to its end, telling each failed row as it fails; resolves to the summary
import type { BulkRun, BulkSummary } from "../../src/bulk/index.ts";

/** e.g. `console.log(await report(createCustomers(createGladlyClient(), "customers.csv", "customers.journal")))` */
export async function report<Row>(job: BulkRun<Row> | Promise<BulkRun<Row>>, log = console.error): Promise<BulkSummary> {
  const run = await job;
  for await (const row of run) if (row.status === "failed") log(`row ${row.index}: ${row.error.message}`);
  return run.summary();
}
