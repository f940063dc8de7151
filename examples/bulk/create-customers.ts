// create-customers.ts: a customer per row of name, address, email:1, email:2, phone:1, customAttribute:<name>
import type { CustomerProfile, GladlyClient } from "../../src/index.ts";
import { fileJournal, runBulk } from "../../src/bulk/index.ts";
import { csvRows } from "./csv-rows.ts";

/** The row's filled cells as a profile; lists and custom attributes only when a cell fills them, so an update keeps the rest. */
export function customerBody(row: Record<string, string>): CustomerProfile {
  const body: CustomerProfile = {};
  const emails: string[] = [];
  const phones: string[] = [];
  const customAttributes: Record<string, string> = {};
  for (const [column, value] of Object.entries(row)) {
    const [, list, n] = /^(email|phone):([1-9]\d*)$/.exec(column) ?? [];
    if (!value) continue; // an empty cell leaves its property out
    if (list) (list === "email" ? emails : phones)[Number(n) - 1] = value;
    else if (column === "name" || column === "address") body[column] = value;
    else if (column.startsWith("customAttribute:")) customAttributes[column.slice("customAttribute:".length)] = value;
  }
  // filter() closes the gap an empty email:1 leaves before a filled email:2; the first is the preferred one.
  if (emails.length) body.emails = emails.filter(Boolean).map((original, i) => ({ original, primary: i === 0 }));
  if (phones.length) body.phones = phones.filter(Boolean).map((original, i) => ({ original, primary: i === 0, regionCode: "US" })); // Gladly's default
  if (Object.keys(customAttributes).length) body.customAttributes = customAttributes;
  return body;
}

export function createCustomers(gladly: GladlyClient, csvFile: string, journalFile: string) {
  return runBulk({
    client: gladly,
    rows: csvRows(csvFile),
    job: "customers.createCustomer",
    journal: fileJournal(journalFile),
    // No id in the body: the job derives one from the row, so a create resent after a crash is read back, not made twice.
    run: (row, { gladly }) => gladly.customers.createCustomer({ body: customerBody(row) }),
  });
}
