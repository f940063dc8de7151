/**
 * `gladly-api/public-answers`: Gladly's Public Answers API for help-center pages, straight from the
 * browser. No credentials, no cookies, no Node built-ins, no rate limiter: small enough for a page
 * (see `npm run size`), and it runs in Node, Deno, Bun and workers as well.
 *
 * @module gladly-api/public-answers
 */
import type { operations } from "../generated/schema.ts";
import { GladlyAbortError, GladlyConnectionError, errorFromResponse, pathOf, readErrorBody } from "./errors.ts";
import { normalizeBaseUrl, validateOrganization } from "./host.ts";
import { pathSerializer } from "./path-params.ts";

/** The JSON an operation of the spec answers with on 200. */
type Json<Id extends keyof operations> = operations[Id] extends { responses: { 200: { content: { "application/json": infer T } } } } ? T : never;

/** A search hit: id and name. */
export type PublicAnswerHit = Json<"searchAnswers">[number];
/** A public answer with its HTML body. */
export type PublicAnswer = Json<"getAnswer">;
/** An answer title of a help center. */
export type PublicAnswerTitle = Json<"getAnswerTitles">[number];

/** The paths of the four Public Answers operations (a test checks them against the manifest). */
export const PUBLIC_ANSWER_PATHS = {
  searchAnswers: "/orgs/{orgId}/answers-search",
  listAnswers: "/orgs/{orgId}/answers",
  getAnswerTitles: "/orgs/{orgId}/help-center/{helpCenterId}/answer-titles",
  getAnswer: "/orgs/{orgId}/answers/{answerId}",
} as const;

/** Settings of {@link createPublicAnswersClient}: where your help center lives, and an optional cache. */
export interface PublicAnswersClientOptions {
  /** Your Gladly subdomain (https://{organization}.gladly.com), or give `baseUrl`. */
  organization?: string;
  /** `production` (default) → https://{organization}.gladly.com, `sandbox` → https://{organization}.gladly.qa. */
  environment?: "production" | "sandbox";
  /** A full base URL instead (https, or http on loopback); `/api/v1` is added when absent. */
  baseUrl?: string;
  /** Your organization's id (see the Organization API), part of every Public Answers path. */
  orgId: string;
  /** A fetch implementation; defaults to the global one. */
  fetch?: typeof fetch;
  /** Keep answers in memory this long (ms), so repeated searches cost nothing. Default: no cache. */
  cacheTtlMs?: number;
  /** Most entries the cache holds (default 100). */
  cacheSize?: number;
}

/** Per-call settings of the Public Answers methods. */
export interface PublicAnswersCallOptions {
  /**
   * Abort a call no longer needed (a type-ahead search that was typed over): it then rejects with
   * GladlyAbortError, never a GladlyConnectionError, so it can be told apart and ignored.
   */
  signal?: AbortSignal;
}

/** Which language and audience of the answers to read. */
interface Language {
  /** Language code, e.g. en-us (Gladly's default). */
  lng?: string;
  /** Only answers for this audience. */
  audienceId?: string;
}

/**
 * Reads a help center's public answers. Every method rejects with a {@link GladlyError} subclass
 * when Gladly answers with an error, or {@link GladlyConnectionError} when no answer arrives
 * (offline, CORS refusal, aborted).
 */
export interface PublicAnswersClient {
  /** The API base every path is relative to, e.g. https://acme.gladly.com/api/v1. */
  readonly baseUrl: string;
  /** Answers matching the search text `q`, as hits (id and name). */
  search(args: { q: string } & Language, options?: PublicAnswersCallOptions): Promise<PublicAnswerHit[]>;
  /** Every public answer, with its body. */
  list(args?: Language, options?: PublicAnswersCallOptions): Promise<PublicAnswer[]>;
  /** The titles of the answers in one help center. */
  answerTitles(args: { helpCenterId: string } & Language, options?: PublicAnswersCallOptions): Promise<PublicAnswerTitle[]>;
  /** One answer with its HTML body. */
  get(args: { answerId: string; lng?: string }, options?: PublicAnswersCallOptions): Promise<PublicAnswer>;
}

