/** Query strings and headers as they go on the wire, checked so a caller's mistake fails before sending. */
import { GladlyInputError } from "./errors.ts";
import { encodeText as encode } from "./path-params.ts";

/** Query parameters as Gladly reads them: arrays repeated (`entities=A&entities=B`), values percent-encoded. */
export function serializeQuery(query: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item === "object") throw new GladlyInputError(name, "query parameter must be a string, number or boolean (or a list of them)");
      parts.push(`${encode(name, name)}=${encode(name, String(item))}`);
    }
  }
  return parts.length ? `?${parts.join("&")}` : "";
}

/** Refuses header names and values HTTP cannot carry (a CR/LF would otherwise fail as a "connection error", and be retried). */
export function checkHeaders(headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[!#$%&'*+\-.^_`|~0-9a-z]+$/i.test(name)) throw new GladlyInputError(`headers.${name}`, "is not a valid header name");
    if (typeof value !== "string") throw new GladlyInputError(`headers.${name}`, `must be a string, got ${typeof value}`);
    if (/[\r\n\0]/.test(value)) throw new GladlyInputError(`headers.${name}`, "contains a line break or NUL, which HTTP headers cannot carry");
    if (/[^\t\x20-\x7e\x80-\xff]/.test(value))
      throw new GladlyInputError(`headers.${name}`, "contains characters HTTP headers cannot carry (only Latin-1 text)");
  }
}
