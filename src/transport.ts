import { GladlyError, GladlyInputError, pathOf } from "./errors.ts";
import { isLoopback } from "./host.ts";
import { BASE_PATH, matchRoute } from "./routes.ts";
import type { BodyKind, CallControl } from "./send.ts";

export type Fetch = (request: Request) => Promise<Response>;

/**
 * A request on its way through the client's layers. A `Request` object is built only at the
 * very end, by fetch itself: building one per layer (or one for openapi-fetch and another for
 * fetch) costs more than everything else the client does.
 */
export interface Outgoing {
  url: string;
  method: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body?: string | ArrayBuffer | undefined;
  signal?: AbortSignal | undefined;
  /** 1 for the first try, 2 for the first retry, … */
  attempt: number;
  /** A grouped method's call: its timeout controller, attempts, and the body read for it. */
  control?: CallControl | undefined;
  /** How the grouped method reads the answer, so the retry layer can read it inside its loop. */
  bodyKind?: BodyKind | undefined;
}

export type Send = (request: Outgoing) => Promise<Response>;

/** Takes a Request from openapi-fetch's own methods into the layers. */
export async function fromRequest(request: Request): Promise<Outgoing> {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => (headers[name] = value));
  return { url: request.url, method: request.method, headers, body: request.body ? await request.arrayBuffer() : undefined, signal: request.signal, attempt: 1 };
}

/** The last layer: the caller's fetch (which takes a Request) or the global one (which builds its own). */
export function fetchLayer(userFetch: Fetch | undefined): Send {
  return (o) => {
    const init: RequestInit = { method: o.method, headers: o.headers, redirect: "manual", ...(o.body !== undefined && { body: o.body }), ...(o.signal && { signal: o.signal }) };
    return userFetch ? userFetch(new Request(o.url, init)) : globalThis.fetch(o.url, init);
  };
}

/** Query parameters as Gladly reads them: arrays repeated (`entities=A&entities=B`), values percent-encoded. */
export function serializeQuery(query: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item === "object") throw new GladlyInputError(name, "query parameter must be a string, number or boolean (or a list of them)");
      parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(String(item))}`);
    }
  }
  return parts.length ? `?${parts.join("&")}` : "";
}

/** What a request needs from its operation to be sent: credentials or not, and what to accept. */
export interface SendInfo {
  auth: boolean;
  accept: string | null;
}

function infoFromRoute(request: Outgoing, basePath: string): SendInfo | undefined {
  const pathname = new URL(request.url).pathname;
  const match = matchRoute(request.method, pathname.startsWith(basePath) ? `${BASE_PATH}${pathname.slice(basePath.length)}` : pathname);
  return match.op ? { auth: match.op.auth, accept: match.op.responseContentType } : undefined;
}

/**
 * For calls through openapi-fetch's own methods (`gladly.GET(…)`): adds Basic credentials to
 * every operation that needs them and to none that does not (the Public Answers API), plus an
 * Accept header matching what it returns, finding the operation by route. Grouped methods set
 * both when they build the request.
 */
export function authLayer(next: Send, authorization: string, basePath: string): Fetch {
  return async (incoming) => {
    const request = await fromRequest(incoming);
    const info = infoFromRoute(request, basePath);
    if (info?.auth !== false) request.headers.authorization = authorization;
    if (info?.accept && !request.headers.accept) request.headers.accept = info.accept;
    return next(request);
  };
}

export { pathSerializer } from "./path-params.ts";

const FOLLOWED = new Set([302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/**
 * Follows redirects itself (requests are sent with `redirect: "manual"`): 303 — Gladly's answer
 * for attachments — becomes a GET, and credentials never travel to another origin or over
 * plain http. 301 is left to the caller, because Gladly uses it for merged customers.
 */
export function followRedirects(next: Send): Send {
  return async (first) => {
    let request = first;
    for (let hop = 0; ; hop++) {
      const response = await next(request);
      if (!FOLLOWED.has(response.status) || request.control?.followRedirects === false) return response;
      const location = response.headers.get("location");
      if (!location) return response;
      const bodiless = request.method === "GET" || request.method === "HEAD";
      if (response.status !== 303 && !bodiless) return response;
      if (hop >= MAX_REDIRECTS) {
        throw new GladlyError(`${first.method} ${pathOf(first.url)}: more than ${MAX_REDIRECTS} redirects`, { status: response.status, method: first.method, url: first.url });
      }
      const target = new URL(location, request.url);
      const from = new URL(request.url);
      if (target.protocol !== "https:" && target.origin !== from.origin && !isLoopback(target)) {
        throw new GladlyError(`${first.method} ${from.pathname}: refused a redirect to a non-https URL`, { status: response.status, method: first.method, url: first.url });
      }
      await response.body?.cancel();
      const { authorization, cookie, "content-type": _, ...kept } = request.headers;
      const headers = target.origin === from.origin ? { ...kept, ...(authorization && { authorization }), ...(cookie && { cookie }) } : kept;
      request = { ...request, url: target.toString(), method: bodiless ? request.method : "GET", headers, body: undefined };
    }
  };
}
