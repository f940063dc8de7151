/**
 * OpenAPI 3.0 schemas of the repaired spec → the plain JSON Schema MCP tools carry, valid under
 * ajv's strict mode: references inlined, examples dropped, `nullable` as a type, and `type`
 * written out where Gladly leaves it implied.
 */
import type { OperationEntry } from "../generated/operations.ts";
import { spec } from "./spec.ts";
import { isPlainObject as isSchema } from "./plain-object.ts";

export type Schema = Record<string, unknown>;
const schemas = spec.components.schemas as Record<string, Schema>;

/**
 * `input`: what a caller sends, so server-owned `readOnly` fields (a webhook's id, createdAt…)
 * are left out. `output`: what Gladly answers, as a shape without constraints (no `required`,
 * `enum`, formats or limits; any value may be null) or prose, because SDK clients reject a
 * structured result that breaks its schema and Gladly's answers do not always keep to the spec.
 */
export type Direction = "input" | "output";

const STANDARD_FORMATS = new Set([
  "date-time",
  "date",
  "time",
  "duration",
  "email",
  "hostname",
  "ipv4",
  "ipv6",
  "uri",
  "uri-reference",
  "uuid",
  "uri-template",
  "json-pointer",
  "relative-json-pointer",
  "regex",
  "int32",
  "int64",
  "float",
  "double",
  "byte",
  "binary",
  "password",
]);
const DROPPED = new Set(["example", "examples", "nullable", "xml", "externalDocs", "discriminator", "readOnly", "writeOnly", "title"]);
const OUTPUT_DROPPED = new Set([
  "oneOf",
  "anyOf",
  "required",
  "enum",
  "minLength",
  "maxLength",
  "pattern",
  "minimum",
  "maximum",
  "minItems",
  "maxItems",
  "format",
  "default",
]);
const OBJECT_KEYWORDS = ["properties", "required", "additionalProperties"];

function hidden(node: unknown, direction: Direction): boolean {
  return isSchema(node) && (direction === "input" ? node.readOnly === true : node.writeOnly === true);
}

/** A property schema, references followed, to see whether it is hidden in this direction. */
function resolved(node: unknown): unknown {
  return isSchema(node) && typeof node.$ref === "string" ? schemas[node.$ref.split("/").pop()!] : node;
}

/** An answer's property or list element may be null, whatever the spec says. */
function nullableValue(schema: unknown, direction: Direction): unknown {
  if (direction !== "output" || !isSchema(schema) || typeof schema.type !== "string") return schema;
  return { ...schema, type: [schema.type, "null"] };
}

export function toJsonSchema(node: unknown, direction: Direction, seen: string[] = []): unknown {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n, direction, seen));
  if (!isSchema(node)) return node;
  if (typeof node.$ref === "string") {
    const name = node.$ref.split("/").pop()!;
    // A schema that contains itself is described once; deeper it is just an object.
    if (seen.includes(name)) return { type: "object" };
    return toJsonSchema(schemas[name], direction, [...seen, name]);
  }
  const out: Schema = {};
  const dropped = new Set<string>();
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED.has(key)) continue;
    if (direction === "output" && OUTPUT_DROPPED.has(key)) continue;
    if (key === "properties" && isSchema(value)) {
      const properties: Schema = {};
      for (const [name, child] of Object.entries(value)) {
        if (hidden(resolved(child), direction)) dropped.add(name);
        else properties[name] = nullableValue(toJsonSchema(child, direction, seen), direction);
      }
      out.properties = properties;
    } else out[key] = key === "items" ? nullableValue(toJsonSchema(value, direction, seen), direction) : toJsonSchema(value, direction, seen);
  }
  if (Array.isArray(out.required)) {
    out.required = (out.required as string[]).filter((name) => !dropped.has(name));
    if ((out.required as string[]).length === 0) delete out.required;
  }
  // Strict validators want the type that `properties`/`required`/`items` imply written out.
  if (out.type === undefined && OBJECT_KEYWORDS.some((key) => key in out)) out.type = "object";
  if (out.type === undefined && "items" in out) out.type = "array";
  // Gladly answers null for fields its spec does not mark nullable, and a client that checks a
  // result against its schema would reject the whole answer for one such field. Scalars are made
  // nullable here; objects and arrays only as a property's value or list element (nullableValue),
  // since an allOf branch of an object must stay an object.
  const scalar = typeof out.type === "string" && !["object", "array"].includes(out.type);
  if ((node.nullable === true || (direction === "output" && scalar)) && typeof out.type === "string") out.type = [out.type, "null"];
  // Gladly writes formats in prose ("ISO 8601", "RFC3339"); strict validators reject those, so they move to the description.
  if (typeof out.format === "string" && !STANDARD_FORMATS.has(out.format)) {
    out.description = [out.description, `Format: ${out.format}.`].filter(Boolean).join(" ");
    delete out.format;
  }
  // An answer's shape is what an agent needs from it; field prose (and alternatives, like an
  // item's 15 content types, which the answer itself shows) would cost tokens on every tool list.
  if (direction === "output") delete out.description;
  return out;
}

export function operationSpec(op: OperationEntry): { item: Schema; operation: Schema } {
  const item = spec.paths[op.path] as Schema;
  return { item, operation: item[op.method.toLowerCase()] as Schema };
}

/** The argument MCP adds to answers it pages: where the next page starts. */
export const OFFSET_ARGUMENT = "offset";

export interface InputSchema {
  [key: string]: unknown;
  type: "object";
  properties: Record<string, object>;
  required?: string[];
}

/** Path and query parameters by name, plus `body`; `offset` where the answer is paged. */
export function inputSchemaOf(op: OperationEntry, paged: boolean): InputSchema {
  const { item, operation } = operationSpec(op);
  const parameters = [...((item.parameters as Schema[] | undefined) ?? []), ...((operation.parameters as Schema[] | undefined) ?? [])];
  const properties: Record<string, object> = {};
  const required: string[] = [];
  for (const parameter of parameters) {
    if (parameter.in !== "path" && parameter.in !== "query") continue;
    const name = parameter.name as string;
    properties[name] = {
      ...(toJsonSchema(parameter.schema, "input") as Schema),
      ...(typeof parameter.description === "string" && { description: parameter.description.trim().slice(0, 500) }),
    };
    if (parameter.in === "path" || parameter.required === true) required.push(name);
  }
  const body = (operation.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined)?.content?.[op.requestContentType ?? ""]?.schema;
  if (body !== undefined) {
    properties.body = toJsonSchema(body, "input") as object;
    if (op.bodyRequired) required.push("body");
  }
  if (paged) properties[OFFSET_ARGUMENT] = { type: "integer", minimum: 0, description: "for the rest of a cut answer: the offset it gave" };
  return { type: "object", properties, ...(required.length && { required }) };
}

/** Whether a converted schema admits this type (`type` may be a list once null is allowed). */
export function allowsType(schema: Schema | undefined, type: string): boolean {
  return schema !== undefined && (schema.type === type || (Array.isArray(schema.type) && schema.type.includes(type)));
}

/** The JSON schema of the operation's success answer, if it has one. */
export function responseSchemaOf(op: OperationEntry): Schema | undefined {
  if (op.responseKind !== "json") return undefined;
  const { operation } = operationSpec(op);
  const responses = (operation.responses ?? {}) as Record<string, { content?: Record<string, { schema?: unknown }> }>;
  for (const status of op.successStatuses) {
    const schema = responses[String(status)]?.content?.[op.responseContentType ?? "application/json"]?.schema;
    if (schema !== undefined) return toJsonSchema(schema, "output") as Schema;
  }
  return undefined;
}
