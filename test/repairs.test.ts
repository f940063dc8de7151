import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SpecDefectError, findDefects, normalize } from "../scripts/lib/normalize.ts";
import { hoistPathRefs } from "../scripts/repairs/hoist-path-refs.ts";
import { consistentTagNames, missingOperationIds, publicAnswersWithoutAuth, singleBasicAuthScheme } from "../scripts/repairs/operations.ts";
import { colonPathParams, queryInPathKeys, stripServerBasePath } from "../scripts/repairs/path-keys.ts";
import { requiredProperties } from "../scripts/repairs/required-properties.ts";
import { untypedArrays } from "../scripts/repairs/untyped-arrays.ts";
import { webhookPayloadSchema } from "../scripts/repairs/webhook-payload-schema.ts";
import { misplacedExamples } from "../scripts/repairs/misplaced-examples.ts";
import { type JsonObject, collectRefs, operations } from "../scripts/lib/spec.ts";
import { SPEC_TEXT, miniSpec, ok, rawSpec } from "./helpers/spec.ts";

const normalized = normalize(rawSpec());
const report = Object.fromEntries(normalized.report.map((r) => [r.name, r]));
const spec = normalized.spec;
const op = (method: string, path: string) => (spec.paths[path] as JsonObject)[method] as JsonObject;

describe("the vendored spec", () => {
  it("is byte-identical to the published file", () => {
    expect(Buffer.byteLength(SPEC_TEXT)).toBe(424307);
    expect(createHash("sha256").update(SPEC_TEXT).digest("hex")).toBe("c1840f62b5ced8aca7569183ba23237cb9d258ef5fc6fd9e8d4fa006bf849f4a");
  });

  it("has the defects the repairs exist for", () => {
    const raw = rawSpec();
    expect(Object.keys(raw.paths)).toHaveLength(59);
    expect([...operations(raw)]).toHaveLength(81);
    const pathRefs = collectRefs(raw).filter((r) => r.ref.startsWith("#/paths/"));
    expect(pathRefs).toHaveLength(246);
    expect(new Set(pathRefs.map((r) => r.ref)).size).toBe(106);
    expect(pathRefs.some((r) => r.ref.includes("%20"))).toBe(true);
    expect(findDefects(raw).length).toBeGreaterThan(100);
  });
});

describe("hoist-path-refs", () => {
  it("leaves no reference into paths and reports all 246", () => {
    expect(report["hoist-path-refs"]!.count).toBe(246);
    expect(JSON.stringify(spec)).not.toContain("#/paths/");
  });

  it("gives the API's objects readable names", () => {
    const schemas = Object.keys(spec.components.schemas!);
    for (const name of [
      "Customer",
      "Conversation",
      "ConversationItem",
      "Task",
      "TaskComment",
      "Answer",
      "Topic",
      "Webhook",
      "ExportJob",
      "Agent",
      "Inbox",
      "Team",
      "BusinessHours",
      "CustomerProfile",
      "Note",
    ]) {
      expect(schemas).toContain(name);
    }
    expect(spec.components.examples).toHaveProperty("SampleAnswer");
  });

  it("points each operation at its named schema", () => {
    const schemaOf = (o: JsonObject, status = "200") =>
      (((o.responses as JsonObject)[status] as JsonObject).content as JsonObject)["application/json"] as JsonObject;
    expect(schemaOf(op("get", "/customer-profiles/{customerId}")).schema).toEqual({ $ref: "#/components/schemas/Customer" });
    expect(schemaOf(op("get", "/tasks/{taskId}")).schema).toEqual({ $ref: "#/components/schemas/Task" });
    expect(schemaOf(op("get", "/conversations/{conversationId}")).schema).toEqual({ $ref: "#/components/schemas/Conversation" });
  });

  it("names deterministically and resolves collisions without losing either schema", () => {
    const mini = miniSpec({
      "/a": {
        get: ok("getA", {
          responses: {
            "200": { description: "", content: { "application/json": { schema: { title: "Thing", type: "object", properties: { x: { type: "string" } } } } } },
          },
        }),
      },
      "/b": {
        get: ok("getB", {
          responses: {
            "200": { description: "", content: { "application/json": { schema: { title: "Thing", type: "object", properties: { y: { type: "string" } } } } } },
          },
        }),
      },
      "/c": {
        get: ok("getC", {
          responses: {
            "200": {
              description: "",
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    properties: {
                      a: { $ref: "#/paths/~1a/get/responses/200/content/application~1json/schema" },
                      b: { $ref: "#/paths/~1b/get/responses/200/content/application~1json/schema" },
                    },
                  },
                },
              },
            },
          },
        }),
      },
    });
    const first = hoistPathRefs.apply(structuredClone(mini));
    const copy = structuredClone(mini);
    const second = hoistPathRefs.apply(copy);
    expect(second).toEqual(first);
    // The second "Thing" falls back to its operation's name (getB → B).
    expect(Object.keys(copy.components.schemas!).sort()).toEqual(["B", "Thing"]);
    const props = ((((copy.paths["/c"]!.get as JsonObject).responses as JsonObject)["200"] as JsonObject).content as JsonObject)[
      "application/json"
    ] as JsonObject;
    const refs = Object.values((props.schema as JsonObject).properties as JsonObject).map((p) => (p as JsonObject).$ref);
    expect(new Set(refs).size).toBe(2);
    expect(findDefects(copy)).toEqual([]);
  });

  it("reads URL-encoded pointers", () => {
    const mini = miniSpec({
      "/x": {
        post: ok("createX", {
          requestBody: { content: { "application/json": { schema: { type: "object" }, examples: { "My Example": { value: { a: 1 } } } } } },
        }),
      },
      "/y": {
        get: ok("getY", {
          description: "",
          responses: {
            "200": {
              description: "",
              content: { "application/json": { examples: { e: { $ref: "#/paths/~1x/post/requestBody/content/application~1json/examples/My%20Example" } } } },
            },
          },
        }),
      },
    });
    expect(hoistPathRefs.apply(mini).count).toBe(1);
    expect(mini.components.examples).toEqual({ MyExample: { value: { a: 1 } } });
  });
});

