/**
 * Reads the answer's body, the one place it is read: a success as the call asked (JSON, text,
 * bytes, nothing; "stream" leaves it to the caller, "raw" leaves every answer), an error answer
 * leniently (JSON when it parses, text otherwise). It sits inside the retry layer, so a body cut
 * short or garbled on the way can be retried like any other failure, and inside the timeout, so a
 * body that stalls after its headers cannot hold a call forever.
 */
import type { BodyKind, Layer, ReadBody } from "./request.ts";

export const readBodyLayer: Layer = async (request, next) => {
  const answer = await next(request);
  const { response } = answer;
  const kind = request.read;
  if (kind === "raw") return answer;
  if (kind === "stream" && (response.ok || (response.status >= 300 && response.status < 400 && request.settings.followRedirects === false))) return answer;
  return { response, body: await readBody(response, response.ok ? kind : "error") };
};

async function readBody(response: Response, kind: BodyKind | "error"): Promise<ReadBody> {
  if (kind === "none" || response.status === 204 || kind === "stream" || kind === "raw") {
    await response.body?.cancel();
    return { kind: "none" };
  }
  if (kind === "binary") return { kind: "binary", value: await response.arrayBuffer() };
  if (kind === "error") {
    let text: string;
    try {
      text = await response.text();
    } catch {
      // An error answer whose body broke off is still that error.
      return { kind: "error", value: undefined };
    }
    return { kind: "error", value: text ? parseOr(text, text) : undefined };
  }
  const text = await response.text();
  if (kind === "text") return { kind: "text", value: text };
  if (!text) return { kind: "none" };
  const value = parseOr(text, INVALID);
  return value === INVALID ? { kind: "json-invalid", text } : { kind: "json", value, text };
}

const INVALID = Symbol("invalid JSON");

function parseOr<T>(text: string, fallback: T): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return fallback;
  }
}
