// add-topics.ts: a topic, by name, added to each row's conversation; columns conversationId, topic
import type { GladlyClient } from "../../src/index.ts";
import { fileJournal, runBulk } from "../../src/bulk/index.ts";
import { csvRows } from "./csv-rows.ts";

export async function addTopics(gladly: GladlyClient, csvFile: string, journalFile: string) {
  // Topic names to ids, looked up once before the job rather than once per row.
  const topicIds = new Map((await gladly.topics.getTopics()).map((topic) => [topic.name, topic.id]));
  return runBulk({
    client: gladly,
    rows: csvRows(csvFile),
    job: "conversations.addTopicToConversation",
    journal: fileJournal(journalFile),
    async run({ conversationId, topic }, { gladly }) {
      const topicId = topicIds.get(topic ?? "");
      if (!topicId) throw new Error(`no topic is named ${JSON.stringify(topic)}`);
      // Adding a topic the conversation already has changes nothing: safe to repeat.
      await gladly.conversations.addTopicToConversation({ conversationId: conversationId!, body: { topicIds: [topicId] } });
      return topicId;
    },
  });
}
