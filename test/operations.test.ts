/**
 * Generated from the manifest: every callable operation is called through its grouped method
 * against nock, and the request Gladly would see is checked field by field.
 */
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OperationEntry, createGladlyClient, operations } from "../src/index.ts";

const BASE = "http://127.0.0.1:65111";
const EMAIL = "api-user@example.com";
const TOKEN = "tok_live_Secret123";
const BASIC = `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString("base64")}`;

const entries = Object.values(operations) as OperationEntry[];
const gladly = createGladlyClient({ baseUrl: BASE, agentEmail: EMAIL, apiToken: TOKEN, rateLimit: false, retry: false });
const groups = gladly as unknown as Record<string, Record<string, (args?: object, options?: object) => Promise<unknown>>>;

// Path values that need encoding, so every operation proves its parameters are escaped.
const pathValue = (name: string) => `${name}/ü 1`;

function argsFor(op: OperationEntry) {
  const args: Record<string, unknown> = {};
  for (const name of op.pathParams) args[name] = pathValue(name);
  for (const q of op.queryParams) args[q.name] = queryValue(q);
  if (op.requestContentType) args.body = { sample: op.operationId, nested: { list: [1, 2] } };
  return args;
}

/** Values that need encoding, or the spec's own values where it lists them. */
function queryValue(q: OperationEntry["queryParams"][number]): string | string[] {
  if (q.enum) return q.array ? q.enum.slice(0, 2) : q.enum[0]!;
  return q.array ? [`${q.name}-a`, `${q.name}-b`] : `${q.name} value&`;
}

function expectedPath(op: OperationEntry) {
  return `/api/v1${op.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(pathValue(name)))}`;
}

function replyFor(op: OperationEntry): { status: number; body: string | Buffer; type?: string; expected: unknown } {
  switch (op.responseKind) {
    case "json":
      return { status: op.successStatuses[0]!, body: JSON.stringify({ id: op.operationId }), type: "application/json", expected: { id: op.operationId } };
    case "text":
      return { status: 200, body: "a,b\n1,2\n", type: op.responseContentType!, expected: "a,b\n1,2\n" };
    case "binary":
      return { status: 200, body: Buffer.from([0, 1, 2, 255]), type: "audio/mpeg", expected: new Uint8Array([0, 1, 2, 255]) };
    case "none":
      // A create that takes an id resolves to the one the client sent; here nothing else names one.
      return { status: op.successStatuses[0]!, body: "", expected: op.createdResource ? expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) : undefined };
  }
}

beforeAll(() => {
  nock.disableNetConnect();
});
afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("every operation in the manifest", () => {
  it("covers the 80 callable operations of the spec", () => {
    expect(entries).toHaveLength(80);
    expect(new Set(entries.map((e) => `${e.method} ${e.path}`)).size).toBe(80);
  });

  it.each(entries.map((op) => [`${op.group}.${op.operationId}`, op] as const))("%s", async (_, op) => {
    const reply = replyFor(op);
    let seen: { path: string; headers: Record<string, unknown>; body: unknown } | undefined;
    const scope = nock(BASE)
      .intercept(() => true, op.method)
      .query(true)
      .reply(function (uri, body) {
        seen = { path: uri, headers: this.req.headers, body };
        // attachments answer 303 and the client follows it
        if (op.successStatuses[0] === 303) return [303, "", { Location: `${BASE}/files/attachment.bin` }];
        return [reply.status, reply.body, reply.type ? { "Content-Type": reply.type } : {}];
      });
    const fileScope =
      op.successStatuses[0] === 303
        ? nock(BASE)
            .get("/files/attachment.bin")
            .reply(200, reply.body as Buffer, { "Content-Type": "audio/mpeg" })
        : undefined;

    const method = groups[op.group]![op.operationId]!;
    const data = await method(argsFor(op));

    expect(scope.isDone()).toBe(true);
    fileScope && expect(fileScope.isDone()).toBe(true);
    const url = new URL(seen!.path, BASE);
    expect(url.pathname).toBe(expectedPath(op));
    expect(url.pathname.match(/\/api\/v1/g)).toHaveLength(1);

    const expectedQuery = new URLSearchParams();
    for (const q of op.queryParams) for (const v of [queryValue(q)].flat()) expectedQuery.append(q.name, v);
    expect([...url.searchParams].sort()).toEqual([...expectedQuery].sort());

    if (op.requestContentType) {
      // Creates that take a client-chosen id get one, so that a retry cannot duplicate them.
      const id = op.createdResource ? { id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) } : {};
      expect(seen!.body).toEqual({ sample: op.operationId, nested: { list: [1, 2] }, ...id });
      expect(seen!.headers["content-type"]).toContain("application/json");
    } else {
      expect(seen!.body).toBe("");
    }

    if (op.auth) expect(seen!.headers.authorization).toBe(BASIC);
    else expect(seen!.headers.authorization).toBeUndefined();

    if (reply.expected instanceof Uint8Array) {
      expect(data).toBeInstanceOf(ArrayBuffer);
      expect(new Uint8Array(data as ArrayBuffer)).toEqual(reply.expected);
    } else {
      expect(data).toEqual(reply.expected);
    }
  });

  it("public answers are exactly the four unauthenticated operations", () => {
    expect(
      entries
        .filter((e) => !e.auth)
        .map((e) => e.operationId)
        .sort(),
    ).toEqual(["getAnswer", "getAnswerTitles", "listAnswers", "searchAnswers"]);
  });
});
