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

/** How strict {@link compileMapping} is about names it does not know. */
export interface MappingOptions {
  /**
   * Columns that match nothing of the operation (without a template) and template properties its
   * schema does not have are ignored (columns) or sent as written (properties), with a warning,
   * instead of refused. Default false: a typo in a header or a template stops the job before any
   * row is sent.
   */
  allowUnknownColumns?: boolean;
  /**
   * Columns the input may have for other reasons, not reported when they match nothing: the row
   * key's column, or the `error…` columns of a failures file run again once fixed.
   */
  ignoreColumns?: readonly string[];
}

/** A compiled mapping: call it with a row; `check` looks at the input's columns before the first row. */
export interface RowMapping {
  (row: BulkRecord | MalformedRow): MappedRow;
  /**
   * Checks the input's columns (a CSV's header, else the first row's names), for the start of a
   * job, and returns warnings: with a template, the columns its placeholders name that the input
   * lacks (their properties are left out); with `allowUnknownColumns`, what is ignored.
   *
   * @throws `GladlyInputError` naming the columns, for columns that match nothing of the
   * operation (without a template, unless `allowUnknownColumns`), a malformed `email:N`/`phone:N`
   * (N is 1 to 50, no leading zeros), or two columns that fill the same place.
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
/** The N of `email:N` / `phone:N`: a list position as people write it. Bounded, as each N makes a list that long. */
const LIST_POSITION = /^[1-9]\d?$/;
const MAX_LIST_POSITION = 50;
/** Keys that would reach an object's prototype instead of becoming a property of it. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

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
    if (!LIST_POSITION.test(match[1]!) || Number(match[1]) > MAX_LIST_POSITION) return undefined;
    const n = Number(match[1]);
    const property = match[2] ?? "original";
    if (!itemProperties(root, customerPath, list).has(property)) return undefined;
    return [...customerPath, list, n - 1, property];
  }
  const attribute = CUSTOM_ATTRIBUTE.exec(name);
  if (attribute && !FORBIDDEN_KEYS.has(attribute[1]!)) return [...customerPath, "customAttributes", attribute[1]!];
  return undefined;
}

/** Why a name shaped like `email:N` / `phone:N` is not a usable one (its N), if that is why. */
function listPositionProblem(name: string): string | undefined {
  const match = EMAIL.exec(name) ?? PHONE.exec(name);
  if (!match || (LIST_POSITION.test(match[1]!) && Number(match[1]) <= MAX_LIST_POSITION)) return undefined;
  return `${JSON.stringify(name)}: N of email:N / phone:N must be a whole number from 1 to ${MAX_LIST_POSITION} without leading zeros`;
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
  if (first && bodyProperties.has(first) && rest.every((s) => s !== "" && !FORBIDDEN_KEYS.has(s))) return ["body", first, ...rest];
  return undefined;
}

/** The property names a position of the schema lists, or undefined when it takes any (a free-form map such as `customAttributes`). */
function knownProperties(nodes: readonly Schema[]): Set<string> | undefined {
  const known = new Set<string>();
  let open = nodes.length === 0;
  let listed = false;
  const visit = (node: unknown) => {
    if (!isTree(node)) return;
    const branches = ["allOf", "anyOf", "oneOf"].flatMap((key) => (Array.isArray(node[key]) ? (node[key] as unknown[]) : []));
    for (const branch of branches) visit(branch);
    if (isTree(node.properties)) {
      listed = true;
      for (const key of Object.keys(node.properties)) known.add(key);
    }
    if (node.additionalProperties === false) listed = true;
    else if (node.additionalProperties !== undefined || node.patternProperties !== undefined) open = true;
    // An object schema that names no properties is a map of whatever the caller keeps there.
    else if (!isTree(node.properties) && branches.length === 0 && (node.type === "object" || node.type === undefined)) open = true;
  };
  for (const node of nodes) visit(node);
  return open || !listed ? undefined : known;
}

/** Names that differ from `name` only in case, as a hint for a typo. */
function suggestion(name: string, candidates: Iterable<string>): string {
  const lower = name.toLowerCase();
  for (const candidate of candidates) if (candidate !== name && candidate.toLowerCase() === lower) return ` (did you mean ${JSON.stringify(candidate)}?)`;
  return "";
}

const ALLOW_HINT = "to go on without them, give --allow-unknown-columns (allowUnknownColumns: true)";

/**
 * What is wrong with a template before any row: keys that would reach a prototype, conventions
 * that are not ones, properties the schema does not have where it lists its properties.
 * Conventions are checked in the customer profile; free-form maps (customAttributes) stay open.
 */
function templateProblems(template: Tree, op: OperationEntry, root: Schema): { forbidden: string[]; unknown: string[] } {
  const forbidden: string[] = [];
  const unknown: string[] = [];
  const customerPath = CUSTOMER_BODIES[op.operationId];
  const profileAt = customerPath && ["body", ...customerPath].join(".");
  const name = (path: readonly (string | number)[]) => path.reduce<string>((out, s) => (typeof s === "number" ? `${out}[${s}]` : out ? `${out}.${s}` : s), "");
  const walk = (node: unknown, path: (string | number)[]) => {
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) walk(item, [...path, i]);
      return;
    }
    if (!isTree(node)) return;
    const atProfile = profileAt !== undefined && path.filter((s) => typeof s === "string").join(".") === profileAt && !path.some((s) => typeof s === "number");
    const known =
      path.length === 0
        ? undefined
        : knownProperties(
            schemasAt(
              root,
              path.map((s) => (typeof s === "number" ? 0 : s)),
            ),
          );
    for (const key of Object.keys(node)) {
      const at = name([...path, key]);
      if (FORBIDDEN_KEYS.has(key)) {
        forbidden.push(at);
        continue;
      }
      if (atProfile && (EMAIL.test(key) || PHONE.test(key) || CUSTOM_ATTRIBUTE.test(key))) {
        if (!conventionPath(key, op, root)) forbidden.push(`${at} (${listPositionProblem(key) ?? `not a column convention of ${op.operationId}`})`);
        continue;
      }
      if (known && !known.has(key)) unknown.push(`${at}${suggestion(key, known)}`);
      walk(node[key], [...path, key]);
    }
  };
  walk(template, []);
  return { forbidden, unknown };
}

