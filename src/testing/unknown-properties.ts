/**
 * Properties of a request body that the spec's schema does not declare: `emailAddresses` where
 * `emails` was meant is valid JSON Schema (additional properties are allowed) and Gladly may drop it
 * silently, so the fake says so instead.
 */
import type { OperationEntry } from "../../generated/operations.ts";
import type { ErrorDetail } from "./http-error.ts";
import { type Json, type JsonObject, isObject } from "./json.ts";
import { spec } from "./spec.ts";
import { bodySchema } from "./validate.ts";

/** What a value may hold, merged over $ref, allOf, oneOf and anyOf (a name any branch knows is known). */
interface Shape {
  properties: Map<string, JsonObject[]>;
  items: JsonObject[];
  /** additionalProperties allowed, or an object schema that names no properties (a free-form map). */
  open: boolean;
  declaresObject: boolean;
}

function resolve(schema: JsonObject): JsonObject | undefined {
  const ref = schema.$ref;
  if (typeof ref !== "string") return schema;
  const name = ref.startsWith("#/components/schemas/") ? ref.slice("#/components/schemas/".length) : undefined;
  const target = name === undefined ? undefined : spec.components.schemas[name];
  return isObject(target) ? target : undefined;
}

function shapeOf(schemas: JsonObject[]): Shape {
  const shape: Shape = { properties: new Map(), items: [], open: false, declaresObject: false };
  const seen = new Set<JsonObject>();
  const visit = (raw: Json) => {
    if (!isObject(raw)) return;
    const schema = resolve(raw);
    // An unresolvable reference: nothing is known about it, so nothing can be called unknown.
    if (!schema) {
      shape.open = true;
      return;
    }
    if (seen.has(schema)) return;
    seen.add(schema);
    if (isObject(schema.properties)) {
      shape.declaresObject = true;
      for (const [name, property] of Object.entries(schema.properties))
        if (isObject(property)) shape.properties.set(name, [...(shape.properties.get(name) ?? []), property]);
    }
    if (schema.additionalProperties !== undefined && schema.additionalProperties !== false) shape.open = true;
    if (schema.patternProperties !== undefined) shape.open = true;
    if (isObject(schema.items)) shape.items.push(schema.items);
    for (const key of ["allOf", "oneOf", "anyOf"] as const) {
      const branches = schema[key];
      if (Array.isArray(branches)) branches.forEach(visit);
    }
  };
  schemas.forEach(visit);
  if (!shape.declaresObject) shape.open = true;
  return shape;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i]!.toLowerCase() === b[i]!.toLowerCase()) i++;
  return i;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** The known name a typo most likely meant: a near spelling, or a long shared start (`emailAddresses` → `emails`). */
function suggestion(name: string, known: string[]): string | undefined {
  const near = known.filter((k) => distance(name, k) <= 2).sort((a, b) => distance(name, a) - distance(name, b));
  if (near.length) return near[0];
  const prefixed = known
    .map((k) => ({ k, n: commonPrefix(name, k) }))
    .filter(({ n }) => n >= 4)
    .sort((a, b) => b.n - a.n);
  return prefixed[0]?.k;
}

function walk(value: unknown, schemas: JsonObject[], path: string[], out: ErrorDetail[]): void {
  if (schemas.length === 0) return;
  const shape = shapeOf(schemas);
  if (Array.isArray(value)) {
    for (const item of value) walk(item, shape.items, path, out);
    return;
  }
  if (!isObject(value)) return;
  for (const [name, child] of Object.entries(value)) {
    const declared = shape.properties.get(name);
    if (declared) {
      walk(child, declared, [...path, name], out);
      continue;
    }
    if (shape.open) continue;
    const attr = [...path, name].join(".");
    const known = [...shape.properties.keys()].sort();
    const meant = suggestion(name, known);
    const where = path.length ? `in ${path.join(".")}` : "of the body";
    out.push({
      attr,
      code: "invalid",
      detail: `${attr} is not a property ${where}${meant ? `; did you mean ${[...path, meant].join(".")}?` : ""} (known: ${known.join(", ")})`,
    });
  }
}

/** Each property of `body` its operation's request schema does not declare, in Gladly's error shape. */
export function unknownProperties(op: OperationEntry, body: unknown): ErrorDetail[] {
  const schema = bodySchema(op);
  if (!isObject(schema)) return [];
  const out: ErrorDetail[] = [];
  walk(body, [schema], [], out);
  return out;
}
