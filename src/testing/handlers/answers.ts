import type { AnswerContent } from "../../../generated/types.ts";
import { FakeHttpError, invalid, notFound, taken } from "../http-error.ts";
import type { FakeState, ManagedAnswer } from "../state.ts";
import { type Handlers, json, noContent } from "./types.ts";

const CONTENT_TYPES = ["public", "email", "messaging", "reference"];

function requireAnswer(state: FakeState, id: string): ManagedAnswer {
  const answer = state.answers.get(id);
  if (!answer) throw notFound("answer", id, "answerId");
  return answer;
}

function requireOrg(state: FakeState, orgId: string): void {
  if (orgId !== state.organization.id) throw notFound("organization", orgId, "orgId");
}

/** Public answers: those with `public` content in the language, visible to the audience. */
function publicAnswers(state: FakeState, query: Record<string, unknown>) {
  const language = (query.lng as string | undefined) ?? "en-us";
  const audienceId = query.audienceId as string | undefined;
  const found: { id: string; name: string; bodyHtml: string; language: string; updatedAt: string }[] = [];
  for (const answer of [...state.answers.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const content = state.answerContents.get(answer.id)?.get(`${language}/public`);
    if (!content || (audienceId && !answer.audienceIds.includes(audienceId))) continue;
    found.push({ id: answer.id, name: content.title ?? answer.name, bodyHtml: content.bodyHtml ?? "", language, updatedAt: answer.updatedAt });
  }
  return found;
}

/** Gladly keeps answer names unique: a create answers 409 and an update 400 (as its spec shows), both `{attr: "name", code: "taken"}`. */
function checkNameFree(state: FakeState, name: string, status: 400 | 409, self?: string): void {
  for (const answer of state.answers.values())
    if (answer.name === name && answer.id !== self) throw new FakeHttpError(status, [{ attr: "name", code: "taken", detail: "duplicate answer name" }]);
}

const text = (html: string) => html.replace(/<[^>]*>/g, " ").toLowerCase();

export const answerHandlers: Handlers = {
  addAnswer({ state, body }) {
    if (body.id !== undefined && state.answers.has(body.id)) throw taken("id", body.id);
    if (!body.name) throw invalid("name", "name cannot be blank", "blank");
    checkNameFree(state, body.name, 409);
    for (const id of body.audienceIds ?? []) if (!state.audiences.has(id)) throw invalid("audienceIds", `audience ${id} does not exist`);
    const now = state.now();
    const answer: ManagedAnswer = {
      id: body.id ?? state.newId(),
      name: body.name,
      audienceIds: body.audienceIds ?? [],
      createdAt: now,
      updatedAt: now,
      ...(body.description !== undefined && { description: body.description }),
    };
    state.answers.set(answer.id, answer);
    const { updatedAt: _, ...created } = answer;
    return json(created);
  },

  getAnswerById({ state, params }) {
    return json(requireAnswer(state, params.answerId!));
  },

  updateAnswer({ state, params, body }) {
    const answer = requireAnswer(state, params.answerId!);
    if (body.name !== undefined) checkNameFree(state, body.name, 400, answer.id);
    Object.assign(answer, body, { updatedAt: state.now() });
    return noContent();
  },

  deleteAnswer({ state, params }) {
    requireAnswer(state, params.answerId!);
    state.answers.delete(params.answerId!);
    state.answerContents.delete(params.answerId!);
    return noContent();
  },

  getAnswerContentByLanguageAndType({ state, params }) {
    requireAnswer(state, params.answerId!);
    if (!CONTENT_TYPES.includes(params.type!)) throw invalid("type", `type must be one of ${CONTENT_TYPES.join(", ")}`);
    const content = state.answerContents.get(params.answerId!)?.get(`${params.language}/${params.type}`);
    if (!content) throw notFound(`${params.type} content in ${params.language} for answer`, params.answerId!);
    return json(content);
  },

  addAnswerContentByLanguageAndType({ state, params, body }) {
    const answer = requireAnswer(state, params.answerId!);
    if (!CONTENT_TYPES.includes(params.type!)) throw invalid("type", `type must be one of ${CONTENT_TYPES.join(", ")}`);
    const content: AnswerContent = { answerId: answer.id, language: params.language!, type: params.type!, ...body };
    let contents = state.answerContents.get(answer.id);
    if (!contents) {
      contents = new Map();
      state.answerContents.set(answer.id, contents);
    }
    contents.set(`${params.language}/${params.type}`, content);
    answer.updatedAt = state.now();
    return json(content);
  },

  deleteAnswerContentByLanguageAndType({ state, params }) {
    requireAnswer(state, params.answerId!);
    const removed = state.answerContents.get(params.answerId!)?.delete(`${params.language}/${params.type}`);
    if (!removed) throw notFound(`${params.type} content in ${params.language} for answer`, params.answerId!);
    return noContent();
  },

  searchAnswers({ state, params, query }) {
    requireOrg(state, params.orgId!);
    const terms = String(query.q ?? "")
      .toLowerCase()
      .split(/\s+/)
      .filter(Boolean);
    const hits = publicAnswers(state, query).filter((a) => terms.every((t) => a.name.toLowerCase().includes(t) || text(a.bodyHtml).includes(t)));
    return json(hits.map(({ id, name }) => ({ id, name })));
  },

  listAnswers({ state, params, query }) {
    requireOrg(state, params.orgId!);
    return json(publicAnswers(state, query).slice(0, 1000));
  },

  getAnswerTitles({ state, params, query }) {
    requireOrg(state, params.orgId!);
    const helpCenter = state.helpCenters.get(params.helpCenterId!);
    if (!helpCenter) throw notFound("help center", params.helpCenterId!, "helpCenterId");
    return json(
      publicAnswers(state, query)
        .filter((a) => helpCenter.answerIds.includes(a.id))
        .map(({ id, name }) => ({ id, name })),
    );
  },

  getAnswer({ state, params, query }) {
    requireOrg(state, params.orgId!);
    const answer = publicAnswers(state, query).find((a) => a.id === params.answerId);
    if (!answer) throw notFound("answer", params.answerId!, "answerId");
    return json(answer);
  },
};