/** Problems of an input's columns that no row can fix: a bad `email:N`, two columns for one place. */
function columnConflicts(columns: readonly string[], pathOf: (column: string) => (string | number)[] | undefined): string[] {
  const problems: string[] = [];
  for (const column of columns) {
    const problem = listPositionProblem(column.trim());
    if (problem) problems.push(`column ${problem}`);
  }
  const placed = columns.flatMap((column) => {
    const path = pathOf(column);
    return path ? [{ column, key: path.join("\u0000") }] : [];
  });
  for (const [i, a] of placed.entries())
    for (const b of placed.slice(i + 1))
      if (a.key === b.key || a.key.startsWith(`${b.key}\u0000`) || b.key.startsWith(`${a.key}\u0000`))
        problems.push(`columns ${JSON.stringify(a.column)} and ${JSON.stringify(b.column)} fill the same place: keep one`);
  return problems;
}

/**
 * A row with its column names trimmed (a header's " email:1" is "email:1"): spreadsheets keep
 * the spaces people type around names, which would otherwise make a column silently unknown.
 */
function trimmedNames(): (row: BulkRecord) => BulkRecord {
  const trimmed = new Map<string, string>();
  const trim = (key: string) => {
    let name = trimmed.get(key);
    if (name === undefined) {
      name = key.trim();
      if (trimmed.size < 10_000) trimmed.set(key, name);
    }
    return name;
  };
  return (row) => {
    let needed = false;
    for (const key in row) if (trim(key) !== key) needed = true;
    if (!needed) return row;
    const out: BulkRecord = {};
    for (const [key, value] of Object.entries(row)) Object.defineProperty(out, trim(key), { value, enumerable: true, writable: true, configurable: true });
    return out;
  };
}

/**
 * Compiles how rows become `op`'s arguments. Without a template, columns map by name: path and
 * query parameters, top-level body properties (`a.b` for nested ones), and for customer profiles
 * `email:N`, `phone:N`, `phone:N:type` and `customAttribute:<name>`. A template is the arguments
 * object itself, whose strings may hold `{{column}}` placeholders (the same conventions work as
 * keys of its customer profile). Column names are trimmed. Every row's arguments are checked
 * against the operation's schema.
 *
 * @throws `GladlyInputError` for a template that is not a JSON object, names arguments the
 * operation does not take, has a `__proto__`/`constructor`/`prototype` key or a malformed
 * convention, or (unless `allowUnknownColumns`) a property the schema does not have where the
 * schema lists its properties.
 */
