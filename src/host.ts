import { GladlyInputError } from "./errors.ts";

/**
 * Where requests go: organization names and base URLs, checked before anything is sent. Kept free
 * of heavier modules so the browser entry (Public Answers) can use it.
 */

export const isLoopback = (url: URL) => /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i.test(url.hostname);

const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const ORGANIZATION = new RegExp(`^${LABEL}(?:\\.${LABEL})?$`);

/** Names the first thing wrong with an organization name, or returns undefined when it is fine. */
export function organizationProblem(name: string): string | undefined {
  if (name.length === 0) return "is empty";
  if (/[^\x21-\x7e]/.test(name)) return /\s/.test(name) ? "contains whitespace" : "contains non-ASCII characters";
  const bad = /[/@:#?\\%]/.exec(name);
  if (bad) return `contains '${bad[0]}'`;
  if (name.includes("..")) return "contains '..'";
  if (!ORGANIZATION.test(name)) {
    return "must be letters, digits and hyphens (not at either end), with an optional regional suffix such as 'acme.us-1'";
  }
  return undefined;
}

/**
 * Returns the organization name unchanged when it can be a Gladly subdomain (`acme`, `acme.us-1`).
 * @throws {@link GladlyInputError} naming what is wrong with it (empty, whitespace, `/`, `..`, …).
 */
export function validateOrganization(name: string): string {
  const problem = organizationProblem(name);
  if (problem) throw new GladlyInputError("organization", `${JSON.stringify(name.slice(0, 80))} ${problem}`);
  return name;
}

/** Checks a user-given base URL and makes sure it ends in `/api/v1` exactly once. */
export function normalizeBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new GladlyInputError("baseUrl", `${JSON.stringify(raw.slice(0, 200))} is not an absolute URL`);
  }
  if (url.username || url.password) throw new GladlyInputError("baseUrl", "must not contain credentials; use agentEmail and apiToken");
  if (url.search || url.hash) throw new GladlyInputError("baseUrl", "must not contain a query string or fragment");
  const loopback = isLoopback(url);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new GladlyInputError("baseUrl", `must use https:// (http:// is allowed only on loopback hosts), got ${url.protocol}//${url.host}`);
  }
  const path = url.pathname.replace(/\/+$/, "");
  return `${url.origin}${path.endsWith("/api/v1") ? path : `${path}/api/v1`}`;
}
