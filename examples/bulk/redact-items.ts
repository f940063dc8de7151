// redact-items.ts: the content of each row's conversation item (column itemId) removed
import type { GladlyClient } from "../../src/index.ts";
import { fileJournal, runBulk } from "../../src/bulk/index.ts";
import { csvRows } from "./csv-rows.ts";

export function redactItems(gladly: GladlyClient, csvFile: string, journalFile: string) {
  return runBulk({
    client: gladly,
    rows: csvRows(csvFile),
    job: "conversations.redactContent",
    journal: fileJournal(journalFile),
    run: ({ itemId }, { gladly }) => gladly.conversations.redactContent({ itemId: itemId! }),
  });
}
