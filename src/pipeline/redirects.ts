/**
 * Follows redirects itself (requests are sent with `redirect: "manual"`): 303 — Gladly's answer
 * for attachments — becomes a GET. 301 is left to the caller, because Gladly uses it for merged
 * customers.
 *
 * Guarantee: credentials and cookies never travel to another origin, nothing is followed from
 * https to plain http (except between loopback hosts, for local fakes), and at most 5 hops.
 */
import { GladlyError, pathOf } from "../errors.ts";
import { isLoopback } from "../host.ts";
import type { Layer } from "./request.ts";

const FOLLOWED = new Set([302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

export const redirectsLayer: Layer = async (first, next) => {
  let request = first;
  for (let hop = 0; ; hop++) {
    const answer = await next(request);
    const { response } = answer;
    if (!FOLLOWED.has(response.status) || request.settings.followRedirects === false) return answer;
    const location = response.headers.get("location");
    if (!location) return answer;
    const bodiless = request.method === "GET" || request.method === "HEAD";
    if (response.status !== 303 && !bodiless) return answer;
    if (hop >= MAX_REDIRECTS) {
      throw new GladlyError(`${first.method} ${pathOf(first.url)}: more than ${MAX_REDIRECTS} redirects`, {
        status: response.status,
        method: first.method,
        url: first.url,
      });
    }
    const from = new URL(request.url);
    const target = new URL(location, from);
    if (target.protocol !== "https:" && target.origin !== from.origin && !(isLoopback(target) && isLoopback(from))) {
      throw new GladlyError(`${first.method} ${from.pathname}: refused a redirect to a non-https URL`, {
        status: response.status,
        method: first.method,
        url: first.url,
      });
    }
    if (!response.bodyUsed) await response.body?.cancel();
    const { authorization, cookie, "content-type": _, ...kept } = request.headers;
    const headers = target.origin === from.origin ? { ...kept, ...(authorization && { authorization }), ...(cookie && { cookie }) } : kept;
    request = { ...request, url: target.href, method: bodiless ? request.method : "GET", headers, body: undefined };
  }
};
