/**
 * The last step: the caller's fetch (which takes a Request) or the global one (which builds its own).
 * Redirects are never followed here (`redirect: "manual"`): the redirect layer decides. The call's
 * `onSent` is told first: from here on the request may reach the server.
 */
import type { Send } from "./request.ts";

export type Fetch = (request: Request) => Promise<Response>;

export function fetchStep(userFetch: Fetch | undefined): Send {
  return async (request) => {
    const init: RequestInit = { method: request.method, headers: request.headers, redirect: "manual" };
    if (request.body !== undefined) init.body = request.body;
    if (request.signal) init.signal = request.signal;
    request.settings.onSent?.();
    return { response: await (userFetch ? userFetch(new Request(request.url, init)) : globalThis.fetch(request.url, init)) };
  };
}
