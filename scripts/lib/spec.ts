/** Minimal structural types for the parts of an OpenAPI 3.0 document the generator touches. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Spec extends JsonObject {
  paths: { [path: string]: JsonObject };
  components: JsonObject & { schemas?: { [name: string]: Json }; securitySchemes?: { [name: string]: Json } };
}

export const HTTP_METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every operation of the spec, in document order. */
export function* operations(spec: Spec): Generator<{ path: string; method: HttpMethod; op: JsonObject; item: JsonObject }> {
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (isObject(op)) yield { path, method, op, item };
    }
  }
}

/** Visit every object node depth-first; the visitor may return a replacement for the node. */
export function transform(node: Json, visit: (value: JsonObject, at: string[]) => JsonObject | undefined, at: string[] = []): Json {
  if (Array.isArray(node)) {
    for (const [i, child] of node.entries()) node[i] = transform(child, visit, [...at, String(i)]);
    return node;
  }
  if (!isObject(node)) return node;
  const replaced = visit(node, at);
  if (replaced !== undefined && replaced !== node) return replaced;
  for (const key of Object.keys(node)) node[key] = transform(node[key] as Json, visit, [...at, key]);
  return node;
}

/** Collect every `$ref` string with where it appears. */
export function collectRefs(node: Json): { ref: string; at: string[] }[] {
  const found: { ref: string; at: string[] }[] = [];
  transform(node, (value, at) => {
    if (typeof value.$ref === "string") found.push({ ref: value.$ref, at });
    return undefined;
  });
  return found;
}

/** Decode a local reference (`#/a/b~1c/%7Bd%7D`) into unescaped tokens. URI-decoding comes first, per RFC 6901 §6. */
export function decodePointer(ref: string): string[] {
  if (!ref.startsWith("#/")) throw new Error(`not a local JSON pointer: ${ref}`);
  return ref
    .slice(2)
    .split("/")
    .map((token) => decodeURIComponent(token).replace(/~1/g, "/").replace(/~0/g, "~"));
}

export function encodePointer(tokens: string[]): string {
  return `#/${tokens.map((t) => t.replace(/~/g, "~0").replace(/\//g, "~1")).join("/")}`;
}

export function resolvePointer(root: Json, tokens: string[]): Json | undefined {
  let node: Json | undefined = root;
  for (const token of tokens) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isObject(node)) node = node[token];
    else return undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

export function pascalCase(text: string): string {
  return text
    .replace(/\([^)]*\)/g, " ")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join("");
}

export function camelCase(text: string): string {
  const pascal = pascalCase(text);
  return pascal.charAt(0).toLowerCase() + pascal.slice(1);
}

/** Rename a component and every reference to it. */
export function renameComponent(spec: Spec, kind: string, from: string, to: string): void {
  const bucket = spec.components[kind];
  if (!isObject(bucket) || !(from in bucket)) throw new Error(`components.${kind}.${from} does not exist`);
  if (to in bucket) throw new Error(`components.${kind}.${to} already exists`);
  bucket[to] = bucket[from] as Json;
  delete bucket[from];
  const fromRef = `#/components/${kind}/${from}`;
  transform(spec, (value) => {
    if (value.$ref === fromRef) value.$ref = `#/components/${kind}/${to}`;
    return undefined;
  });
}

/** A short, readable name for a location in the spec: `POST /notes body` or `components/schemas/Task`. */
export function describeLocation(at: string[]): string {
  if (at[0] !== "paths") return at.join("/");
  const [, path, method, ...rest] = at;
  if (!(HTTP_METHODS as readonly string[]).includes(method ?? "")) return `${path} ${[method, ...rest].join("/")}`;
  const part =
    rest[0] === "requestBody" ? "request body" : rest[0] === "responses" ? `${rest[1]} response` : rest[0] === "parameters" ? "parameter" : rest.join("/");
  const inner = rest.slice(rest.indexOf("schema") + 1).filter((t) => t !== "properties");
  return `${method?.toUpperCase() ?? ""} ${path} ${part}${rest.includes("schema") && inner.length ? ` ${inner.join(".")}` : ""}`.trim();
}
