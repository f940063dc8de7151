import { GladlyInputError } from "./errors.ts";

/**
 * Path parameters are always percent-encoded and never empty, `.` or `..`, so that no value can
 * change which route is called (`../organization` stays one segment).
 */
export function pathSerializer(template: string, params: Record<string, unknown>): string {
  const parts = compiled(template);
  let path = parts[0] as string;
  for (let i = 1; i < parts.length; i += 2) path += pathValue(parts[i] as string, params?.[parts[i] as string]) + (parts[i + 1] as string);
  return path;
}

/**
 * A template split once into text and parameter names, alternating (`/a/{id}/b` → `/a/`, `id`,
 * `/b`): every call of an operation serializes the same template.
 */
const templates = new Map<string, readonly string[]>();

function compiled(template: string): readonly string[] {
  let parts = templates.get(template);
  if (!parts) {
    parts = template.split(/\{([^}]+)\}/);
    // Templates come from the spec and from callers of openapi-fetch methods; bound the cache.
    if (templates.size < 1000) templates.set(template, parts);
  }
  return parts;
}

function pathValue(name: string, value: unknown): string {
  if (typeof value === "string" && value !== "" && value !== "." && value !== "..") return encodeText(name, value);
  if (value === undefined || value === null || value === "") throw new GladlyInputError(name, "path parameter is required");
  if (typeof value !== "string" && typeof value !== "number") throw new GladlyInputError(name, `path parameter must be a string, got ${typeof value}`);
  const text = String(value);
  if (text === "." || text === "..") throw new GladlyInputError(name, `path parameter cannot be ${JSON.stringify(text)}`);
  return encodeText(name, text);
}

/** encodeURIComponent, with text that is not valid Unicode (a lone surrogate) refused as the caller's mistake. */
export function encodeText(name: string, text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    throw new GladlyInputError(name, "contains a lone surrogate (text that is not valid Unicode), which cannot be sent in a URL");
  }
}
