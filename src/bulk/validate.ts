/**
 * A bulk row's arguments checked against the operation's input schema before anything is sent,
 * with each finding as one line naming the property: `body.emails[0].original: must match format "email"`.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { OperationEntry } from "../../generated/operations.ts";
import { type Schema, inputSchemaOf, operationSpec } from "../mcp-schema.ts";
import { isPlainObject as isSchema } from "../plain-object.ts";

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
    // Likewise a phone column (`phone:N`, createTaskAndCustomer's mobilePhone): text that is no number at all.
    const mobile = properties.mobilePhone;
    if (isSchema(mobile) && mobile.type === "string" && mobile.format === undefined) properties.mobilePhone = { ...mobile, format: PHONE_FORMAT };
    const phones = properties.phones;
    if (isSchema(phones) && isSchema(phones.items) && isSchema(phones.items.properties)) {
      const original = phones.items.properties.original;
      if (isSchema(original) && original.format === undefined)
        properties.phones = {
          ...phones,
          items: { ...phones.items, properties: { ...phones.items.properties, original: { ...original, format: PHONE_FORMAT } } },
        };
    }
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

/**
 * Gladly names its formats in prose; inputSchemaOf (written for strict validators) moves them
 * into the description as "Format: RFC3339." This maps them back to what can be checked: every
 * date format of the spec is a date and time with a zone (its examples all are), and E.164 is
 * checked as a phone number leniently, since Gladly takes national numbers (with a regionCode).
 */
const PHONE_FORMAT = "phone";

/**
 * A phone number as people write one: digits with the usual separators, a leading + or not, an
 * extension. Gladly reads national numbers in the profile's regionCode, so this refuses only
 * text that is clearly no number: letters, an email address, no digits, or too many of them.
 */
export function isPhoneNumber(text: string): boolean {
  const match = /^\s*(\+?[\d\s().\-/]+?)\s*(?:(?:ext\.?|x|#)\s*\d{1,10})?\s*$/i.exec(text);
  if (!match) return false;
  const digits = match[1]!.replace(/\D/g, "").length;
  return digits >= 1 && digits <= 20;
}

function allowsString(schema: Schema): boolean {
  return schema.type === "string" || (Array.isArray(schema.type) && schema.type.includes("string"));
}

const GLADLY_FORMATS: Record<string, string> = {
  RFC3339: "date-time",
  "RFC3339 with millis": "date-time",
  "ISO 8601": "date-time",
  "E.164": PHONE_FORMAT,
};
const PROSE_FORMAT = /Format: (RFC3339 with millis|RFC3339|ISO 8601|E\.164)\.$/;

function withGladlyFormats(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withGladlyFormats);
  if (!isSchema(node)) return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) out[key] = withGladlyFormats(value);
  // A `properties` map is walked too; its values are schemas, never a description string.
  const prose = typeof out.description === "string" ? PROSE_FORMAT.exec(out.description) : null;
  if (prose && out.format === undefined && allowsString(out)) out.format = GLADLY_FORMATS[prose[1]!];
  return out;
}

/** A query parameter's prose format is lost under its own description: taken from the spec's parameter itself. */
function withParameterFormats(op: OperationEntry, input: Schema): Schema {
  const { item, operation } = operationSpec(op);
  const parameters = [...((item.parameters as Schema[] | undefined) ?? []), ...((operation.parameters as Schema[] | undefined) ?? [])];
  const properties = { ...(input.properties as Record<string, Schema>) };
  for (const parameter of parameters) {
    const format = isSchema(parameter.schema) && typeof parameter.schema.format === "string" ? GLADLY_FORMATS[parameter.schema.format] : undefined;
    const name = parameter.name as string;
    const property = properties[name];
    if (format && isSchema(property) && property.format === undefined && allowsString(property)) properties[name] = { ...property, format };
  }
  return { ...input, properties };
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
  if (error.keyword === "format") {
    const format = (error.params as { format: string }).format;
    if (format === "date-time") return `${where}: must be a date and time with a zone, like 2026-12-01T09:30:00Z (RFC 3339)`;
    if (format === PHONE_FORMAT) return `${where}: must be a phone number (digits, optionally a leading +, spaces, dashes, parentheses, an extension)`;
  }
  return `${where}: ${error.message ?? error.keyword}`;
}

/** The checker of `op`'s arguments: the problems found, none when they are valid. */
export function argsValidator(op: OperationEntry): (args: Record<string, unknown>) => string[] {
  let validate = compiled.get(op.operationId);
  if (!validate) {
    // Not strict: the spec's descriptions and defaults are documentation here, not constraints.
    ajv ??= addFormats.default(new Ajv.default({ allErrors: true, strict: false })).addFormat(PHONE_FORMAT, isPhoneNumber);
    validate = ajv.compile(withEmailFormats(withGladlyFormats(withParameterFormats(op, inputSchemaOf(op, false)))) as object);
    compiled.set(op.operationId, validate);
  }
  const check = validate;
  return (args) => {
    if (check(args)) return [];
    // allOf branches report the same finding once each.
    return [...new Set((check.errors ?? []).map(describe))];
  };
}
