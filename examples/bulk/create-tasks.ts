// create-tasks.ts: a task per row of customerId, inboxId, agentId (may be empty), body, dueAt
import type { GladlyClient } from "../../src/index.ts";
import { fileJournal, runBulk } from "../../src/bulk/index.ts";
import { csvRows } from "./csv-rows.ts";

export function createTasks(gladly: GladlyClient, csvFile: string, journalFile: string) {
  return runBulk({
    client: gladly,
    rows: csvRows(csvFile),
    job: "tasks.createTask",
    journal: fileJournal(journalFile),
    // The task's id is derived from the job and the row number: run it again with the journal, and no task is made twice.
    run: ({ customerId, inboxId, agentId, body, dueAt }, { gladly }) =>
      gladly.tasks.createTask({
        customerId: customerId!,
        body: { assignee: { inboxId: inboxId!, ...(agentId && { agentId }) }, body: body!, dueAt: dueAt! },
      }),
  });
}
