/** A JSON object: not null, not an array (a schema, a request body, a tool's arguments). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
