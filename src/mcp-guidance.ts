/**
 * What an agent needs to know before its first call (server instructions), and the help center's
 * public answers as MCP resources, read on demand.
 */
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { ListResourceTemplatesRequestSchema, ListResourcesRequestSchema, ReadResourceRequestSchema, type Resource } from "@modelcontextprotocol/sdk/types.js";
import type { GladlyClient } from "./client.ts";
import { GladlyError, GladlyInputError } from "./errors.ts";

export function instructionsFor(options: { dynamic: boolean; allowed: string; answers: boolean }): string {
  return [
    "Gladly (customer service platform) REST API for one organization.",
    options.dynamic
      ? "Find operations with search_operations, read one's arguments with describe_operation, call it with call_operation."
      : "Each tool is one Gladly operation; its name is the operationId.",
    "Finding ids: customers with findCustomers (email, phoneNumber in E.164 such as +14155550100 sent as is, or externalCustomerId); a customer's conversations with getConversations, their items with getConversationItems, tasks with getTasks; agents, teams, inboxes and topics with getAgents, getTeams, getInboxes, getTopics; export files from getJob's `files`.",
    "orgId (Public Answers: searchAnswers, listAnswers, getAnswer): the `id` that getOrganization returns.",
    "getEvents only reaches back 24 hours: startAt must be within the last 24 h (ISO 8601), and an event can arrive up to 15 s late.",
    "Long lists, CSV reports and files come in pages cut between records; the answer gives the offset to pass for the rest.",
    "Creates pick a new id on every call unless body.id is given, and answer with the id.",
    `Allowed here: ${options.allowed}.`,
    ...(options.answers ? ["The help center's public answers are resources (gladly://answers/{answerId}, HTML)."] : []),
  ].join("\n");
}

const PAGE = 100;
const escapeHtml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const ANSWER_URI = /^gladly:\/\/answers\/([^/?#]+)$/;

interface PublicAnswer {
  id: string;
  name?: string;
  bodyHtml?: string;
}

/** resources/list, resources/read and the URI template for the help center's public answers. */
export function serveHelpCenterAnswers(server: Server, client: GladlyClient): void {
  let orgId: Promise<string> | undefined;
  const organization = () => {
    orgId ??= client.organization.getOrganization().then((org) => String((org as { id: unknown }).id));
    // A failed lookup is asked again next time rather than remembered.
    orgId.catch(() => (orgId = undefined));
    return orgId;
  };
  const failure = (error: unknown) => (error instanceof GladlyError || error instanceof GladlyInputError ? new Error(`Gladly: ${error.message}`) : error);

  server.setRequestHandler(ListResourcesRequestSchema, async (request) => {
    const offset = Number(request.params?.cursor ?? 0);
    if (!Number.isInteger(offset) || offset < 0) throw new Error(`cursor ${request.params?.cursor}: not a cursor this server gave`);
    try {
      const answers = (await client.publicAnswers.listAnswers({ orgId: await organization() })) as PublicAnswer[];
      const resources: Resource[] = answers.slice(offset, offset + PAGE).map((a) => ({
        uri: `gladly://answers/${encodeURIComponent(a.id)}`,
        name: a.name ?? a.id,
        mimeType: "text/html",
        description: "Public help center answer",
      }));
      return { resources, ...(offset + PAGE < answers.length && { nextCursor: String(offset + PAGE) }) };
    } catch (error) {
      throw failure(error);
    }
  });
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
    resourceTemplates: [
      {
        uriTemplate: "gladly://answers/{answerId}",
        name: "Public answer",
        mimeType: "text/html",
        description: "A help center answer by id (searchAnswers finds ids)",
      },
    ],
  }));
  server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
    const match = ANSWER_URI.exec(request.params.uri);
    if (!match) throw new Error(`${request.params.uri} is not a resource of this server (gladly://answers/{answerId})`);
    try {
      const answer = (await client.publicAnswers.getAnswer({ orgId: await organization(), answerId: decodeURIComponent(match[1]!) })) as PublicAnswer;
      return {
        contents: [
          {
            uri: request.params.uri,
            mimeType: "text/html",
            text: answer.name ? `<h1>${escapeHtml(answer.name)}</h1>\n${answer.bodyHtml ?? ""}` : (answer.bodyHtml ?? ""),
          },
        ],
      };
    } catch (error) {
      throw failure(error);
    }
  });
}