describe("webhook-payload-schema", () => {
  it("turns /gladly/webhook into the WebhookEvent union of 48 named events", () => {
    expect(spec.paths["/gladly/webhook"]).toBeUndefined();
    const union = spec.components.schemas!.WebhookEvent as JsonObject;
    const members = union.oneOf as JsonObject[];
    expect(members).toHaveLength(48);
    const types = members.map((m) => {
      const name = (m.$ref as string).split("/").pop()!;
      expect(name).toMatch(/Event$/);
      const schema = spec.components.schemas![name] as JsonObject;
      return ((schema.properties as JsonObject | undefined)?.type as JsonObject | undefined)?.enum;
    });
    expect(types.filter(Boolean)).toHaveLength(48); // PING, prose-only in the spec, gets its literal too
    expect(types).toContainEqual(["CONVERSATION/CLOSED"]);
    expect(types).toContainEqual(["PING"]);
  });

  it("reports no longer matching when the path is gone", () => {
    expect(webhookPayloadSchema.apply(miniSpec({})).count).toBe(0);
  });
});

describe("path keys", () => {
  it("moves baked-in query strings into query parameters", () => {
    expect(report["query-in-path-keys"]!.count).toBe(3);
    expect(Object.keys(spec.paths).filter((p) => p.includes("?"))).toEqual([]);
    const search = op("get", "/orgs/{orgId}/answers-search");
    expect((search.parameters as JsonObject[]).filter((p) => p.in === "query").map((p) => p.name)).toEqual(["q", "lng", "audienceId"]);

    const mini = miniSpec({ "/things?color={color}": { get: ok("getThings") } });
    expect(queryInPathKeys.apply(mini).count).toBe(1);
    expect((mini.paths["/things"]!.get as JsonObject).parameters).toEqual([{ name: "color", in: "query", required: false, schema: { type: "string" } }]);
  });

  it("turns :param into {param} with a declared path parameter", () => {
    expect(spec.paths["/custom-attributes/{customAttributeId}"]).toBeDefined();
    const mini = miniSpec({ "/things/:thingId": { get: ok("getThing") } });
    expect(colonPathParams.apply(mini).count).toBe(1);
    expect(Object.keys(mini.paths)).toEqual(["/things/{thingId}"]);
    expect(findDefects(mini)).toEqual([]);
  });

  it("keeps /api/v1 once, on the servers", () => {
    expect(Object.keys(spec.paths).filter((p) => p.startsWith("/api/"))).toEqual([]);
    expect((spec.servers as JsonObject[]).map((s) => s.url)).toEqual(["https://{organization}.gladly.com/api/v1", "https://{organization}.gladly.qa/api/v1"]);
    const mini = miniSpec({ "/api/v1/things": { get: ok("getThings") }, "/other": { get: ok("getOther") } });
    expect(stripServerBasePath.apply(mini).count).toBe(1);
    expect(Object.keys(mini.paths)).toEqual(["/things", "/other"]);
  });

  it("refuses to merge two paths that define the same method", () => {
    const mini = miniSpec({ "/things?x=1": { get: ok("a") }, "/things": { get: ok("b") } });
    expect(() => queryInPathKeys.apply(mini)).toThrow(/both define GET/);
  });
});