export function compileMapping(op: OperationEntry, template?: unknown, options: MappingOptions = {}): RowMapping {
  const allowUnknown = options.allowUnknownColumns === true;
  const ignored = new Set((options.ignoreColumns ?? []).map((c) => c.trim()));
  const input = inputSchemaOf(op, false);
  const root = input as Schema;
  const validate = argsValidator(op);
  const lookup = schemaLookup(root);
  const trim = trimmedNames();
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
      const name = column.trim();
      if (!paths.has(name)) {
        const path = columnPath(name, op, root, bodyProperties);
        // Bounded: an NDJSON input may name new columns on every line.
        if (paths.size >= 10_000) return path;
        paths.set(name, path);
      }
      return paths.get(name);
    };
    const candidates = [...op.pathParams, ...op.queryParams.map((q) => q.name), ...bodyProperties];
    const hint = (column: string) => {
      const name = column.trim();
      const convention = /^(email|phone|customattribute):(.*)$/i.exec(name);
      if (convention) {
        const canonical = `${convention[1]!.toLowerCase() === "customattribute" ? "customAttribute" : convention[1]!.toLowerCase()}:${convention[2]}`;
        if (canonical !== name && conventionPath(canonical, op, root)) return ` (did you mean ${JSON.stringify(canonical)}?)`;
      }
      return suggestion(name, candidates);
    };
    build = (row, problems) => {
      const args: Tree = {};
      for (const [column, value] of Object.entries(row)) {
        const path = pathOf(column);
        if (path) setAt(args, path, new Cell(value));
        // A JSON row may bring names its first row did not have.
        else if (!allowUnknown && !ignored.has(column.trim()))
          problems.push(`column ${JSON.stringify(column)} matches nothing of ${op.operationId}${hint(column)}`);
      }
      return args;
    };
    check = (columns) => {
      const conflicts = columnConflicts(columns, pathOf);
      if (conflicts.length) throw new GladlyInputError("input", conflicts.join("; "));
      const unused = columns.filter((c) => !pathOf(c) && !listPositionProblem(c.trim()) && !ignored.has(c.trim()));
      if (!unused.length) return [];
      const names = unused.map((c) => `${JSON.stringify(c)}${hint(c)}`).join(", ");
      const subject = unused.length === 1 ? `column ${names} matches` : `columns ${names} match`;
      if (!allowUnknown)
        throw new GladlyInputError(
          "input",
          `${subject} nothing of ${op.operationId}: a column is a path or query parameter, a body property (a.b for a nested one)${
            CUSTOMER_BODIES[op.operationId] ? ", email:N, phone:N[:type] or customAttribute:<name>" : ""
          }, named as written (case matters); ${ALLOW_HINT}`,
        );
      return [`${subject} nothing of ${op.operationId}: ignored`];
    };
  } else {
    if (!isTree(template))
      throw new GladlyInputError(
        "map",
        `must be a JSON object of ${op.operationId}'s arguments (path and query parameters by name, plus body), not ${
          Array.isArray(template) ? "an array" : template === null ? "null" : `a ${typeof template}`
        }`,
      );
    const known = new Set<string>(Object.keys(input.properties));
    const unknown = Object.keys(template).filter((key) => !known.has(key));
    if (unknown.length)
      throw new GladlyInputError(
        "map",
        `${op.operationId} takes no ${unknown.map((k) => JSON.stringify(k)).join(", ")}; it takes ${[...known].join(", ") || "no arguments"}`,
      );
    const problems = templateProblems(template, op, root);
    if (problems.forbidden.length) throw new GladlyInputError("map", `not allowed in a template: ${problems.forbidden.join(", ")}`);
    if (problems.unknown.length && !allowUnknown)
      throw new GladlyInputError(
        "map",
        `${op.operationId} has no ${problems.unknown.join(", ")} (properties are named as in its schema; case matters); ${ALLOW_HINT}`,
      );
    const unknownWarning = problems.unknown.length
      ? [`the template's ${problems.unknown.join(", ")} ${problems.unknown.length === 1 ? "is" : "are"} not in ${op.operationId}'s schema: sent as written`]
      : [];
    const compiled = compileTemplate(template);
    build = (row, rowProblems) => {
      const args = compiled.build(row) as Tree;
      expandConventions(args, op, root, rowProblems);
      return args;
    };
    check = (columns) => {
      const have = new Set(columns.map((c) => c.trim()));
      const missing = [...compiled.columns].filter((c) => !have.has(c));
      return [
        ...unknownWarning,
        ...(missing.length
          ? [`the template's ${missing.map((c) => `{{${c}}}`).join(", ")} ${missing.length === 1 ? "names" : "name"} no column of the input: left out`]
          : []),
      ];
    };
  }

  const mapping = (row: BulkRecord | MalformedRow): MappedRow => {
    if (row instanceof MalformedRow) return { problems: [row.reason] };
    if (!isTree(row)) return { problems: ["not a row of named columns"] };
    try {
      const problems: string[] = [];
      const args = (resolve(build(trim(row), problems), lookup, []) ?? {}) as Tree;
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
