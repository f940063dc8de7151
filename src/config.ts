import { GladlyInputError } from "./errors.ts";
import { type Hooks, combineHooks, debugEnabled, debugHooks } from "./hooks.ts";
import type { RateLimitOptions } from "./rate-limit.ts";
import type { RetryOptions } from "./retry.ts";
import { isLoopback } from "./transport.ts";

export type GladlyEnvironment = "production" | "sandbox";

export interface GladlyClientOptions {
  /** Your Gladly subdomain, e.g. `acme` for https://acme.gladly.com (or `acme.us-1`). Env: GLADLY_ORGANIZATION. */
  organization?: string;
  /** `production` → https://{org}.gladly.com, `sandbox` → https://{org}.gladly.qa. Env: GLADLY_ENVIRONMENT. */
  environment?: GladlyEnvironment;
  /** Full base URL instead of organization (https, or http on loopback); `/api/v1` is added when absent. Env: GLADLY_BASE_URL. */
  baseUrl?: string;
  /** Email of the API user. Env: GLADLY_AGENT_EMAIL. */
  agentEmail?: string;
  /** API token of that user. Env: GLADLY_API_TOKEN. */
  apiToken?: string;
  /** A fetch implementation; defaults to the global one. */
  fetch?: (request: Request) => Promise<Response>;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** Prefix for the User-Agent header, e.g. `my-app/1.2`. */
  userAgent?: string;
  /**
   * When Gladly answers 301 because a customer was merged, repeat the call for the surviving
   * customer (default), or throw GladlyCustomerMergedError carrying its id (`false`).
   */
  followMergedCustomers?: boolean;
  /**
   * Client-side pacing under Gladly's limits, shared by every client of the organization in this
   * process: 10 requests/second, Reports 10/minute and 2 at a time. `false` turns it off.
   */
  rateLimit?: false | RateLimitOptions;
  /** Retries of 429s, 502/503/504 and network failures (idempotent requests only, unless never sent). `false` turns them off. */
  retry?: false | RetryOptions;
  /** Milliseconds to wait for an answer's headers before the attempt fails (default 60 000; 0 for none). */
  timeout?: number;
  /** Observe requests, responses, retries and 429s. `DEBUG=gladly-api` also logs them to stderr. */
  hooks?: Hooks;
  /** Where to read GLADLY_* variables from; defaults to `process.env` where it exists. */
  env?: Record<string, string | undefined>;
}

export interface ResolvedConfig {
  baseUrl: string;
  authorization: string;
  /** The caller's fetch, if one was given; otherwise the global fetch is called directly. */
  fetch: ((request: Request) => Promise<Response>) | undefined;
  headers: Record<string, string>;
  followMergedCustomers: boolean;
  rateLimit: false | RateLimitOptions;
  retry: false | RetryOptions;
  timeout: number;
  hooks: Hooks;
}

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

function defaultEnv(): Record<string, string | undefined> {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env ?? {};
}

function basicAuthorization(email: string, token: string): string {
  const bytes = new TextEncoder().encode(`${email}:${token}`);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

export function resolveConfig(options: GladlyClientOptions = {}): ResolvedConfig {
  const env = options.env ?? defaultEnv();
  const pick = (value: string | undefined, name: string) => (value !== undefined ? value : env[name] || undefined);

  const environment = pick(options.environment, "GLADLY_ENVIRONMENT") ?? "production";
  if (environment !== "production" && environment !== "sandbox") {
    throw new GladlyInputError("environment", `must be "production" or "sandbox", got ${JSON.stringify(environment)}`);
  }
  const explicitBase = options.baseUrl ?? (options.organization === undefined ? env.GLADLY_BASE_URL || undefined : undefined);
  const organization = pick(options.organization, "GLADLY_ORGANIZATION");
  let baseUrl: string;
  if (explicitBase !== undefined) {
    if (options.organization !== undefined && options.baseUrl !== undefined) {
      throw new GladlyInputError("baseUrl", "give either organization or baseUrl, not both");
    }
    baseUrl = normalizeBaseUrl(explicitBase);
  } else if (organization !== undefined) {
    const org = validateOrganization(organization);
    baseUrl = `https://${org}.gladly.${environment === "sandbox" ? "qa" : "com"}/api/v1`;
  } else {
    throw new GladlyInputError("organization", "missing: pass organization (or baseUrl), or set GLADLY_ORGANIZATION");
  }

  const agentEmail = pick(options.agentEmail, "GLADLY_AGENT_EMAIL");
  const apiToken = pick(options.apiToken, "GLADLY_API_TOKEN");
  if (!agentEmail) throw new GladlyInputError("agentEmail", "missing: pass agentEmail or set GLADLY_AGENT_EMAIL");
  if (!apiToken) throw new GladlyInputError("apiToken", "missing: pass apiToken or set GLADLY_API_TOKEN");
  if (agentEmail.includes(":")) throw new GladlyInputError("agentEmail", "must not contain ':' (it separates email and token in Basic auth)");
  if (/[\r\n]/.test(agentEmail) || /[\r\n]/.test(apiToken)) throw new GladlyInputError("apiToken", "agentEmail and apiToken must not contain line breaks");

  const userAgent = [options.userAgent, `gladly-api/${VERSION}`].filter(Boolean).join(" ");
  return {
    baseUrl,
    authorization: basicAuthorization(agentEmail, apiToken),
    fetch: options.fetch,
    headers: Object.fromEntries(Object.entries({ "User-Agent": userAgent, ...options.headers }).map(([name, value]) => [name.toLowerCase(), value])),
    followMergedCustomers: options.followMergedCustomers ?? true,
    rateLimit: options.rateLimit ?? {},
    retry: options.retry ?? {},
    timeout: options.timeout ?? 60_000,
    hooks: combineHooks(options.hooks, debugEnabled(env) ? debugHooks() : undefined),
  };
}

export const VERSION = "0.0.0";
