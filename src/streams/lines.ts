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
 */
export async function* lines(body: ReadableStream<Uint8Array>, options: LineOptions = {}): AsyncGenerator<{ text: string; number: number }> {
  for await (const batch of lineBatches(body, options)) yield* batch;
}

/**
 * The lines of each chunk, as one batch. Each chunk is cut at its last newline byte (0x0A, which
 * never occurs inside a UTF-8 character); what comes before is decoded once and split, what comes
 * after waits, as bytes, for the next newline. Every byte is looked at a bounded number of times:
 * linear in the size of the body, however long a line is, with one decode per chunk.
 */
async function* lineBatches(body: ReadableStream<Uint8Array>, options: LineOptions): AsyncGenerator<{ text: string; number: number }[]> {
  const max = checkMaxLineBytes(options.maxLineBytes);
  const reader = body.getReader();
  // Only the start of the body may carry a byte order mark; later lines keep U+FEFF as it is.
  const first = new TextDecoder();
  const later = new TextDecoder("utf-8", { ignoreBOM: true });
  let started = false;
  let parts: Uint8Array[] = [];
  let size = 0;
  let number = 0;
  let finished = false;
  const decode = (bytes: Uint8Array) => {
    const text = (started ? later : first).decode(bytes);
    started = true;
    return text;
  };
  const tooLong = (pending: Uint8Array[], line: number) => {
    // The first `max` bytes are buffered whatever the chunking, so the excerpt does not depend on it.
    const head = firstBytes(pending, Math.min(max, EXCERPT_CHARS * 4));
    const excerpt = excerptOf(new TextDecoder("utf-8", { ignoreBOM: started }).decode(head, { stream: true }));
    const source = options.source ?? { url: "", method: "GET", status: 200 };
    return new GladlyStreamError(
      `${source.method} ${source.url ? pathOf(source.url) : "body"}: line ${line} is longer than ${max} bytes (maxLineBytes); stopped reading`,
      { ...source, line, excerpt, reason: "too-long" },
    );
  };
  /** The first of these complete lines (bytes, no newline at the end) longer than `max`: its start and end. */
  const overlong = (bytes: Uint8Array): { from: number; stop: number } | undefined => {
    // Only a run of bytes longer than `max` can hold a line that is: the usual chunk is skipped.
    if (bytes.length <= max) return undefined;
    for (let from = 0; from <= bytes.length; ) {
      const end = bytes.indexOf(10, from);
      const stop = end === -1 ? bytes.length : end;
      if (stop - from > max) return { from, stop };
      if (end === -1) return undefined;
      from = end + 1;
    }
    return undefined;
  };
  /** The batch of these complete lines; the lines before one that is too long are yielded first, then it throws. */
  async function* complete(bytes: Uint8Array): AsyncGenerator<{ text: string; number: number }[]> {
    const bad = overlong(bytes);
    const batch: { text: string; number: number }[] = [];
    if (bad && bad.from > 0) split(decode(bytes.subarray(0, bad.from - 1)), batch);
    else if (!bad) split(decode(bytes), batch);
    if (batch.length) yield batch;
    if (bad) throw tooLong([bytes.subarray(bad.from, bad.stop)], number + 1);
  }
  /** Splits decoded complete lines into the batch. */
  const split = (text: string, batch: { text: string; number: number }[]) => {
    let from = 0;
    for (;;) {
      const end = text.indexOf("\n", from);
      let line = end === -1 ? text.slice(from) : text.slice(from, end);
      number++;
      if (line.endsWith("\r")) line = line.slice(0, -1);
      if (line.trim()) batch.push({ text: line, number });
      if (end === -1) return;
      from = end + 1;
    }
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const last = value.lastIndexOf(10);
      if (last === -1) {
        if (size + value.length > max) throw tooLong([...parts, value], number + 1);
        parts.push(value);
        size += value.length;
        continue;
      }
      const head = value.subarray(0, last);
      const whole = parts.length ? concat([...parts, head], size + head.length) : head;
      parts = [];
      size = 0;
      yield* complete(whole);
      const rest = value.subarray(last + 1);
      if (rest.length) {
        if (rest.length > max) throw tooLong([rest], number + 1);
        parts.push(rest);
        size = rest.length;
      }
    }
    if (size > 0) {
      const bytes = concat(parts, size);
      parts = [];
      yield* complete(bytes);
    }
    finished = true;
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/**
 * JSON records, one per line, with a typed error naming the line that is not JSON or too long.
 * It opens the response itself, on the first `next()`, so that a helper can return it as it is:
 * every record passing through a second generator (`yield*`) cost a fifth of the throughput.
 */
export async function* jsonLines<T>(open: () => Promise<Response>, method: string, options: Pick<LineOptions, "maxLineBytes"> = {}): AsyncGenerator<T> {
  checkMaxLineBytes(options.maxLineBytes);
  const response = await open();
  if (!response.body) return;
  for await (const batch of lineBatches(response.body, { ...options, source: { url: response.url, method, status: response.status } })) {
    for (const { text, number } of batch) yield parse<T>(text, number, response, method);
  }
}

function parse<T>(text: string, number: number, response: Response, method: string): T {
  try {
    return JSON.parse(text) as T;
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
}
