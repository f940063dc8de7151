// update-customers.ts: the customer with the row's `email`, updated with its other cells (as in create-customers.ts)
import type { GladlyClient } from "../../src/index.ts";
import { fileJournal, runBulk } from "../../src/bulk/index.ts";
import { customerBody } from "./create-customers.ts";
import { csvRows } from "./csv-rows.ts";

export function updateCustomers(gladly: GladlyClient, csvFile: string, journalFile: string) {
  return runBulk({
    client: gladly,
    rows: csvRows(csvFile),
    job: "customers.updateByEmail",
    journal: fileJournal(journalFile),
    async run({ email, ...update }, { gladly }) {
      if (!email) throw new Error("the email cell is empty");
      const found = await gladly.customers.findCustomers({ email });
      if (found.length === 0) throw new Error(`no customer has the email ${email}`);
      if (found.length > 1) throw new Error(`${found.length} customers have the email ${email} (${found.map((c) => c.id).join(", ")}): update one by id`);
      await gladly.customers.updateCustomer({ customerId: found[0]!.id, body: customerBody(update) });
      return found[0]!.id;
    },
  });
}
