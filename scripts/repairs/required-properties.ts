import { type Json, type JsonObject, type Spec, describeLocation, isObject, operations, transform } from "../lib/spec.ts";
import type { Repair } from "./types.ts";

/** A schema that describes `value` as the example shows it, keeping what the old schema said of same-named properties. */
function schemaFromExample(value: Json, old: JsonObject | undefined): JsonObject {
  const described = (schema: JsonObject): JsonObject => (old && typeof old.description === "string" ? { ...schema, description: old.description } : schema);
  if (Array.isArray(value))
    return described({ type: "array", items: value.length ? schemaFromExample(value[0]!, isObject(old?.items) ? old.items : undefined) : { type: "string" } });
  if (isObject(value)) {
    const oldProperties = isObject(old?.properties) ? old.properties : {};
    const properties: JsonObject = {};
    for (const [key, child] of Object.entries(value)) {
      const previous = oldProperties[key];
      properties[key] = schemaFromExample(child, isObject(previous) ? previous : undefined);
    }
    return described({ type: "object", properties });
  }
  if (value === null) return { nullable: true };
  return described({ type: typeof value === "number" ? (Number.isInteger(value) ? "integer" : "number") : typeof value });
}

function exampleValues(media: JsonObject): Json[] {
  const values: Json[] = [];
  if (media.example !== undefined) values.push(media.example);
  if (isObject(media.examples)) for (const e of Object.values(media.examples)) if (isObject(e) && e.value !== undefined) values.push(e.value);
  return values;
}

/**
 * Seven schemas list `required` properties they never define: a typo (`topicIDs`), a body whose
 * real shape only its examples show (notes wrap the text in `content`; freeform topics take
 * `add`/`remove` lists), and leftovers. Each is reconciled; nothing is left that a payload
 * could never satisfy.
 */
export const requiredProperties: Repair = {
  name: "required-properties",
  reason: "schemas require properties they never define (typos, bodies whose real shape only the examples show); required must name real properties",
  apply(spec: Spec) {
    const fixed: string[] = [];
    const missing = (schema: JsonObject) =>
      Array.isArray(schema.required) && isObject(schema.properties)
        ? (schema.required as string[]).filter((name) => !(name in (schema.properties as JsonObject)))
        : [];

    // Request bodies first: their examples show what the wire really carries.
    for (const { path, method, op } of operations(spec)) {
      const content = isObject(op.requestBody) && isObject(op.requestBody.content) ? op.requestBody.content : {};
      for (const media of Object.values(content)) {
        if (!isObject(media) || !isObject(media.schema) || missing(media.schema).length === 0) continue;
        const schema = media.schema;
        const properties = schema.properties as JsonObject;
        const examples = exampleValues(media).filter(isObject);
        const wrapsAll = examples.length > 0 && examples.every((e) => Object.keys(e).every((key) => !(key in properties)));
        if (wrapsAll) {
          const inferred = schemaFromExample(examples[0]!, schema);
          // `{ content: { body } }`: the old properties live one level down, under the required name.
          const wrapper = (schema.required as string[]).find((name) => isObject(examples[0]![name]));
          if (wrapper && isObject(inferred.properties) && isObject(inferred.properties[wrapper])) {
            inferred.properties[wrapper] = { ...(inferred.properties[wrapper] as JsonObject), properties: { ...properties } };
          }
          const required = (schema.required as string[]).filter((name) => isObject(inferred.properties) && name in inferred.properties);
          media.schema = { ...(typeof schema.title === "string" && { title: schema.title }), ...inferred, ...(required.length && { required }) };
          fixed.push(`${method.toUpperCase()} ${path}: body shape taken from its examples (${Object.keys(inferred.properties as JsonObject).join(", ")})`);
        }
      }
    }

    transform(spec, (node, at) => {
      const names = missing(node);
      if (!names.length) return undefined;
      const properties = Object.keys(node.properties as JsonObject);
      node.required = (node.required as string[])
        .map((name) => (names.includes(name) ? (properties.find((p) => p.toLowerCase() === name.toLowerCase()) ?? null) : name))
        .filter((name): name is string => name !== null);
      if ((node.required as string[]).length === 0) delete node.required;
      fixed.push(
        `${describeLocation(at)}: required ${names.join(", ")} → ${names.map((n) => properties.find((p) => p.toLowerCase() === n.toLowerCase()) ?? "(dropped)").join(", ")}`,
      );
      return undefined;
    });
    return { count: fixed.length, details: fixed };
  },
};