describe("operations", () => {
  it("names the four operations that have no operationId", () => {
    expect(op("get", "/events").operationId).toBe("getEvents");
    expect(op("post", "/reports").operationId).toBe("generateReport");
    expect(op("post", "/reports/work-session-events").operationId).toBe("generateWorkSessionReport");
    expect(op("post", "/customer-history/{customerId}/conversations/{conversationId}/custom-attributes").operationId).toBe("updateConversationFreeformTopics");
  });

  it("fails loudly on a new operation without an operationId", () => {
    const mini = miniSpec({ "/brand-new": { get: { tags: ["Things"], responses: {} } } });
    expect(() => missingOperationIds.apply(mini)).toThrow(/GET \/brand-new has no operationId/);
  });

  it("finds duplicate operationIds", () => {
    const mini = miniSpec({ "/a": { get: ok("same") }, "/b": { get: ok("same") } });
    expect(findDefects(mini)).toEqual([expect.stringContaining("operationId same is also used by GET /a")]);
  });

  it("merges the two basic-auth schemes into one", () => {
    expect(Object.keys(spec.components.securitySchemes!)).toEqual(["basicAuth"]);
    expect(spec.security).toEqual([{ basicAuth: [] }]);
    const mini = miniSpec({ "/a": { get: ok("a", { security: [{ BasicAuth: [] }] }) } });
    mini.components.securitySchemes!.BasicAuth = { type: "http", scheme: "basic", description: "longer description wins" };
    expect(singleBasicAuthScheme.apply(mini).count).toBe(1);
    expect(mini.components.securitySchemes).toEqual({ basicAuth: { type: "http", scheme: "basic", description: "longer description wins" } });
    expect((mini.paths["/a"]!.get as JsonObject).security).toEqual([{ basicAuth: [] }]);
  });

  it("lets the four Public Answers operations run without credentials, and only those", () => {
    const open = [...operations(spec)].filter(({ op: o }) => Array.isArray(o.security) && o.security.length === 0);
    expect(open.map((o) => o.op.operationId).sort()).toEqual(["getAnswer", "getAnswerTitles", "listAnswers", "searchAnswers"]);
    expect(open.every((o) => (o.op.tags as string[])[0] === "Public Answers")).toBe(true);
    const mini = miniSpec({
      "/orgs/{orgId}/answers": {
        get: ok("listAnswers", { tags: ["Public Answer"], parameters: [{ name: "orgId", in: "path", required: true, schema: { type: "string" } }] }),
      },
    });
    consistentTagNames.apply(mini);
    expect(publicAnswersWithoutAuth.apply(mini).count).toBe(1);
    expect(publicAnswersWithoutAuth.apply(mini).count).toBe(0);
  });
});

describe("untyped-arrays", () => {
  it("types the events entities parameter from its documented values", () => {
    const entities = (op("get", "/events").parameters as JsonObject[] | undefined) ?? ((spec.paths["/events"] as JsonObject).parameters as JsonObject[]);
    const schema = entities.find((p) => p.name === "entities")!.schema as JsonObject;
    expect((schema.items as JsonObject).enum).toEqual([
      "AGENT_AVAILABILITY",
      "AGENT_STATUS",
      "CONTACT",
      "CONVERSATION",
      "CUSTOMER",
      "CUSTOMER_PROFILE",
      "PAYMENT_REQUEST",
      "TASK",
    ]);
  });

  it("fails loudly on an array it cannot type", () => {
    const mini = miniSpec({
      "/a": { get: ok("a", { responses: { "200": { description: "", content: { "application/json": { schema: { type: "array" } } } } } }) },
    });
    expect(() => untypedArrays.apply(mini)).toThrow(/cannot infer the items/);
  });
});

describe("misplaced-examples", () => {
  it("turns sendEmail's `to[]` property named `example` back into the example it was", () => {
    const body = (((op("post", "/communications/email").requestBody as JsonObject).content as JsonObject)["application/json"] as JsonObject)
      .schema as JsonObject;
    const to = ((body.properties as JsonObject).to as JsonObject).items as JsonObject;
    expect(Object.keys(to.properties as JsonObject)).toEqual(["email", "name"]);
    expect(to.example).toEqual({ email: "jane.doe@example.com", name: "Jane Doe" });
    expect(report["misplaced-examples"]!.count).toBe(1);
  });

  it("leaves a real property named example alone", () => {
    const schema = { type: "object", properties: { example: { type: "string" }, name: { type: "string" } } };
    const mini = miniSpec({ "/a": { get: ok("a", { responses: { "200": { description: "", content: { "application/json": { schema } } } } }) } });
    expect(misplacedExamples.apply(mini).count).toBe(0);
    expect(Object.keys(schema.properties)).toEqual(["example", "name"]);
  });
});

