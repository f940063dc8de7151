import { isObject, operations } from "../lib/spec.ts";
import type { Repair } from "./types.ts";

/** A body schema with no shape whose own words say the body is empty. */
function isDeclaredEmpty(schema: unknown): boolean {
  if (!isObject(schema)) return false;
  const shaped = ["type", "properties", "items", "oneOf", "anyOf", "allOf", "$ref", "enum"].some((key) => key in schema);
  return !shaped && typeof schema.description === "string" && /\bempty\b/i.test(schema.description);
}

export const emptyRequestBody: Repair = {
  name: "empty-request-body",
  reason: 'redactContent declares a body whose schema only says "should be empty"; typed as unknown and required, it would force callers to send one',
  apply(spec) {
    const fixed: string[] = [];
    for (const { path, method, op } of operations(spec)) {
      const content = isObject(op.requestBody) && isObject(op.requestBody.content) ? op.requestBody.content : undefined;
      if (!content) continue;
      const media = Object.values(content);
      if (media.length && media.every((m) => isObject(m) && isDeclaredEmpty(m.schema))) {
        delete op.requestBody;
        fixed.push(`${method.toUpperCase()} ${path}`);
      }
    }
    return { count: fixed.length, details: fixed };
  },
};
