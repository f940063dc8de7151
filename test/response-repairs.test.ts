import { describe, expect, it } from "vitest";
import { normalize } from "../scripts/lib/normalize.ts";
import { type Json, type JsonObject, type Spec, isObject, operations } from "../scripts/lib/spec.ts";
import { alwaysReturnedProperties } from "../scripts/repairs/always-returned-properties.ts";
import { REPAIRS } from "../scripts/repairs/index.ts";
import { miniSpec, rawSpec } from "./helpers/spec.ts";

const { spec, report } = normalize(rawSpec());
const reported = (name: string) => report.find((r) => r.name === name)!;
const schema = (name: string) => spec.components.schemas![name] as JsonObject;
const operation = (id: string) => [...operations(spec)].find((o) => o.op.operationId === id)!.op;
const jsonSchema = (op: JsonObject, status?: string) => {
  const holder = status ? (op.responses as JsonObject)[status] : op.requestBody;
  return ((holder as JsonObject).content as JsonObject)["application/json"] as JsonObject;
};

/** The spec as the other repairs leave it, without always-returned-properties. */
function withoutAlwaysReturned(): Spec {
  const copy = structuredClone(rawSpec());
  for (const repair of REPAIRS) if (repair !== alwaysReturnedProperties) repair.apply(copy);
  return copy;
}

/** A schema with every component reference replaced by what it names (a reference back into itself stays a reference). */
function expanded(root: Spec, node: Json, seen: string[] = []): Json {
  if (Array.isArray(node)) return node.map((n) => expanded(root, n, seen));
  if (!isObject(node)) return node;
  if (typeof node.$ref === "string") {
    const name = node.$ref.split("/").pop()!;
    return seen.includes(name) ? node : expanded(root, root.components.schemas![name] as Json, [...seen, name]);
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, expanded(root, v, seen)]));
}

/** Everything a request carries, by operation: its body and its parameters, fully expanded. */
function requestSides(root: Spec): Record<string, Json> {
  const sides: Record<string, Json> = {};
  for (const { op, item } of operations(root))
    sides[String(op.operationId)] = expanded(root, { body: op.requestBody ?? null, parameters: op.parameters ?? null, shared: item.parameters ?? null });
  return sides;
}

