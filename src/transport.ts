import { GladlyError, GladlyInputError } from "./errors.ts";
import { BASE_PATH, matchRoute } from "./routes.ts";

export type Fetch = (request: Request) => Promise<Response>;

/** What a request needs from its operation to be sent: credentials or not, and what to accept. */
export interface SendInfo {
  auth: boolean;
  accept: string | null;
}

function infoFromRoute(request: Request, basePath: string): SendInfo | undefined {
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
export function authLayer(next: Fetch, authorization: string, basePath: string): Fetch {
  return (request) => {
    const info = infoFromRoute(request, basePath);
    if (info?.auth !== false) request.headers.set("Authorization", authorization);
    if (info?.accept && !request.headers.has("Accept")) request.headers.set("Accept", info.accept);
    return next(request);
  };
}

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
    return encodeURIComponent(text);
  });
}

export const isLoopback = (url: URL) => /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i.test(url.hostname);

const FOLLOWED = new Set([302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/**
 * Follows redirects itself (requests are sent with `redirect: "manual"`): 303 — Gladly's answer
 * for attachments — becomes a GET, and credentials never travel to another origin or over
 * plain http. 301 is left to the caller, because Gladly uses it for merged customers.
 */
export function followRedirects(next: Fetch): Fetch {
  return async (first) => {
    let request = first;
    for (let hop = 0; ; hop++) {
      const response = await next(request);
      if (!FOLLOWED.has(response.status)) return response;
      const location = response.headers.get("location");
      if (!location) return response;
      const bodiless = request.method === "GET" || request.method === "HEAD";
      if (response.status !== 303 && !bodiless) return response;
      if (hop >= MAX_REDIRECTS) {
        throw new GladlyError(`${first.method} ${new URL(first.url).pathname}: more than ${MAX_REDIRECTS} redirects`, { status: response.status, method: first.method, url: first.url });
      }
      const target = new URL(location, request.url);
      const from = new URL(request.url);
      if (target.protocol !== "https:" && target.origin !== from.origin && !isLoopback(target)) {
        throw new GladlyError(`${first.method} ${from.pathname}: refused a redirect to a non-https URL`, { status: response.status, method: first.method, url: first.url });
      }
      await response.body?.cancel();
      const headers = new Headers(request.headers);
      if (target.origin !== from.origin) {
        headers.delete("authorization");
        headers.delete("cookie");
      }
      headers.delete("content-type");
      request = new Request(target, { method: bodiless ? request.method : "GET", headers, redirect: "manual", signal: request.signal });
    }
  };
}
