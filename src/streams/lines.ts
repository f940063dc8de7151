import { bodyReadError } from "../body-errors.ts";
import { GladlyError, GladlyInputError, pathOf } from "../errors.ts";

/**
 * Longest line the stream helpers accept by default: 64 MiB. Gladly's largest records (an export
 * file's conversation with every item) are kilobytes to a few megabytes, so this leaves an order of
 * magnitude of room; what it stops is a body with no newline at all growing memory until the
 * process dies (V8 cannot even hold a string of more than ~512 M characters).
 */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

/** A JSON Lines / NDJSON line that is not JSON, or is longer than allowed: where it is, and a little of what it says. */
export class GladlyStreamError extends GladlyError {
  override name = "GladlyStreamError";
  /** 1-based line number in the body. */
  readonly line: number;
  /** The start of the offending line, at most 120 characters. */
  readonly excerpt: string;
  /** `not-json`: the line does not parse; `too-long`: it passed `maxLineBytes` (the rest was not read). */
  readonly reason: "not-json" | "too-long";
  constructor(
    message: string,
    init: { url: string; method: string; status: number; line: number; excerpt: string; reason?: "not-json" | "too-long"; cause?: unknown },
  ) {
    super(message, init);
    this.line = init.line;
    this.excerpt = init.excerpt;
    this.reason = init.reason ?? "not-json";
  }
}

export interface LineOptions {
  /** Longest line accepted, in bytes (not counting the newline); default DEFAULT_MAX_LINE_BYTES. */
  maxLineBytes?: number;
  /** The response the body belongs to, for the error's url, method and status. */
  source?: { url: string; method: string; status: number };
  /** The call's signal: its abort while the body arrives is a GladlyAbortError. */
  signal?: AbortSignal | undefined;
}

const EXCERPT_CHARS = 120;
const excerptOf = (text: string) => (text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text);

function concat(parts: Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const all = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}

/** The first `count` bytes of a line held in parts, without copying the rest of it. */
function firstBytes(parts: Uint8Array[], count: number): Uint8Array {
  const taken: Uint8Array[] = [];
  let size = 0;
  for (const part of parts) {
    if (size >= count) break;
    const piece = part.subarray(0, count - size);
    taken.push(piece);
    size += piece.length;
  }
  return concat(taken, size);
}

export function checkMaxLineBytes(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_LINE_BYTES;
  if (!(Number.isInteger(value) && value > 0) && value !== Number.POSITIVE_INFINITY)
    throw new GladlyInputError("maxLineBytes", `must be a positive whole number of bytes, got ${String(value)}`);
  return value;
}

/**
 * The lines of a body as they arrive: chunks split anywhere (even inside a UTF-8 character),
 * CRLF or LF, blank lines skipped, a last line without a newline kept. Memory stays at one chunk
 * plus one line, and a line longer than `maxLineBytes` throws GladlyStreamError as soon as it
 * gets there. Breaking out of the loop cancels the body, releasing the connection.
 *
 * Splitting is on the byte 0x0A, which never occurs inside a UTF-8 character, so each line is
 * decoded once when complete and every byte is looked at once: linear in the size of the body,
 * however long a line is.
 */
export async function* lines(body: ReadableStream<Uint8Array>, options: LineOptions = {}): AsyncGenerator<{ text: string; number: number }> {
  const max = checkMaxLineBytes(options.maxLineBytes);
  const reader = body.getReader();
  // Only the start of the body may carry a byte order mark; later lines keep U+FEFF as it is.
  const first = new TextDecoder();
  const later = new TextDecoder("utf-8", { ignoreBOM: true });
  let parts: Uint8Array[] = [];
  let size = 0;
  let number = 0;
  let finished = false;
  const decode = (bytes: Uint8Array) => {
    const text = (number === 1 ? first : later).decode(bytes);
    return text.endsWith("\r") ? text.slice(0, -1) : text;
  };
  const tooLong = (piece: Uint8Array) => {
    // The first `max` bytes are buffered whatever the chunking, so the excerpt does not depend on it.
    const head = firstBytes([...parts, piece], Math.min(max, EXCERPT_CHARS * 4));
    const excerpt = excerptOf((number === 0 ? first : later).decode(head, { stream: true }));
    (number === 0 ? first : later).decode(); // reset after the deliberately cut-off decode
    const line = number + 1;
    const source = options.source ?? { url: "", method: "GET", status: 200 };
    return new GladlyStreamError(
      `${source.method} ${source.url ? pathOf(source.url) : "body"}: line ${line} is longer than ${max} bytes (maxLineBytes); stopped reading`,
      { ...source, line, excerpt, reason: "too-long" },
    );
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let start = 0;
      for (let end = value.indexOf(10, start); end !== -1; end = value.indexOf(10, start)) {
        const piece = value.subarray(start, end);
        if (size + piece.length > max) throw tooLong(piece);
        const bytes = concat([...parts, piece], size + piece.length);
        parts = [];
        size = 0;
        start = end + 1;
        number++;
        const text = decode(bytes);
        if (text.trim()) yield { text, number };
      }
      if (start < value.length) {
        const rest = value.subarray(start);
        if (size + rest.length > max) throw tooLong(rest);
        parts.push(rest);
        size += rest.length;
      }
    }
    if (size > 0) {
      const bytes = concat(parts, size);
      parts = [];
      number++;
      const text = decode(bytes);
      if (text.trim()) yield { text, number };
    }
    finished = true;
  } catch (error) {
    const { url, method } = options.source ?? { url: "", method: "GET" };
    throw bodyReadError(error, { url, method, signal: options.signal });
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** JSON records, one per line, with a typed error naming the line that is not JSON or too long. */
export async function* jsonLines<T>(response: Response, method: string, options: Pick<LineOptions, "maxLineBytes" | "signal"> = {}): AsyncGenerator<T> {
  if (!response.body) return;
  for await (const { text, number } of lines(response.body, { ...options, source: { url: response.url, method, status: response.status } })) {
    let record: T;
    try {
      record = JSON.parse(text) as T;
    } catch (cause) {
      const excerpt = excerptOf(text);
      throw new GladlyStreamError(`${method} ${pathOf(response.url)}: line ${number} is not JSON: ${excerpt}`, {
        url: response.url,
        method,
        status: response.status,
        line: number,
        excerpt,
        reason: "not-json",
        cause,
      });
    }
    yield record;
  }
}
