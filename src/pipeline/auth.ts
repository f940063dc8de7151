/**
 * Credentials and Accept, for both call styles (grouped methods name their operation; openapi-fetch
 * calls are matched to theirs by schema path).
 *
 * Guarantee: Basic credentials go with every operation that needs them and with none that does not
 * (the Public Answers API); a request for an unknown operation gets them too, since every other
 * path of the API requires them. They are added here only: the redirect layer drops them before a
 * request leaves the API origin.
 */
import type { Layer } from "./request.ts";

export function authLayer(authorization: string): Layer {
  return (request, next) => {
    const operation = request.operation;
    if (operation?.auth !== false) request.headers.authorization = authorization;
    if (operation?.responseContentType && request.headers.accept === undefined) request.headers.accept = operation.responseContentType;
    return next(request);
  };
}
