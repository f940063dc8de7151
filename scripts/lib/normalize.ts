import { REPAIRS, type Repair, type RepairResult } from "../repairs/index.ts";
import { type Json, type Spec, collectRefs, decodePointer, isObject, operations, resolvePointer, transform } from "./spec.ts";

export interface RepairReport extends RepairResult {
  name: string;
  reason: string;
}

export class SpecDefectError extends Error {
  constructor(readonly problems: string[]) {
    super(`the normalized spec still has ${problems.length} defect(s):\n  - ${problems.join("\n  - ")}`);
    this.name = "SpecDefectError";
  }
}

/** Content types the client knows how to read; anything else is a new defect to handle first. */
export const KNOWN_CONTENT_TYPES = ["application/json", "text/csv", "application/x-ndjson", "application/x-jsonlines", "audio/mpeg"];

/** Checks the properties the generated client relies on; a violation means an upstream change needs a new repair. */
export function findDefects(spec: Spec): string[] {
  const problems: string[] = [];
  for (const { ref, at } of collectRefs(spec)) {
    if (!/^#\/components\/(schemas|examples|parameters|responses|requestBodies|securitySchemes)\/[^/]+$/.test(ref)) {
      problems.push(`$ref ${ref} at ${at.join("/")} does not name a component`);
    } else if (resolvePointer(spec, decodePointer(ref)) === undefined) {
      problems.push(`$ref ${ref} at ${at.join("/")} does not resolve`);
    }
  }
  transform(spec, (node, at) => {
    if (node.type === "array" && node.items === undefined) problems.push(`array without items at ${at.join("/")}`);
    if (Array.isArray(node.required) && isObject(node.properties)) {
      const properties = node.properties;
      for (const name of node.required)
        if (typeof name !== "string" || !(name in properties)) problems.push(`required ${String(name)} is not a property at ${at.join("/")}`);
    }
    return undefined;
  });
  const ids = new Map<string, string>();
  const schemes = Object.keys(spec.components.securitySchemes ?? {});
  if (schemes.length !== 1) problems.push(`expected one security scheme, found ${schemes.join(", ") || "none"}`);
  for (const { path, method, op, item } of operations(spec)) {
    const where = `${method.toUpperCase()} ${path}`;
    if (!path.startsWith("/") || /[?#:]/.test(path) || path.startsWith("/api/")) problems.push(`${where}: path key is not a clean template`);
    const id = op.operationId;
    if (typeof id !== "string" || !/^[a-z][A-Za-z0-9]*$/.test(id)) problems.push(`${where}: operationId ${JSON.stringify(id)} is not a camelCase identifier`);
    else if (ids.has(id)) problems.push(`${where}: operationId ${id} is also used by ${ids.get(id)}`);
    else ids.set(id, where);
    if (!Array.isArray(op.tags) || typeof op.tags[0] !== "string") problems.push(`${where}: has no tag`);
    const params = [...(Array.isArray(item.parameters) ? item.parameters : []), ...(Array.isArray(op.parameters) ? op.parameters : [])];
    const declared = params.filter((p) => isObject(p) && p.in === "path").map((p) => (p as { name: string }).name);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    for (const name of templated) if (!declared.includes(name)) problems.push(`${where}: path parameter {${name}} is not declared`);
    for (const name of declared) if (!templated.includes(name)) problems.push(`${where}: declares path parameter ${name} missing from the path`);
    for (const p of params)
      if (!isObject(p) || typeof p.name !== "string" || !isObject(p.schema)) problems.push(`${where}: a parameter lacks a name or schema`);
    for (const [status, response] of Object.entries(isObject(op.responses) ? op.responses : {})) {
      if (!/^[23]/.test(status) || !isObject(response) || !isObject(response.content)) continue;
      for (const type of Object.keys(response.content)) {
        if (!KNOWN_CONTENT_TYPES.includes(type)) problems.push(`${where}: ${status} response has unknown content type ${type}`);
      }
    }
  }
  return problems;
}

/** Applies every repair in order and verifies the result; throws `SpecDefectError` on anything left over. */
export function normalize(raw: Json): { spec: Spec; report: RepairReport[] } {
  if (!isObject(raw) || !isObject(raw.paths) || !isObject(raw.components)) throw new SpecDefectError(["not an OpenAPI document with paths and components"]);
  if (typeof raw.openapi !== "string" || !raw.openapi.startsWith("3.0."))
    throw new SpecDefectError([`unsupported OpenAPI version ${JSON.stringify(raw.openapi)}`]);
  const spec = structuredClone(raw) as Spec;
  const report = REPAIRS.map((repair: Repair) => ({ name: repair.name, reason: repair.reason, ...repair.apply(spec) }));
  const problems = findDefects(spec);
  if (problems.length) throw new SpecDefectError(problems);
  return { spec, report };
}
