import type { Middleware } from "openapi-fetch";
import { type OperationEntry, operations } from "../generated/operations.ts";
import { GladlyError, GladlyInputError } from "./errors.ts";
import type { OrganizationLimits } from "./limiter.ts";

export type Fetch = (request: Request) => Promise<Response>;

const routes = new Map<string, OperationEntry>(Object.values(operations).map((op) => [`${op.method} ${op.path}`, op]));

/** The manifest entry for a request made through openapi-fetch, found by method and path template. */
export function operationFor(method: string, schemaPath: string): OperationEntry | undefined {
  return routes.get(`${method.toUpperCase()} ${schemaPath}`);
}

/**
 * Adds Basic credentials to every operation that needs them and to none that does not (the
 * Public Answers API), plus an Accept header matching what the operation returns.
 */
export function authMiddleware(authorization: string): Middleware {
  return {
    onRequest({ request, schemaPath }) {
      const op = operationFor(request.method, schemaPath);
      if (op?.auth !== false) request.headers.set("Authorization", authorization);
      if (op?.responseContentType && !request.headers.has("Accept")) request.headers.set("Accept", op.responseContentType);
      return request;
    },
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
      const location = response.headers.get("location");
      if (!FOLLOWED.has(response.status) || !location) return response;
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

/**
 * Paces requests to the API origin through the organization's limiters (Reports through theirs
 * as well). Requests elsewhere — the file host behind an attachment's 303 — are not counted.
 */
export function limitRequests(next: Fetch, apiBase: string, limits: OrganizationLimits): Fetch {
  const base = new URL(apiBase);
  const reportsPath = `${base.pathname.replace(/\/$/, "")}/reports`;
  return async (request) => {
    const url = new URL(request.url);
    if (url.origin !== base.origin) return next(request);
    const signal = request.signal;
    const isReport = url.pathname === reportsPath || url.pathname.startsWith(`${reportsPath}/`);
    const releases: (() => void)[] = [];
    const releaseAll = () => releases.splice(0).forEach((release) => release());
    try {
      if (isReport) {
        releases.push(await limits.reportSlots.acquire());
        releases.push(await limits.reports.acquire(signal));
      }
      releases.push(await limits.requests.acquire(signal));
    } catch (error) {
      releaseAll();
      throw error;
    }
    let response: Response;
    try {
      response = await next(request);
    } catch (error) {
      releaseAll();
      throw error;
    }
    if (!isReport) {
      releaseAll();
      return response;
    }
    // A report holds its concurrency slot until the CSV has been read, not only until headers arrive.
    const [slot, ...windows] = releases;
    windows.forEach((release) => release());
    return releaseWhenConsumed(response, slot!);
  };
}

function releaseWhenConsumed(response: Response, release: () => void): Response {
  if (!response.body) {
    release();
    return response;
  }
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          release();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        release();
        controller.error(error);
      }
    },
    cancel(reason) {
      release();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
