import { type JsonObject, describeLocation, isObject, transform } from "../lib/spec.ts";
import type { Repair } from "./types.ts";

const SCHEMA_KEYWORDS = ["type", "$ref", "properties", "items", "allOf", "oneOf", "anyOf", "enum", "format", "description", "nullable"];

/**
 * `properties.example` that is not a schema but a value shaped like its siblings: an `example`
 * indented one level too deep, which would otherwise become a property named `example`.
 */
function misplacedExample(schema: JsonObject): JsonObject | undefined {
  if (!isObject(schema.properties)) return undefined;
  const candidate = schema.properties.example;
  if (!isObject(candidate) || SCHEMA_KEYWORDS.some((key) => key in candidate)) return undefined;
  const siblings = Object.keys(schema.properties).filter((name) => name !== "example");
  const keys = Object.keys(candidate);
  return keys.length > 0 && keys.every((key) => siblings.includes(key)) ? candidate : undefined;
}

export const misplacedExamples: Repair = {
  name: "misplaced-examples",
  reason:
    "an `example` indented one level too deep sits under `properties`, so a property named `example` appears in the types and input schemas (sendEmail's `to[]`)",
  apply(spec) {
    const fixed: string[] = [];
    transform(spec, (node, at) => {
      const example = misplacedExample(node);
      if (!example) return undefined;
      delete (node.properties as JsonObject).example;
      node.example ??= example;
      fixed.push(`${describeLocation(at)}: properties.example → example`);
      return undefined;
    });
    return { count: fixed.length, details: fixed };
  },
};
