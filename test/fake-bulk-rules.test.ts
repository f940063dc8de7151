/**
 * Rules of Gladly's spec the fake keeps because the bulk recipes meet them: answer names are
 * unique (409 on a create, 400 on an update, `{attr: "name", code: "taken"}`), and a closed
 * conversation cannot be reassigned.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeGladly, startFakeGladly } from "../src/testing/index.ts";

let fake: FakeGladly;
let auth: string;

beforeAll(async () => {
  fake = await startFakeGladly({ rateLimit: false });
  auth = `Basic ${Buffer.from(`${fake.agentEmail}:${fake.apiToken}`).toString("base64")}`;
});
afterAll(() => fake.close());

const call = (method: string, path: string, body?: unknown) =>
  fetch(`${fake.url}/api/v1${path}`, {
    method,
    headers: { Authorization: auth, ...(body !== undefined && { "Content-Type": "application/json" }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });

const errorsOf = async (response: Response) => ((await response.json()) as { errors: unknown[] }).errors;

describe("answer names", () => {
  it("answers 409 name taken for a create under a name another answer has, and creates nothing", async () => {
    expect((await call("POST", "/answers", { id: "a-1", name: "Gift cards" })).status).toBe(200);
    const again = await call("POST", "/answers", { name: "Gift cards" });
    expect(again.status).toBe(409);
    expect(await errorsOf(again)).toEqual([{ attr: "name", code: "taken", detail: "duplicate answer name" }]);
    expect([...fake.state.answers.values()].filter((a) => a.name === "Gift cards")).toHaveLength(1);
  });

  it("answers 409 id taken, not name taken, for the same create sent again", async () => {
    await call("POST", "/answers", { id: "a-2", name: "Store hours" });
    const again = await call("POST", "/answers", { id: "a-2", name: "Store hours" });
    expect(again.status).toBe(409);
    expect(await errorsOf(again)).toMatchObject([{ attr: "id", code: "taken" }]);
  });

  it("answers 400 name taken for an update to another answer's name, and keeps its own name", async () => {
    await call("POST", "/answers", { id: "a-3", name: "Warranty" });
    const rename = await call("PATCH", "/answers/a-3", { name: "Gift cards" });
    expect(rename.status).toBe(400);
    expect(await errorsOf(rename)).toEqual([{ attr: "name", code: "taken", detail: "duplicate answer name" }]);
    expect(fake.state.answers.get("a-3")!.name).toBe("Warranty");
    // Its own name again is not a conflict.
    expect((await call("PATCH", "/answers/a-3", { name: "Warranty", description: "2 years" })).status).toBe(204);
    expect(fake.state.answers.get("a-3")!.description).toBe("2 years");
  });
});

describe("reassigning conversations", () => {
  it("refuses to reassign a closed conversation, unless the same update reopens it", async () => {
    const conversation = [...fake.state.conversations.values()][0]!;
    const [support, billing] = [...fake.state.inboxes.keys()];
    expect((await call("PATCH", `/conversations/${conversation.id}`, { status: { value: "CLOSED" } })).status).toBe(204);
    const refused = await call("PATCH", `/conversations/${conversation.id}`, { assignee: { inboxId: billing } });
    expect(refused.status).toBe(400);
    expect(await errorsOf(refused)).toEqual([{ code: "invalid_state", detail: "closed conversation cannot be reassigned" }]);
    expect(conversation.inboxId).toBe(support);
    expect((await call("PATCH", `/conversations/${conversation.id}`, { assignee: { inboxId: billing }, status: { value: "OPEN" } })).status).toBe(204);
    expect(conversation).toMatchObject({ inboxId: billing, status: "OPEN" });
  });
});
