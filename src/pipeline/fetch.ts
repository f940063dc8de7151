/**
 * The last step: the caller's fetch (which takes a Request) or the global one (which builds its own).
 * Redirects are never followed here (`redirect: "manual"`): the redirect layer decides. The call's
 * `onSent` is told first: from here on the request may reach the server. The attempt's deadline
 * rides on the caller's signal when there is one, else on what `Deadline` finds cheapest.
 */
import type { Send } from "./request.ts";

export type Fetch = (request: Request) => Promise<Response>;

export function fetchStep(userFetch: Fetch | undefined): Send {
  return async (request) => {
    const init: RequestInit = { method: request.method, headers: request.headers, redirect: "manual" };
    if (request.body !== undefined) init.body = request.body;
    if (request.signal) init.signal = request.signal;
    else if (request.deadline) {
      const dispatcher = userFetch ? undefined : request.deadline.dispatcher();
      if (dispatcher) (init as { dispatcher?: unknown }).dispatcher = dispatcher;
      else init.signal = request.deadline.signal;
    }
    request.settings.onSent?.();
    const response = await (userFetch ? userFetch(new Request(request.url, init)) : globalThis.fetch(request.url, init));
    request.deadline?.checkLentDispatcherUsed();
    return { response };
  };
}