const CORS_HINT = "in a browser this is most often CORS: Gladly must allow this page's origin for the Public Answers API";

/**
 * Creates a Public Answers client: no credentials, safe to use in a page.
 *
 * @throws {@link GladlyInputError} when the organization name or base URL is malformed.
 */
export function createPublicAnswersClient(options: PublicAnswersClientOptions): PublicAnswersClient {
  const baseUrl =
    options.baseUrl !== undefined
      ? normalizeBaseUrl(options.baseUrl)
      : `https://${validateOrganization(options.organization ?? "")}.gladly.${options.environment === "sandbox" ? "qa" : "com"}/api/v1`;
  const orgId = options.orgId;
  const fetchImpl = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const ttl = options.cacheTtlMs ?? 0;
  const size = options.cacheSize ?? 100;
  const cache = new Map<string, { expires: number; data: unknown }>();

  async function call<T>(
    path: string,
    params: Record<string, string | undefined>,
    query: Record<string, string | undefined>,
    signal?: AbortSignal,
  ): Promise<T> {
    const search = Object.entries(query)
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
      .join("&");
    const url = `${baseUrl}${pathSerializer(path, { orgId, ...params })}${search ? `?${search}` : ""}`;
    try {
      if (signal?.aborted) throw signal.reason;
      const hit = ttl > 0 ? cache.get(url) : undefined;
      if (hit && hit.expires > Date.now()) return hit.data as T;
      let response: Response;
      try {
        // No credentials of any kind: the Public Answers API is open, and cookies must not leak to it.
        response = await fetchImpl(url, { headers: { Accept: "application/json" }, credentials: "omit", ...(signal && { signal }) });
      } catch (cause) {
        const inBrowser = typeof document !== "undefined";
        const reason = `${(cause as Error)?.message ?? String(cause)}${inBrowser ? ` (${CORS_HINT}, or the network is down)` : ""}`;
        throw new GladlyConnectionError(`GET ${pathOf(url)}: request failed: ${reason}`, { method: "GET", url, cause });
      }
      if (!response.ok) throw errorFromResponse(response, await readErrorBody(response), "GET", url);
      const data = (await response.json()) as T;
      if (ttl > 0) {
        if (cache.size >= size) cache.delete(cache.keys().next().value!);
        cache.set(url, { expires: Date.now() + ttl, data });
      }
      return data;
    } catch (error) {
      // Whatever the abort interrupted (the request, the body, an error answer), the caller asked
      // for it: a type-ahead search that was typed over is not a failure to show.
      if (signal?.aborted) throw new GladlyAbortError(`GET ${pathOf(url)}: aborted by the caller`, { method: "GET", url, cause: signal.reason });
      throw error;
    }
  }

  return {
    baseUrl,
    search: ({ q, lng, audienceId }, o = {}) => call(PUBLIC_ANSWER_PATHS.searchAnswers, {}, { q, lng, audienceId }, o.signal),
    list: ({ lng, audienceId } = {}, o = {}) => call(PUBLIC_ANSWER_PATHS.listAnswers, {}, { lng, audienceId }, o.signal),
    answerTitles: ({ helpCenterId, lng, audienceId }, o = {}) => call(PUBLIC_ANSWER_PATHS.getAnswerTitles, { helpCenterId }, { lng, audienceId }, o.signal),
    get: ({ answerId, lng }, o = {}) => call(PUBLIC_ANSWER_PATHS.getAnswer, { answerId }, { lng }, o.signal),
  };
}

export {
  GladlyAbortError,
  GladlyAuthenticationError,
  GladlyConnectionError,
  GladlyError,
  GladlyInputError,
  GladlyNotFoundError,
  GladlyRateLimitError,
  GladlyServerError,
  GladlyValidationError,
} from "./errors.ts";
