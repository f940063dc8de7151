import { GladlyInputError } from "./errors.ts";

/**
 * Path parameters are always percent-encoded and never empty, `.` or `..`, so that no value can
 * change which route is called (`../organization` stays one segment).
 */
export function pathSerializer(template: string, params: Record<string, unknown>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined || value === null || value === "") throw new GladlyInputError(name, "path parameter is required");
    if (typeof value !== "string" && typeof value !== "number") throw new GladlyInputError(name, `path parameter must be a string, got ${typeof value}`);
    const text = String(value);
    if (text === "." || text === "..") throw new GladlyInputError(name, `path parameter cannot be ${JSON.stringify(text)}`);
    return encodeText(name, text);
  });
}

/** encodeURIComponent, with text that is not valid Unicode (a lone surrogate) refused as the caller's mistake. */
export function encodeText(name: string, text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    throw new GladlyInputError(name, "contains a lone surrogate (text that is not valid Unicode), which cannot be sent in a URL");
  }
}
