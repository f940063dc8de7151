// update-conversations.ts: close or reassign conversations; columns conversationId, status (CLOSED or OPEN), inboxId, agentId
import type { GladlyClient } from "../../src/index.ts";
import { fileJournal, runBulk } from "../../src/bulk/index.ts";
import { csvRows } from "./csv-rows.ts";

export function updateConversations(gladly: GladlyClient, csvFile: string, journalFile: string) {
  return runBulk({
    client: gladly,
    rows: csvRows(csvFile),
    job: "conversations.patchConversation",
    journal: fileJournal(journalFile),
    async run({ conversationId, status, inboxId, agentId }, { gladly }) {
      if (!status && !inboxId) throw new Error("the row has neither a status nor an inboxId");
      await gladly.conversations.patchConversation({
        conversationId: conversationId!,
        body: {
          // Gladly checks the status against CLOSED / OPEN, and refuses to reassign a closed conversation.
          ...(status && { status: { value: status as "CLOSED" | "OPEN" } }),
          ...(inboxId && { assignee: { inboxId, ...(agentId && { agentId }) } }),
        },
      });
    },
  });
}
