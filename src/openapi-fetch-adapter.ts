/**
 * Lets openapi-fetch's own methods (`gladly.GET(…)`) use the same pipeline as the grouped methods:
 * a middleware notes which operation each Request is for (from its schema path), and the fetch
 * openapi-fetch calls hands the request to the pipeline, body unread, as openapi-fetch reads it.
 */
import type { Middleware } from "openapi-fetch";
import { type OperationEntry, operations } from "../generated/operations.ts";
import type { PipelineRequest, Send } from "./pipeline/index.ts";
import { BASE_PATH, matchRoute } from "./routes.ts";

const bySchemaPath = new Map<string, OperationEntry>();
for (const op of Object.values(operations) as OperationEntry[]) bySchemaPath.set(`${op.method} ${op.path}`, op);

export function createOpenapiFetchAdapter(send: Send, baseUrl: string): { middleware: Middleware; fetch: (request: Request) => Promise<Response> } {
  const operationOf = new WeakMap<Request, OperationEntry>();
  const basePath = new URL(baseUrl).pathname.replace(/\/$/, "");
  const middleware: Middleware = {
    onRequest({ request, schemaPath }) {
      const op = bySchemaPath.get(`${request.method} ${schemaPath}`);
      if (op) operationOf.set(request, op);
    },
  };
  // A middleware added after ours may have replaced the Request: then the route says which operation it is.
  const byRoute = (request: Request) => {
    const pathname = new URL(request.url).pathname;
    return matchRoute(request.method, pathname.startsWith(basePath) ? `${BASE_PATH}${pathname.slice(basePath.length)}` : pathname).op;
  };
  const fetch = async (request: Request): Promise<Response> => {
    const operation = operationOf.get(request) ?? byRoute(request);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const outgoing: PipelineRequest = {
      url: request.url,
      method: request.method,
      headers,
      body: request.body ? await request.arrayBuffer() : undefined,
      operation,
      read: "raw",
      signal: request.signal,
      deadline: undefined, // see buildRequest in operations.ts
      attempt: 1,
      // A create is safe to repeat only with an id in its body, which the grouped methods ensure and this path does not.
      settings: operation?.createdResource ? { idempotent: false } : {},
    };
    return (await send(outgoing)).response;
  };
  return { middleware, fetch };
}