describe("always-returned-properties", () => {
  it("makes the id of every resource a GET answers with required", () => {
    for (const name of ["Inbox", "Agent", "Team", "Task", "TaskComment", "Answer", "ExportJob", "BusinessHours", "Topic"])
      expect(schema(name).required, name).toContain("id");
    // Customer's id lives in CreateCustomerRequest, which createCustomer's body carries: Customer requires it in a member of its own.
    expect(schema("CreateCustomerRequest").required).toBeUndefined();
    expect((schema("Customer").allOf as JsonObject[]).at(-1)).toMatchObject({ required: ["id"], properties: { id: { type: "string" } } });
  });

  it("makes required what every one of several examples shows, and nothing that an example leaves out", () => {
    expect(schema("Topic").required).toEqual(["id", "name", "disabled"]); // parentId is in 2 of the 3 examples
    expect(schema("Conversation").required).toEqual(expect.arrayContaining(["customAttributes", "topicIds"]));
    expect(schema("ConversationItem").required).toContain("initiator");
  });

  it("keeps optional what the spec says is sometimes absent, and says so", () => {
    expect(schema("Conversation").required).not.toContain("agentId");
    expect(schema("ConversationItem").required).not.toContain("conversationId");
    const details = reported("always-returned-properties").details!.join("\n");
    expect(details).toContain("Conversation.agentId kept optional");
    expect(details).toContain(
      'ConversationItem.conversationId kept optional: its description makes it conditional ("id of the conversation the item is part of if it is within one")',
    );
    expect(details).toContain("Inbox: id (the resource getInboxes/getInbox answer with)");
  });

  it("splits a schema that requests carry too: responses get <Name>Response, requests keep <Name>", () => {
    expect(schema("WebhookResponse")).toMatchObject({ allOf: [{ $ref: "#/components/schemas/Webhook" }, { required: ["id"] }] });
    expect(JSON.stringify(schema("Webhook"))).not.toContain('"required":["id"]');
    expect(jsonSchema(operation("getWebhook"), "200").schema).toEqual({ $ref: "#/components/schemas/WebhookResponse" });
    expect(JSON.stringify(jsonSchema(operation("createWebhook")).schema)).toContain('"$ref":"#/components/schemas/Webhook"');
    expect(reported("always-returned-properties").details).toContain(
      "WebhookResponse (split off Webhook, which request bodies carry and keep): id (the resource getWebhooks/getWebhook answer with)",
    );
  });

  it("leaves every request body and parameter exactly as the other repairs leave it", () => {
    const before = requestSides(withoutAlwaysReturned());
    const after = requestSides(spec);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    for (const id of Object.keys(before)) expect(after[id], id).toEqual(before[id]);
  });

  it("needs two examples, not one, and never touches a request-only schema", () => {
    const thing = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, "x"]));
    const properties = { id: { type: "string" }, name: { type: "string" }, note: { type: "string" } };
    const mini = miniSpec({
      "/things": {
        get: {
          operationId: "getThings",
          responses: {
            "200": {
              description: "ok",
              content: {
                "application/json": {
                  schema: { type: "array", items: { $ref: "#/components/schemas/Thing" } },
                  example: [thing(["id", "name", "note"]), thing(["id", "name"])],
                },
              },
            },
          },
        },
        post: {
          operationId: "addThing",
          requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/NewThing" }, example: thing(["name"]) } } },
          responses: { "201": { description: "created" } },
        },
      },
      "/lone": {
        get: {
          operationId: "getLone",
          responses: {
            "200": { description: "ok", content: { "application/json": { schema: { $ref: "#/components/schemas/Lone" }, example: thing(["name", "note"]) } } },
          },
        },
      },
    });
    mini.components.schemas = {
      Thing: { type: "object", properties },
      NewThing: { type: "object", properties },
      Lone: { type: "object", properties: { name: { type: "string" }, note: { type: "string" } } },
    };
    const result = alwaysReturnedProperties.apply(mini);
    expect((mini.components.schemas.Thing as JsonObject).required).toEqual(["id", "name"]);
    expect((mini.components.schemas.NewThing as JsonObject).required).toBeUndefined();
    expect((mini.components.schemas.Lone as JsonObject).required).toBeUndefined();
    expect(result.count).toBe(2);
  });
});

describe("the repairs that make the examples agree with their schemas", () => {
  it("are reported with what they changed", () => {
    expect(reported("error-body-shapes").count).toBe(13);
    expect(reported("error-body-shapes").details).toContain("deleteJob 400: also a bare list of errors");
    expect(reported("error-body-shapes").details).toContain("getCustomer 404: also `errors` as one object (1 example)");
    expect(reported("overlapping-one-of").count).toBe(2);
    expect(reported("example-objects-as-values").details).toEqual(['getTopics 200: `example` holds an Example Object; moved to examples["Topics"]']);
    expect(reported("plain-chat-message-type").count).toBe(1);
  });

  it("widen error responses to the shapes their examples show, keeping the documented list first", () => {
    expect(jsonSchema(operation("deleteJob"), "400").schema).toEqual({
      anyOf: [
        { $ref: "#/components/schemas/Errors" },
        { type: "array", description: "the errors as a bare list, as this response's example shows", items: { $ref: "#/components/schemas/Error" } },
      ],
    });
  });

  it("turn only oneOfs whose branches overlap into anyOf", () => {
    expect(jsonSchema(operation("deleteAnswerContentByLanguageAndType"), "400").schema).toEqual({
      anyOf: [{ $ref: "#/components/schemas/Error" }, { $ref: "#/components/schemas/ErrorsWithMeta" }],
    });
    expect(schema("ConversationItem").properties).toHaveProperty("content.oneOf");
    expect(schema("ChatMessage").oneOf).toHaveLength(3);
  });
});
