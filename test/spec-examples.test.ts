import Ajv, { type ValidateFunction } from "ajv";
import { describe, expect, it } from "vitest";
import { type MediaExample, mediaExamples } from "../scripts/lib/examples.ts";
import { type Json, type JsonObject, type Spec, isObject } from "../scripts/lib/spec.ts";
import { spec as repaired } from "../src/spec.ts";

const spec = repaired as unknown as Spec;
const SPEC_ID = "gladly-spec";

/** Local references point at the registered spec; OpenAPI's `example(s)` are values, not keywords. */
function registered(node: Json): Json {
  if (Array.isArray(node)) return node.map(registered);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "$ref" && typeof value === "string" && value.startsWith("#/")) out[key] = `${SPEC_ID}${value}`;
    else if (key !== "example" && key !== "examples") out[key] = registered(value);
  }
  return out;
}

// Gladly's formats ("RFC3339", "E.164") are prose, not JSON Schema formats; Ajv reads OpenAPI's `nullable`.
const ajv = new Ajv.default({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema({ $id: SPEC_ID, components: registered(spec.components as Json) } as object);

const validators = new Map<JsonObject, ValidateFunction>();
function validatorFor(example: MediaExample): ValidateFunction {
  if (!validators.has(example.media)) validators.set(example.media, ajv.compile(registered(example.media.schema ?? {}) as object));
  return validators.get(example.media)!;
}

const keyOf = (e: MediaExample) => `${e.operationId} ${e.where} ${e.mediaType} ${e.name}`;

/**
 * Examples that are wrong while their schema is right, each with the one value that is wrong, the
 * value the wire carries, and why. The test checks that each example fails as it stands and passes
 * with exactly these corrections, so an entry cannot hide any other mismatch.
 */
const EXAMPLE_ERRATA: { example: string; pointer: string; shown: Json; wire: Json; why: string }[] = [
  {
    example: "getConversationItems 200 application/json Conversation Items",
    pointer: "/3/content/recordingDuration",
    shown: "100",
    wire: 100,
    why:
      "a phone call's recordingDuration is a number of seconds: the schema says integer (example 44), the voicemail in the same example " +
      "sends 200, and the spec's conversation_items.jsonl export sample sends a PHONE_CALL with recordingDuration 11. The quoted '100' is the typo.",
  },
];

function withCorrections(value: Json, corrections: typeof EXAMPLE_ERRATA): Json {
  const copy = structuredClone(value);
  for (const { pointer, wire } of corrections) {
    const tokens = pointer.split("/").slice(1);
    const last = tokens.pop()!;
    let node: Json = copy;
    for (const token of tokens) node = Array.isArray(node) ? node[Number(token)]! : (node as JsonObject)[token]!;
    if (Array.isArray(node)) node[Number(last)] = wire;
    else (node as JsonObject)[last] = wire;
  }
  return copy;
}

const examples = [...mediaExamples(spec)];

describe("the repaired spec's examples", () => {
  it("are all found (every request and response example)", () => {
    expect(examples).toHaveLength(117);
  });

  it.each(examples.map((e) => [keyOf(e), e] as const))("%s validates against its schema", (_key, example) => {
    const validate = validatorFor(example);
    const errata = EXAMPLE_ERRATA.filter((e) => e.example === keyOf(example));
    if (!errata.length) {
      expect(validate(example.value) ? [] : validate.errors).toEqual([]);
      return;
    }
    for (const { pointer, shown } of errata) expect(withCorrections(example.value, [])).toHaveProperty(pointer.split("/").slice(1), shown);
    expect(validate(example.value), "a documented erratum no longer applies: remove it").toBe(false);
    const corrected = withCorrections(example.value, errata);
    expect(validate(corrected) ? [] : validate.errors).toEqual([]);
  });
});
