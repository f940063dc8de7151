/**
 * From a row of a spreadsheet to one operation's arguments: by column name, or by a small JSON
 * template with `{{column}}` placeholders, each value converted to what the operation's schema
 * wants where it lands, then checked against that schema, so that a bad row is reported with its
 * reasons before anything is sent.
 */
import type { OperationEntry } from "../../generated/operations.ts";
import { GladlyInputError } from "../errors.ts";
import { type Schema, inputSchemaOf } from "../mcp-schema.ts";
import { type BulkRecord, MalformedRow } from "./input.ts";
import { argsValidator } from "./validate.ts";

/** A row's arguments for the operation (path and query parameters by name, plus `body`), or why there are none. */
export type MappedRow = { args: Record<string, unknown> } | { problems: string[] };

/** A compiled mapping: call it with a row; `check` names columns it will not use or does not find. */
export interface RowMapping {
  (row: BulkRecord | MalformedRow): MappedRow;
  /**
   * Warnings about the input's columns, for the start of a job: without a template, the columns
   * that match nothing of the operation (they are ignored); with one, the columns its
   * placeholders name that the input lacks (their properties are left out).
   */
  check(columns: readonly string[]): string[];
}

/** A column value waiting to be converted to the type of the place it lands in. */
class Cell {
  constructor(readonly value: unknown) {}
}

type Tree = Record<string, unknown>;

const PLACEHOLDER = /\{\{\s*([^{}]+?)\s*\}\}/g;
const ONLY_PLACEHOLDER = /^\{\{\s*([^{}]+?)\s*\}\}$/;
const EMAIL = /^email:(\d+)(?::([A-Za-z]+))?$/;
const PHONE = /^phone:(\d+)(?::([A-Za-z]+))?$/;
const CUSTOM_ATTRIBUTE = /^customAttribute:(.+)$/;

/** Operations whose body (or a part of it) is a customer profile, where the column conventions apply. */
const CUSTOMER_BODIES: Record<string, readonly string[]> = {
  createCustomer: [],
  updateCustomer: [],
  createTaskAndCustomer: ["customer"],
};

function isTree(value: unknown): value is Tree {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Cell);
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === "";
}

/** The schemas a value at `segment` below `node` must satisfy: through allOf/anyOf/oneOf, properties and items. */
function childSchemas(node: unknown, segment: string | number): Schema[] {
  if (!isTree(node)) return [];
  const out: Schema[] = [];
  for (const key of ["allOf", "anyOf", "oneOf"]) if (Array.isArray(node[key])) for (const branch of node[key]) out.push(...childSchemas(branch, segment));
  if (typeof segment === "number" && isTree(node.items)) out.push(node.items);
  if (typeof segment === "string" && isTree(node.properties) && isTree(node.properties[segment])) out.push(node.properties[segment] as Schema);
  return out;
}

function schemasAt(root: Schema, path: readonly (string | number)[]): Schema[] {
  let nodes: Schema[] = [root];
  for (const segment of path) nodes = nodes.flatMap((n) => childSchemas(n, segment));
  return nodes;
}

function typesOf(nodes: readonly Schema[]): Set<string> {
  const types = new Set<string>();
  const visit = (node: unknown) => {
    if (!isTree(node)) return;
    if (typeof node.type === "string") types.add(node.type);
    if (Array.isArray(node.type)) for (const t of node.type) types.add(String(t));
    for (const key of ["allOf", "anyOf", "oneOf"]) if (Array.isArray(node[key])) for (const branch of node[key]) visit(branch);
  };
  for (const node of nodes) visit(node);
  return types;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text; // left as text: validation then says what was expected there
  }
}

/**
 * A column's text as the schema wants it: a number, a whole number, a boolean, a list or an
 * object (as JSON); otherwise the text itself. Text that does not convert stays text, and the
 * schema check names the property. Values that are not text (from NDJSON or JSON) are kept.
 */
export function convertCell(value: unknown, nodes: readonly Schema[]): unknown {
  if (typeof value !== "string") return value;
  const types = typesOf(nodes);
  if (types.size === 0 || types.has("string")) return value;
  const text = value.trim();
  if (types.has("integer") || types.has("number")) {
    const n = text === "" ? Number.NaN : Number(text);
    if (Number.isFinite(n) && (types.has("number") || Number.isInteger(n))) return n;
  }
  if (types.has("boolean")) {
    if (/^(true|yes|1)$/i.test(text)) return true;
    if (/^(false|no|0)$/i.test(text)) return false;
  }
  if (types.has("array")) {
    if (text.startsWith("[")) return parseJson(text);
    const items = nodes.flatMap((n) => childSchemas(n, 0));
    return text
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => convertCell(part, items));
  }
  if (types.has("object") && text.startsWith("{")) return parseJson(text);
  return value;
}

