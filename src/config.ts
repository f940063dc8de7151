import packageJson from "../package.json" with { type: "json" };
import { GladlyInputError } from "./errors.ts";
import { type Hooks, combineHooks, debugEnabled, debugHooks } from "./hooks.ts";
import type { RateLimitOptions } from "./limiter/types.ts";
import type { RetryOptions } from "./pipeline/retry.ts";
import { normalizeBaseUrl, validateOrganization } from "./host.ts";
import { checkHeaders } from "./query.ts";

/** Which Gladly a client talks to: `production` (https://{org}.gladly.com) or `sandbox` (https://{org}.gladly.qa). */
export type GladlyEnvironment = "production" | "sandbox";
export { normalizeBaseUrl, organizationProblem, validateOrganization } from "./host.ts";

/**
 * Settings of {@link createGladlyClient}. Every one is optional: organization and credentials fall
 * back to the GLADLY_* environment variables named on each.
 */
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
   * customer (default), or throw GladlyCustomerMergedError carrying its id (`false`). A delete
   * always throws: deleting the surviving customer would delete what was merged into it.
   */
  followMergedCustomers?: boolean;
  /**
   * Client-side pacing under Gladly's limits, shared by every client of the organization in this
   * process: 10 requests/second, Reports 10/minute and 2 at a time. `false` turns it off.
   */
  rateLimit?: false | RateLimitOptions;
  /** Retries of 429s, 502/503/504 and network failures (idempotent requests only, unless never sent). `false` turns them off. */
  retry?: false | RetryOptions;
  /** Milliseconds an attempt may take, the body included when the call reads it (default 60 000; 0 or Infinity for none). */
  timeout?: number;
  /** Observe requests, responses, retries and 429s. `DEBUG=gladly-api` also logs them to stderr. */
  hooks?: Hooks;
  /**
   * The client holds an API token that can do anything in your organization; in a browser every
   * visitor could read it. It refuses to run there unless you set this (a trusted internal tool,
   * say). For help-center pages use `gladly-api/public-answers`, which needs no token.
   */
  dangerouslyAllowBrowser?: boolean;
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

function defaultEnv(): Record<string, string | undefined> {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env ?? {};
}

/** Milliseconds per attempt: a number ≥ 0 (0 or Infinity for none); 60 s by default. */
function checkTimeout(timeout: number | undefined): number {
  if (timeout === undefined) return 60_000;
  if (typeof timeout !== "number" || Number.isNaN(timeout) || timeout < 0) {
    throw new GladlyInputError("timeout", `must be a number of milliseconds ≥ 0 (0 or Infinity for none), got ${JSON.stringify(timeout) ?? String(timeout)}`);
  }
  return timeout === Infinity ? 0 : timeout;
}

/** Reads that a runtime refuses (Deno without --allow-env) count as unset, so options alone always suffice. */
function readableEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return new Proxy(env, {
    get(target, name) {
      try {
        return Reflect.get(target, name);
      } catch {
        return undefined;
      }
    },
  });
}

function basicAuthorization(email: string, token: string): string {
  const bytes = new TextEncoder().encode(`${email}:${token}`);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

export function resolveConfig(options: GladlyClientOptions = {}): ResolvedConfig {
  const scope = globalThis as { window?: unknown; document?: unknown };
  if (scope.window !== undefined && scope.document !== undefined && !options.dangerouslyAllowBrowser) {
    throw new GladlyInputError(
      "dangerouslyAllowBrowser",
      "createGladlyClient refuses to run in a browser: the API token would be exposed to everyone who loads the page. Use gladly-api/public-answers for help-center pages, call Gladly from your server, or pass dangerouslyAllowBrowser: true if you really mean it",
    );
  }
  const env = readableEnv(options.env ?? defaultEnv());
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
    // Host names are case-insensitive; one spelling keeps one organization one budget.
    const org = validateOrganization(organization).toLowerCase();
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
  const headers = Object.fromEntries(Object.entries({ "User-Agent": userAgent, ...options.headers }).map(([name, value]) => [name.toLowerCase(), value]));
  // Checked once here rather than on every call: a bad default header is the client's mistake.
  checkHeaders(headers);
  return {
    baseUrl,
    authorization: basicAuthorization(agentEmail, apiToken),
    fetch: options.fetch,
    headers,
    followMergedCustomers: options.followMergedCustomers ?? true,
    rateLimit: options.rateLimit ?? {},
    retry: options.retry ?? {},
    timeout: checkTimeout(options.timeout),
    hooks: combineHooks(options.hooks, debugEnabled(env) ? debugHooks() : undefined),
  };
}

/** The package's own version, for User-Agent (changesets bumps package.json; this follows). */
export const VERSION: string = packageJson.version;
