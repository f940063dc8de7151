import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import type { OperationEntry } from "../../generated/operations.ts";
import type { ErrorDetail } from "./http-error.ts";
import { type Json, type JsonObject, isObject } from "./json.ts";
import { spec } from "./spec.ts";

const SPEC_ID = "gladly-spec";

/** Points local component references at the registered spec, and (for requests) drops readOnly properties from `required`. */
function prepare(node: Json, forRequest: boolean): Json {
  if (Array.isArray(node)) return node.map((n) => prepare(n, forRequest));
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "$ref" && typeof value === "string" && value.startsWith("#/")) out[key] = `${SPEC_ID}${value}`;
    else if (key === "example" || key === "examples") continue;
    else out[key] = prepare(value, forRequest);
  }
  if (forRequest && Array.isArray(out.required) && isObject(out.properties)) {
    const properties = out.properties;
    out.required = out.required.filter((name) => !(isObject(properties[name as string]) && (properties[name as string] as JsonObject).readOnly === true));
    // Gladly answers `blank` for a required string that is empty, not only for a missing one.
    for (const name of out.required) {
      const property = properties[name as string];
      if (isObject(property) && property.type === "string" && property.minLength === undefined && property.enum === undefined)
        properties[name as string] = { ...property, minLength: 1 };
    }
  }
  return out;
}

function makeAjv(options: { coerceTypes?: "array" }, forRequest = true) {
  // Gladly's formats ("RFC3339", "ISO 8601") are prose, not JSON Schema formats.
  const ajv = new Ajv.default({ strict: false, allErrors: true, validateFormats: false, ...options });
  ajv.addSchema({ $id: SPEC_ID, components: prepare(spec.components as Json, forRequest) } as object);
  return ajv;
}

const bodies = makeAjv({});
const queries = makeAjv({ coerceTypes: "array" });
// Answers are checked with readOnly properties still required: a response always carries them (WebhookResponse's id).
const answers = makeAjv({}, false);
const cache = new Map<string, ValidateFunction | null>();

export function bodySchema(op: OperationEntry): Json | undefined {
  const body = (spec.paths[op.path] as JsonObject)[op.method.toLowerCase()] as JsonObject;
  const content = isObject(body.requestBody) && isObject(body.requestBody.content) ? body.requestBody.content[op.requestContentType ?? ""] : undefined;
  return isObject(content) ? content.schema : undefined;
}

function querySchema(op: OperationEntry): Json {
  const item = spec.paths[op.path] as JsonObject;
  const operation = item[op.method.toLowerCase()] as JsonObject;
  const params = [...(Array.isArray(item.parameters) ? item.parameters : []), ...(Array.isArray(operation.parameters) ? operation.parameters : [])].filter(
    (p): p is JsonObject => isObject(p) && p.in === "query",
  );
  return {
    type: "object",
    properties: Object.fromEntries(params.map((p) => [p.name as string, p.schema ?? {}])),
    required: params.filter((p) => p.required === true).map((p) => p.name as string),
  };
}

function compiled(key: string, ajv: InstanceType<typeof Ajv.default>, schema: Json | undefined): ValidateFunction | null {
  if (!cache.has(key)) cache.set(key, schema === undefined ? null : ajv.compile(prepare(schema, true) as object));
  return cache.get(key)!;
}

function attrOf(error: ErrorObject): string {
  const path = error.instancePath
    .split("/")
    .filter(Boolean)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (error.keyword === "required") path.push((error.params as { missingProperty: string }).missingProperty);
  return path.filter((p) => !/^\d+$/.test(p)).join(".");
}

/** Ajv's findings in Gladly's words: blank, invalid, too_long. */
function toDetails(errors: ErrorObject[] | null | undefined): ErrorDetail[] {
  const details = new Map<string, ErrorDetail>();
  for (const error of errors ?? []) {
    // oneOf/anyOf wrappers repeat what their branches said; keep the branch's words.
    if (error.keyword === "oneOf" || error.keyword === "anyOf" || error.keyword === "if") continue;
    const attr = attrOf(error) || "body";
    let detail: ErrorDetail;
    if (error.keyword === "required") detail = { attr, code: "blank", detail: `${attr} cannot be blank` };
    else if (error.keyword === "maxLength" || error.keyword === "maxItems") {
      detail = { attr, code: "too_long", detail: `${attr} cannot be longer than ${(error.params as { limit: number }).limit}` };
    } else if (error.keyword === "minLength" && (error.params as { limit: number }).limit === 1)
      detail = { attr, code: "blank", detail: `${attr} cannot be blank` };
    else if (error.keyword === "enum")
      detail = { attr, code: "invalid", detail: `${attr} must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.join(", ")}` };
    else detail = { attr, code: "invalid", detail: `${attr} ${error.message ?? "is invalid"}` };
    if (!details.has(attr)) details.set(attr, detail);
  }
  return [...details.values()];
}

export function validateBody(op: OperationEntry, body: unknown): ErrorDetail[] {
  const validate = compiled(`body ${op.operationId}`, bodies, bodySchema(op));
  if (!validate) return [];
  if (body === undefined) return op.bodyRequired ? [{ attr: "body", code: "blank", detail: "request body cannot be blank" }] : [];
  return validate(body) ? [] : toDetails(validate.errors);
}

/** Validates (and coerces, in place) the query parameters of a request. */
export function validateQuery(op: OperationEntry, query: Record<string, unknown>): ErrorDetail[] {
  const validate = compiled(`query ${op.operationId}`, queries, querySchema(op));
  return validate && !validate(query) ? toDetails(validate.errors) : [];
}

/** For tests: does a response body match what the spec says the operation returns? */
export function responseProblems(op: OperationEntry, status: number, body: unknown): ErrorDetail[] {
  const operation = (spec.paths[op.path] as JsonObject)[op.method.toLowerCase()] as JsonObject;
  const response = isObject(operation.responses) ? operation.responses[String(status)] : undefined;
  const content = isObject(response) && isObject(response.content) ? response.content["application/json"] : undefined;
  if (!isObject(content) || content.schema === undefined) return [];
  const key = `response ${op.operationId} ${status}`;
  if (!cache.has(key)) cache.set(key, answers.compile(prepare(content.schema, false) as object));
  const validate = cache.get(key)!;
  return validate(body) ? [] : toDetails(validate.errors);
}

/** For tests: does a value match a named component schema of the spec? */
export function schemaProblems(component: string, value: unknown): ErrorDetail[] {
  const key = `component ${component}`;
  if (!cache.has(key)) cache.set(key, answers.compile({ $ref: `${SPEC_ID}#/components/schemas/${component}` }));
  const validate = cache.get(key)!;
  return validate(value) ? [] : toDetails(validate.errors);
}
