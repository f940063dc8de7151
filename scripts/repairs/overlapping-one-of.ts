import { type Json, type JsonObject, describeLocation, isObject, transform } from "../lib/spec.ts";
import { resolveSchema } from "./example-objects.ts";
import type { Repair } from "./types.ts";

const PROSE = new Set(["title", "description", "example", "examples"]);

/** The schema without its prose, as canonical JSON: two branches with the same shape compare equal. */
function shape(node: Json): string {
  if (Array.isArray(node)) return `[${node.map(shape).join(",")}]`;
  if (!isObject(node)) return JSON.stringify(node);
  const keys = Object.keys(node)
    .filter((k) => !PROSE.has(k))
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${shape(node[k] as Json)}`).join(",")}}`;
}

/** An object schema that requires nothing accepts every object whose named properties fit: it overlaps any other object branch. */
function acceptsAnyObject(schema: JsonObject | undefined): boolean {
  return !!schema && schema.type === "object" && !schema.required && !schema.oneOf && !schema.anyOf && !schema.allOf && schema.additionalProperties !== false;
}

/**
 * `oneOf` means exactly one branch matches, so branches that accept the same value reject it:
 * createRecipientCollection's SMS and Voice recipients have the same shape, and
 * deleteAnswerContentByLanguageAndType's 400 offers the bare `Error` (which requires nothing, so
 * every `{ errors: [...] }` body matches it too). Such a `oneOf` becomes `anyOf`; the generated
 * types are the same union.
 */
export const overlappingOneOf: Repair = {
  name: "overlapping-one-of",
  reason:
    "`oneOf` branches that accept the same values (two identical recipient shapes; an `Error` that requires nothing) reject every value; they become `anyOf`",
  apply(spec) {
    const fixed: string[] = [];
    transform(spec, (node, at) => {
      if (!Array.isArray(node.oneOf)) return undefined;
      const branches = node.oneOf.map((b) => resolveSchema(spec, b));
      const shapes = branches.map((b) => shape(b ?? null));
      const twins = shapes.findIndex((s, i) => shapes.indexOf(s) !== i);
      const open = branches.findIndex(acceptsAnyObject);
      const objects = branches.filter((b) => b?.type === "object" || isObject(b?.properties)).length;
      if (twins < 0 && !(open >= 0 && objects > 1)) return undefined;
      const name = (i: number) => {
        const b = node.oneOf as Json[];
        return isObject(b[i]) && typeof (b[i] as JsonObject).$ref === "string"
          ? String((b[i] as JsonObject).$ref)
              .split("/")
              .pop()
          : String(branches[i]?.title ?? i);
      };
      const why = twins >= 0 ? `${name(shapes.indexOf(shapes[twins]!))} and ${name(twins)} have the same shape` : `${name(open)} requires nothing`;
      node.anyOf = node.oneOf;
      delete node.oneOf;
      fixed.push(`${describeLocation(at)}: oneOf → anyOf (${why})`);
      return undefined;
    });
    return { count: fixed.length, details: fixed };
  },
};
