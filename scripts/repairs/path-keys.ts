import { type Json, type JsonObject, type Spec, HTTP_METHODS, isObject } from "../lib/spec.ts";
import type { Repair } from "./types.ts";

/** Re-key `spec.paths` in place, keeping document order, merging into an existing clean key. */
function rekeyPaths(spec: Spec, rename: (path: string, item: JsonObject) => string): number {
  let changed = 0;
  const next: { [path: string]: JsonObject } = {};
  for (const [path, item] of Object.entries(spec.paths)) {
    const key = rename(path, item);
    if (key !== path) changed++;
    const existing = next[key];
    if (!existing) {
      next[key] = item;
      continue;
    }
    for (const [field, value] of Object.entries(item)) {
      if (field in existing && (HTTP_METHODS as readonly string[]).includes(field)) {
        throw new Error(`path ${path} and ${key} both define ${field.toUpperCase()}`);
      }
      if (!(field in existing)) existing[field] = value;
    }
  }
  spec.paths = next;
  return changed;
}

function parametersOf(item: JsonObject, method: string): Json[] {
  const op = item[method];
  if (!isObject(op)) return [];
  if (!Array.isArray(op.parameters)) op.parameters = [];
  return op.parameters;
}

function hasParameter(item: JsonObject, method: string, name: string, location: string): boolean {
  const own = isObject(item[method]) && Array.isArray((item[method] as JsonObject).parameters) ? ((item[method] as JsonObject).parameters as Json[]) : [];
  const shared = Array.isArray(item.parameters) ? item.parameters : [];
  return [...own, ...shared].some((p) => isObject(p) && p.name === name && p.in === location);
}

export const queryInPathKeys: Repair = {
  name: "query-in-path-keys",
  reason: "query strings are baked into path keys (answers-search?q=…); the path must be clean and the values real query parameters",
  apply(spec) {
    const added: string[] = [];
    const count = rekeyPaths(spec, (path, item) => {
      const mark = path.indexOf("?");
      if (mark < 0) return path;
      const clean = path.slice(0, mark);
      for (const name of new URLSearchParams(path.slice(mark + 1)).keys()) {
        for (const method of HTTP_METHODS) {
          if (!isObject(item[method]) || hasParameter(item, method, name, "query")) continue;
          parametersOf(item, method).push({ name, in: "query", required: false, schema: { type: "string" } });
          added.push(`${method.toUpperCase()} ${clean} ?${name}`);
        }
      }
      return clean;
    });
    return { count, details: added.length ? [`added query parameters: ${added.join(", ")}`] : [] };
  },
};

export const colonPathParams: Repair = {
  name: "colon-path-params",
  reason: "Express-style `:customAttributeId` is not an OpenAPI path template; it becomes `{customAttributeId}`",
  apply(spec) {
    const count = rekeyPaths(spec, (path, item) => {
      if (!/\/:[A-Za-z_]/.test(path)) return path;
      return path.replace(/\/:([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => {
        for (const method of HTTP_METHODS) {
          if (isObject(item[method]) && !hasParameter(item, method, name, "path")) {
            parametersOf(item, method).push({ name, in: "path", required: true, schema: { type: "string" } });
          }
        }
        return `/{${name}}`;
      });
    });
    return { count };
  },
};

/** The servers already end in the base path; path keys that repeat it would request `/api/v1/api/v1/…`. */
export const stripServerBasePath: Repair = {
  name: "strip-server-base-path",
  reason: "servers end in /api/v1 and path keys repeat it; keep it once, on the server, so requests hit /api/v1/… exactly once",
  apply(spec) {
    const servers = Array.isArray(spec.servers) ? spec.servers : [];
    const bases = new Set(
      servers.map((s) => (isObject(s) && typeof s.url === "string" ? new URL(s.url.replace(/\{[^}]+\}/g, "x")).pathname.replace(/\/$/, "") : "")),
    );
    if (bases.size !== 1) throw new Error(`strip-server-base-path: servers disagree on a base path: ${[...bases].join(", ")}`);
    const [base] = [...bases];
    if (!base) return { count: 0 };
    return {
      count: rekeyPaths(spec, (path) => (path.startsWith(`${base}/`) ? path.slice(base.length) : path)),
      details: [`base path ${base} kept on the servers`],
    };
  },
};
