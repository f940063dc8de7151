/**
 * Typed errors for a body read after the pipeline handed the response back (streams, openapi-fetch
 * methods): the pipeline's typed-errors layer never sees those reads, and a bare read fails with
 * the signal's reason or fetch's TypeError. Here the caller's abort is a GladlyAbortError, as
 * before the headers arrived, and a body that broke off a GladlyConnectionError.
 */
import { GladlyAbortError, GladlyError, GladlyInputError, connectionError, pathOf } from "./errors.ts";

/** The request a body belongs to, and the caller's signal. */
export interface BodySource {
  method: string;
  url: string;
  signal?: AbortSignal | undefined;
}

/** The caller's own abort, whatever it interrupted, with the signal's reason as `cause`. */
export function abortError(source: BodySource & { signal: AbortSignal }): GladlyAbortError {
  const { method, url, signal } = source;
  return new GladlyAbortError(`${method} ${pathOf(url)}: aborted by the caller`, { method, url, cause: signal.reason });
}

/** What reading a body threw, typed: the client's own errors as they are, then abort, else connection failure. */
export function bodyReadError(cause: unknown, source: BodySource): Error {
  if (cause instanceof GladlyError || cause instanceof GladlyInputError) return cause;
  if (source.signal?.aborted) return abortError({ ...source, signal: source.signal });
  return connectionError(cause, source.method, source.url, "body cut short");
}

/**
 * The same bytes, failing with typed errors, for a body handed to the caller (or to openapi-fetch)
 * to read. Cancelling it cancels the body, releasing the connection.
 */
export function typedBody(body: ReadableStream<Uint8Array>, source: BodySource): ReadableStream<Uint8Array> {
  // Locked only once read, and never read ahead (high-water mark 0): until then the body is as it was.
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          reader ??= body.getReader();
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (error) {
          controller.error(bodyReadError(error, source));
        }
      },
      cancel: (reason) => (reader ?? body).cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

/** Statuses whose Response may not be built with a body. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * The response as openapi-fetch should see it: the same status, headers, url and `redirected`,
 * with a body that fails with typed errors when openapi-fetch (or the caller) reads it.
 */
export function typedResponse(response: Response, source: BodySource): Response {
  if (!response.body || response.status < 200 || response.status > 599 || NULL_BODY_STATUSES.has(response.status)) return response;
  const typed = new Response(typedBody(response.body, source), { status: response.status, statusText: response.statusText, headers: response.headers });
  // A constructed Response has no url and is never `redirected`: keep what fetch said.
  Object.defineProperties(typed, { url: { value: response.url }, redirected: { value: response.redirected }, type: { value: response.type } });
  return typed;
}