/** Converts every cell by where it landed, and leaves out empty ones and lists' holes. */
function resolve(value: unknown, at: SchemaLookup, path: (string | number)[]): unknown {
  if (value instanceof Cell) return isEmpty(value.value) ? undefined : convertCell(value.value, at(path));
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      path.push(out.length);
      const resolved = resolve(item, at, path);
      path.pop();
      if (resolved !== undefined) out.push(resolved);
    }
    // A list or object whose every cell was empty is left out like an empty cell (a template's literal [] or {} stays).
    return out.length === 0 && value.length > 0 ? undefined : out;
  }
  if (isTree(value)) {
    const out: Tree = {};
    let entries = 0;
    for (const key in value) {
      entries++;
      path.push(key);
      const resolved = resolve(value[key], at, path);
      path.pop();
      if (resolved !== undefined) out[key] = resolved;
    }
    return entries > 0 && Object.keys(out).length === 0 ? undefined : out;
  }
  return value;
}

/** The schemas at a path of the arguments; looked up once per path, as every row asks again. */
type SchemaLookup = (path: readonly (string | number)[]) => Schema[];

function schemaLookup(root: Schema): SchemaLookup {
  const cache = new Map<string, Schema[]>();
  return (path) => {
    const key = path.join("\u0000");
    let found = cache.get(key);
    if (!found) {
      found = schemasAt(root, path);
      // Bounded: paths come from the template or the columns, plus list positions.
      if (cache.size < 10_000) cache.set(key, found);
    }
    return found;
  };
}

