import { GladlyError, pathOf } from "../errors.ts";

/** A JSON Lines / NDJSON line that is not JSON: where it is, and a little of what it says. */
export class GladlyStreamError extends GladlyError {
  override name = "GladlyStreamError";
  /** 1-based line number in the body. */
  readonly line: number;
  /** The start of the offending line, at most 120 characters. */
  readonly excerpt: string;
  constructor(message: string, init: { url: string; method: string; status: number; line: number; excerpt: string; cause?: unknown }) {
    super(message, init);
    this.line = init.line;
    this.excerpt = init.excerpt;
  }
}

/**
 * The lines of a body as they arrive: chunks split anywhere (even inside a UTF-8 character),
 * CRLF or LF, blank lines skipped, a last line without a newline kept. Memory stays at one chunk
 * plus one line. Breaking out of the loop cancels the body, releasing the connection.
 */
export async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<{ text: string; number: number }> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pending = "";
  let number = 0;
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      let start = 0;
      for (let end = pending.indexOf("\n", start); end !== -1; end = pending.indexOf("\n", start)) {
        number++;
        const text = pending.charCodeAt(end - 1) === 13 ? pending.slice(start, end - 1) : pending.slice(start, end);
        start = end + 1;
        if (text.trim()) yield { text, number };
      }
      pending = pending.slice(start);
    }
    pending += decoder.decode();
    if (pending.trim()) yield { text: pending.endsWith("\r") ? pending.slice(0, -1) : pending, number: number + 1 };
    finished = true;
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** JSON records, one per line, with a typed error naming the line that is not JSON. */
export async function* jsonLines<T>(response: Response, method: string): AsyncGenerator<T> {
  if (!response.body) return;
  for await (const { text, number } of lines(response.body)) {
    let record: T;
    try {
      record = JSON.parse(text) as T;
    } catch (cause) {
      const excerpt = text.length > 120 ? `${text.slice(0, 120)}…` : text;
      throw new GladlyStreamError(`${method} ${pathOf(response.url)}: line ${number} is not JSON: ${excerpt}`, {
        url: response.url,
        method,
        status: response.status,
        line: number,
        excerpt,
        cause,
      });
    }
    yield record;
  }
}