describe("description-corrections", () => {
  it("stops telling callers of findCustomers to escape + as %2B themselves", () => {
    const find = op("get", "/customer-profiles");
    const phone = (find.parameters as JsonObject[]).find((p) => p.name === "phoneNumber")!;
    expect(phone.description).not.toContain("should be URL escaped");
    expect(phone.description).toContain("the client URL-encodes it");
    expect(find.description).not.toContain("phoneNumber=%2B");
    expect(report["description-corrections"]!.count).toBe(2);
  });
});

describe("required-properties", () => {
  it("takes a body's real shape from its examples when the schema contradicts them", () => {
    const note = (((op("post", "/conversations/{conversationId}/notes").requestBody as JsonObject).content as JsonObject)["application/json"] as JsonObject)
      .schema as JsonObject;
    expect(note.required).toEqual(["content"]);
    expect(Object.keys((note.properties as JsonObject).content as JsonObject)).toContain("properties");
    expect(Object.keys(((note.properties as JsonObject).content as JsonObject).properties as JsonObject)).toEqual(["body"]);
  });

  it("fixes a case typo and drops names that are nowhere", () => {
    const topics = (((op("post", "/conversations/{conversationId}/topics").requestBody as JsonObject).content as JsonObject)["application/json"] as JsonObject)
      .schema as JsonObject;
    expect(topics.required).toEqual(["topicIds"]);
    expect((spec.components.schemas!.Task as JsonObject).required).not.toContain("content");
  });

  it("leaves no required name without a property (checked by findDefects)", () => {
    const mini = miniSpec({
      "/a": {
        get: ok("a", {
          responses: {
            "200": { description: "", content: { "application/json": { schema: { type: "object", required: ["x"], properties: { y: { type: "string" } } } } } },
          },
        }),
      },
    });
    expect(findDefects(mini)).toEqual([expect.stringContaining("required x is not a property")]);
    expect(requiredProperties.apply(mini).count).toBe(1);
    expect(findDefects(mini)).toEqual([]);
  });
});

describe("empty-request-body", () => {
  it("drops the body that redactContent says must be empty", () => {
    expect(op("post", "/conversation-items/{itemId}/redact").requestBody).toBeUndefined();
    expect(report["empty-request-body"]!.details).toEqual(["POST /conversation-items/{itemId}/redact"]);
  });
});

describe("normalize", () => {
  it("rejects unknown new defects with what it found", () => {
    const raw = rawSpec();
    (raw.paths["/api/v1/organization"] as JsonObject).get = {
      ...((raw.paths["/api/v1/organization"] as JsonObject).get as JsonObject),
      responses: { "200": { description: "", content: { "application/xml": {} } } },
    };
    expect(() => normalize(raw)).toThrow(SpecDefectError);
    expect(() => normalize(raw)).toThrow(/unknown content type application\/xml/);
  });

  it("rejects a path parameter that is not declared", () => {
    const mini = miniSpec({ "/a/{id}": { get: ok("a") } });
    expect(findDefects(mini)).toEqual([expect.stringContaining("path parameter {id} is not declared")]);
  });

  it("rejects what is not OpenAPI 3.0", () => {
    expect(() => normalize({ swagger: "2.0", paths: {}, components: {} })).toThrow(/unsupported OpenAPI version/);
    expect(() => normalize("nope")).toThrow(SpecDefectError);
  });

  it("reports every repair with a reason and a count", () => {
    expect(normalized.report.map((r) => r.name)).toEqual([
      "hoist-path-refs",
      "webhook-payload-schema",
      "query-in-path-keys",
      "colon-path-params",
      "strip-server-base-path",
      "missing-operation-ids",
      "single-basic-auth-scheme",
      "consistent-tag-names",
      "public-answers-without-auth",
      "untyped-arrays",
      "required-properties",
      "empty-request-body",
      "misplaced-examples",
      "example-objects-as-values",
      "overlapping-one-of",
      "plain-chat-message-type",
      "error-body-shapes",
      "always-returned-properties",
      "description-corrections",
    ]);
    for (const r of normalized.report) {
      expect(r.reason.length).toBeGreaterThan(20);
      expect(r.count).toBeGreaterThan(0);
    }
  });

  it("does not modify its input", () => {
    const raw = rawSpec();
    const before = JSON.stringify(raw);
    normalize(raw);
    expect(JSON.stringify(raw)).toBe(before);
  });
});
