// import-answers.ts: help-center answers from rows of name, description, language, title, bodyHtml; a name already taken is updated
import { GladlyConflictError, type GladlyClient } from "../../src/index.ts";
import { fileJournal, runBulk } from "../../src/bulk/index.ts";
import { csvRows } from "./csv-rows.ts";

export async function importAnswers(gladly: GladlyClient, csvFile: string, journalFile: string) {
  // Gladly finds answers by name only through the Public Answers API: those with public content, first 1,000 by name.
  const { id: orgId } = await gladly.organization.getOrganization();
  const published = new Map((await gladly.publicAnswers.listAnswers({ orgId: orgId! })).map((answer) => [answer.name, answer.id]));
  return runBulk({
    client: gladly,
    rows: csvRows(csvFile),
    job: "answers.import",
    journal: fileJournal(journalFile),
    async run({ name, description, language, title, bodyHtml }, { gladly }) {
      let answerId: string | undefined;
      try {
        // Under an id derived from the row: if this job created it before a crash, the 409 for that id reads it back.
        answerId = (await gladly.answerManagement.addAnswer({ body: { name, description } })).id;
      } catch (error) {
        // Another answer has this name (409, attr "name", code "taken"): update that one instead.
        if (!(error instanceof GladlyConflictError && error.errors.some((e) => e.attr === "name" && e.code === "taken"))) throw error;
        answerId = published.get(name);
        if (!answerId) throw new Error(`an answer named ${JSON.stringify(name)} exists, but it has no public content to find it by`);
        await gladly.answerManagement.updateAnswer({ answerId, body: { description } });
      }
      await gladly.answerManagement.addAnswerContentByLanguageAndType({
        answerId: answerId!,
        language: language || "en-us",
        type: "public",
        body: { title, bodyHtml },
      });
      return answerId;
    },
  });
}
