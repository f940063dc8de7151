import { BASE_PATH, type RouteMatch, matchRoute } from "../routes.ts";

export { BASE_PATH, type RouteMatch, matchRoute };

/** A path the fake cannot even read: a `%` escape that is not one, or a target that is not a URL. */
export interface MalformedPath {
  op?: undefined;
  malformed: string;
}

/**
 * matchRoute for a server that must not die on its input: a malformed `%` escape in a parameter
 * (`/customer-profiles/%zz`) makes decodeURIComponent throw, and that becomes an answer instead.
 */
export function matchFakeRoute(method: string, pathname: string): ReturnType<typeof matchRoute> | MalformedPath {
  try {
    return matchRoute(method, pathname);
  } catch (error) {
    if (error instanceof URIError) return { malformed: `${pathname} is not valid percent-encoding` };
    throw error;
  }
}

/** Percent-decoding that says undefined instead of throwing. */
export function decodeOrUndefined(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
