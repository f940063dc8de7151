import { mediaExamples } from "../lib/examples.ts";
import { type Json, type JsonObject, type Spec, decodePointer, isObject, resolvePointer } from "../lib/spec.ts";
import type { Repair } from "./types.ts";

const EXAMPLE_OBJECT_KEYS = ["summary", "description", "value"];

function resolved(spec: Spec, schema: Json | undefined): JsonObject | undefined {
  let node = schema;
  for (let hops = 0; isObject(node) && typeof node.$ref === "string" && hops < 10; hops++) node = resolvePointer(spec, decodePointer(node.$ref));
  return isObject(node) ? node : undefined;
}

/**
 * `example: { summary, value: […] }`: an Example Object written where a bare value belongs, so the
 * documented value is one level down and the example contradicts its own schema (getTopics' 200).
 * It moves to `examples`, where its `summary` and `value` mean what they say.
 */
export const exampleObjectsAsValues: Repair = {
  name: "example-objects-as-values",
  reason: "an Example Object (`summary`, `value`) written under `example` makes the example a wrapper its schema does not describe (getTopics' 200)",
  apply(spec) {
    const fixed: string[] = [];
    for (const { operationId, where, name, value, media } of [...mediaExamples(spec)]) {
      if (name !== "example" || !isObject(value) || !("value" in value)) continue;
      if (!Object.keys(value).every((key) => EXAMPLE_OBJECT_KEYS.includes(key))) continue;
      const schema = resolved(spec, media.schema);
      if (isObject(schema?.properties) && "value" in schema.properties) continue;
      const key = typeof value.summary === "string" ? value.summary : "example";
      media.examples = { ...(isObject(media.examples) ? media.examples : {}), [key]: value };
      delete media.example;
      fixed.push(`${operationId} ${where}: \`example\` holds an Example Object; moved to examples["${key}"]`);
    }
    return { count: fixed.length, details: fixed };
  },
};

export { resolved as resolveSchema };
