/**
 * A bulk row's arguments checked against the operation's input schema before anything is sent,
 * with each finding as one line naming the property: `body.emails[0].original: must match format "email"`.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { OperationEntry } from "../../generated/operations.ts";
import { type Schema, inputSchemaOf } from "../mcp-schema.ts";

function isSchema(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Gladly's spec gives email addresses no format, and Gladly takes a malformed one into a profile
 * that then cannot be found or written to; a spreadsheet's typo is caught here instead.
 */
function withEmailFormats(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withEmailFormats);
  if (!isSchema(node)) return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) out[key] = withEmailFormats(value);
  if (isSchema(out.properties)) {
    const properties = { ...out.properties };
    const address = properties.emailAddress;
    if (isSchema(address) && address.type === "string" && address.format === undefined) properties.emailAddress = { ...address, format: "email" };
    const emails = properties.emails;
    if (isSchema(emails) && isSchema(emails.items) && isSchema(emails.items.properties)) {
      const original = emails.items.properties.original;
      if (isSchema(original) && original.format === undefined)
        properties.emails = { ...emails, items: { ...emails.items, properties: { ...emails.items.properties, original: { ...original, format: "email" } } } };
    }
    out.properties = properties;
  }
  return out;
}

let ajv: InstanceType<typeof Ajv.default> | undefined;
const compiled = new Map<string, ValidateFunction>();

/** `/body/emails/0/original` → `body.emails[0].original`. */
function pathOf(pointer: string, extra?: string): string {
  const segments = pointer
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (extra !== undefined) segments.push(extra);
  return segments.reduce((path, s) => (/^\d+$/.test(s) ? `${path}[${s}]` : path ? `${path}.${s}` : s), "");
}

function describe(error: ErrorObject): string {
  if (error.keyword === "required")
    return `${pathOf(error.instancePath, (error.params as { missingProperty: string }).missingProperty)}: required, and no column gave it`;
  const where = pathOf(error.instancePath) || "arguments";
  if (error.keyword === "enum")
    return `${where}: must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
  return `${where}: ${error.message ?? error.keyword}`;
}

/** The checker of `op`'s arguments: the problems found, none when they are valid. */
export function argsValidator(op: OperationEntry): (args: Record<string, unknown>) => string[] {
  let validate = compiled.get(op.operationId);
  if (!validate) {
    // Not strict: the spec's descriptions and defaults are documentation here, not constraints.
    ajv ??= addFormats.default(new Ajv.default({ allErrors: true, strict: false }));
    validate = ajv.compile(withEmailFormats(inputSchemaOf(op, false)) as object);
    compiled.set(op.operationId, validate);
  }
  const check = validate;
  return (args) => {
    if (check(args)) return [];
    // allOf branches report the same finding once each.
    return [...new Set((check.errors ?? []).map(describe))];
  };
}