function textOf(value: unknown): string {
  if (isEmpty(value)) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** The item properties `email:N:<name>` / `phone:N:<name>` may set. */
function itemProperties(root: Schema, customerPath: readonly string[], list: "emails" | "phones"): Set<string> {
  const items = schemasAt(root, ["body", ...customerPath, list, 0]);
  return new Set(items.flatMap((s) => (isTree(s.properties) ? Object.keys(s.properties) : [])));
}

/** Where a convention column goes inside a customer profile, or undefined if `name` is not one (or not a valid one). */
function conventionPath(name: string, op: OperationEntry, root: Schema): (string | number)[] | undefined {
  const customerPath = CUSTOMER_BODIES[op.operationId];
  if (!customerPath) return undefined;
  const email = EMAIL.exec(name);
  const phone = PHONE.exec(name);
  // createTaskAndCustomer names its customer by one email address or one mobile phone.
  if (customerPath.length > 0) {
    if (email && email[1] === "1" && !email[2]) return [...customerPath, "emailAddress"];
    if (phone && phone[1] === "1" && !phone[2]) return [...customerPath, "mobilePhone"];
    return undefined;
  }
  for (const [match, list] of [
    [email, "emails"],
    [phone, "phones"],
  ] as const) {
    if (!match) continue;
    const n = Number(match[1]);
    if (!Number.isSafeInteger(n) || n < 1) return undefined;
    const property = match[2] ?? "original";
    if (!itemProperties(root, customerPath, list).has(property)) return undefined;
    return [...customerPath, list, n - 1, property];
  }
  const attribute = CUSTOM_ATTRIBUTE.exec(name);
  if (attribute) return [...customerPath, "customAttributes", attribute[1]!];
  return undefined;
}

function setAt(tree: Tree, path: readonly (string | number)[], value: unknown): void {
  let node: Tree | unknown[] = tree;
  for (const [i, segment] of path.entries()) {
    const last = i === path.length - 1;
    const record = node as Record<string | number, unknown>;
    if (last) {
      record[segment] = value;
      return;
    }
    const nextIsIndex = typeof path[i + 1] === "number";
    const existing = record[segment];
    if (!(Array.isArray(existing) || isTree(existing))) record[segment] = nextIsIndex ? [] : {};
    node = record[segment] as Tree | unknown[];
  }
}

/** Moves convention keys (`email:1`, …) of a customer profile in a template to where they belong. */
function expandConventions(args: Tree, op: OperationEntry, root: Schema, problems: string[]): void {
  const customerPath = CUSTOMER_BODIES[op.operationId];
  if (!customerPath || !isTree(args.body)) return;
  let profile: unknown = args.body;
  for (const segment of customerPath) profile = isTree(profile) ? profile[segment] : undefined;
  if (!isTree(profile)) return;
  for (const key of Object.keys(profile)) {
    if (!EMAIL.test(key) && !PHONE.test(key) && !CUSTOM_ATTRIBUTE.test(key)) continue;
    const path = conventionPath(key, op, root);
    const value = profile[key];
    delete profile[key];
    if (!path) problems.push(`body${customerPath.map((s) => `.${s}`).join("")}.${key}: not a column convention of ${op.operationId}`);
    else setAt(args.body, path, value);
  }
}

function compileTemplate(template: unknown): { build(row: BulkRecord): unknown; columns: Set<string> } {
  const columns = new Set<string>();
  const compile = (node: unknown): ((row: BulkRecord) => unknown) => {
    if (typeof node === "string") {
      const only = ONLY_PLACEHOLDER.exec(node);
      if (only) {
        const column = only[1]!;
        columns.add(column);
        return (row) => new Cell(row[column]);
      }
      if (!node.includes("{{")) return () => node;
      for (const match of node.matchAll(PLACEHOLDER)) columns.add(match[1]!);
      return (row) => node.replace(PLACEHOLDER, (_, column: string) => textOf(row[column]));
    }
    if (Array.isArray(node)) {
      const items = node.map(compile);
      return (row) => items.map((item) => item(row));
    }
    if (isTree(node)) {
      const entries = Object.entries(node).map(([key, child]) => [key, compile(child)] as const);
      return (row) => Object.fromEntries(entries.map(([key, child]) => [key, child(row)]));
    }
    return () => node;
  };
  return { build: compile(template), columns };
}

/** Where a column goes without a template, or undefined when it matches nothing of the operation. */
function columnPath(name: string, op: OperationEntry, root: Schema, bodyProperties: Set<string>): (string | number)[] | undefined {
  if (op.pathParams.includes(name) || op.queryParams.some((q) => q.name === name)) return [name];
  const convention = conventionPath(name, op, root);
  if (convention) return ["body", ...convention];
  const [first, ...rest] = name.split(".");
  if (first && bodyProperties.has(first) && rest.every(Boolean)) return ["body", first, ...rest];
  return undefined;
}

/**
 * Compiles how rows become `op`'s arguments. Without a template, columns map by name: path and
 * query parameters, top-level body properties (`a.b` for nested ones), and for customer profiles
 * `email:N`, `phone:N`, `phone:N:type` and `customAttribute:<name>`. A template is the arguments
 * object itself, whose strings may hold `{{column}}` placeholders (the same conventions work as
 * keys of its customer profile). Every row's arguments are checked against the operation's schema.
 *
 * @throws `GladlyInputError` for a template that is not a JSON object or names arguments the operation does not take.
 */
export function compileMapping(op: OperationEntry, template?: unknown): RowMapping {
  const input = inputSchemaOf(op, false);
  const root = input as Schema;
  const validate = argsValidator(op);
  const lookup = schemaLookup(root);
  const bodyProperties = new Set<string>();
  for (const node of schemasAt(root, ["body"])) {
    const visit = (n: unknown) => {
      if (!isTree(n)) return;
      if (isTree(n.properties)) for (const key of Object.keys(n.properties)) bodyProperties.add(key);
      for (const key of ["allOf", "anyOf", "oneOf"]) if (Array.isArray(n[key])) for (const branch of n[key]) visit(branch);
    };
    visit(node);
  }

  let build: (row: BulkRecord, problems: string[]) => Tree;
  let check: (columns: readonly string[]) => string[];
  if (template === undefined) {
    const paths = new Map<string, (string | number)[] | undefined>();
    const pathOf = (column: string) => {
      if (!paths.has(column)) paths.set(column, columnPath(column, op, root, bodyProperties));
      return paths.get(column);
    };
    build = (row) => {
      const args: Tree = {};
      for (const [column, value] of Object.entries(row)) {
        const path = pathOf(column);
        if (path) setAt(args, path, new Cell(value));
      }
      return args;
    };
    check = (columns) => {
      const unused = columns.filter((c) => !pathOf(c));
      const names = unused.map((c) => JSON.stringify(c)).join(", ");
      return unused.length ? [`${unused.length === 1 ? `column ${names} matches` : `columns ${names} match`} nothing of ${op.operationId}: ignored`] : [];
    };
  } else {
    if (!isTree(template))
      throw new GladlyInputError("map", `must be a JSON object of ${op.operationId}'s arguments (path and query parameters by name, plus body)`);
    const known = new Set<string>(Object.keys(input.properties));
    const unknown = Object.keys(template).filter((key) => !known.has(key));
    if (unknown.length)
      throw new GladlyInputError(
        "map",
        `${op.operationId} takes no ${unknown.map((k) => JSON.stringify(k)).join(", ")}; it takes ${[...known].join(", ") || "no arguments"}`,
      );
    const compiled = compileTemplate(template);
    build = (row, problems) => {
      const args = compiled.build(row) as Tree;
      expandConventions(args, op, root, problems);
      return args;
    };
    check = (columns) => {
      const have = new Set(columns);
      const missing = [...compiled.columns].filter((c) => !have.has(c));
      return missing.length
        ? [`the template's ${missing.map((c) => `{{${c}}}`).join(", ")} ${missing.length === 1 ? "names" : "name"} no column of the input: left out`]
        : [];
    };
  }

  const mapping = (row: BulkRecord | MalformedRow): MappedRow => {
    if (row instanceof MalformedRow) return { problems: [row.reason] };
    if (!isTree(row)) return { problems: ["not a row of named columns"] };
    try {
      const problems: string[] = [];
      const args = (resolve(build(row, problems), lookup, []) ?? {}) as Tree;
      if (problems.length) return { problems };
      const invalid = validate(args);
      return invalid.length ? { problems: invalid } : { args };
    } catch (error) {
      // Never expected; a row must not stop the job all the same.
      return { problems: [`cannot map the row: ${(error as Error).message}`] };
    }
  };
  return Object.assign(mapping, { check });
}
