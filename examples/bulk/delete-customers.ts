// delete-customers.ts: the customer of each row's `customerId`; one that is already gone counts as done
import { GladlyNotFoundError, type GladlyClient } from "../../src/index.ts";
import { fileJournal, runBulk } from "../../src/bulk/index.ts";
import { csvRows } from "./csv-rows.ts";

export function deleteCustomers(gladly: GladlyClient, csvFile: string, journalFile: string) {
  return runBulk({
    client: gladly,
    rows: csvRows(csvFile),
    job: "customers.deleteCustomer",
    journal: fileJournal(journalFile),
    async run(row, { gladly }) {
      try {
        await gladly.customers.deleteCustomer({ customerId: row.customerId! });
        return "deleted";
      } catch (error) {
        // What a resumed job meets for a row deleted just before a crash: the end state holds.
        if (error instanceof GladlyNotFoundError) return "already deleted";
        throw error;
      }
    },
  });
}
