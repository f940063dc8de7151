/**
 * A bulk job's rows from a file or a stream: CSV (header line first), NDJSON (one object a line)
 * or a JSON array. CSV and NDJSON are read a chunk at a time, so a million-row file costs no more
 * memory than a ten-row one. A line that cannot be read becomes a {@link MalformedRow} in its
 * place (the job reports it as failed and goes on) instead of being dropped or stopping the job.
 */
import { isUtf8 } from "node:buffer";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { Readable, pipeline } from "node:stream";
import { type CsvError, type Parser, parse } from "csv-parse";
import { GladlyInputError } from "../errors.ts";

/** The input formats `readRows` reads. */
export type RowFormat = "csv" | "ndjson" | "json";

/** One row as read: column (or property) name → value. CSV values are always text. */
export type BulkRecord = Record<string, unknown>;

/** A row of the input that could not be read: where it is and why. */
export class MalformedRow {
  readonly malformed = true;
  constructor(
    /** The line of the input it starts on, from 1. */
    readonly line: number,
    readonly reason: string,
    /** The row's text as it stands in the input (for the failures file, to be fixed there), when known. */
    readonly raw?: string,
  ) {}
}

/** What a row that is not UTF-8 fails with: the bytes cannot be read back as the text they were meant to be. */
const NOT_UTF8 = "not UTF-8 (save the file as UTF-8)";

/**
 * Stands in for each byte that is not UTF-8: a noncharacter (U+FDD0, "for internal use", never in
 * text meant for interchange), so that the row holding it can be told apart from one holding a
 * real U+FFFD, which is what decoding would otherwise turn both into.
 */
const NOT_UTF8_MARK = "\uFDD0";
const NOT_UTF8_BYTES = Buffer.from(NOT_UTF8_MARK);

/** Whether `utf8Marked` met bytes that are not UTF-8 (only then do rows need looking at). */
interface Utf8Check {
  invalid: boolean;
}

/** The length a UTF-8 sequence starting with `byte` has (1 for a byte that cannot start one). */
function sequenceLength(byte: number): number {
  return byte >= 0xf0 && byte <= 0xf4 ? 4 : byte >= 0xe0 ? (byte <= 0xef ? 3 : 1) : byte >= 0xc2 ? 2 : 1;
}

/** Where a chunk stops being whole: the start of a sequence its last bytes leave unfinished, if any. */
function wholeLength(chunk: Buffer): number {
  for (let back = 1; back <= Math.min(3, chunk.length); back++) {
    const byte = chunk[chunk.length - back]!;
    if ((byte & 0xc0) !== 0x80) return sequenceLength(byte) > back ? chunk.length - back : chunk.length;
  }
  return chunk.length;
}

/** `bytes` with every byte that is not part of a UTF-8 sequence replaced by the mark's bytes. */
function markInvalid(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  let i = 0;
  while (i < bytes.length) {
    const length = bytes[i]! < 0x80 ? 1 : sequenceLength(bytes[i]!);
    if (bytes[i]! < 0x80 || (length > 1 && isUtf8(bytes.subarray(i, i + length)) && i + length <= bytes.length)) i += length;
    else {
      parts.push(bytes.subarray(start, i), NOT_UTF8_BYTES);
      i++;
      start = i;
    }
  }
  parts.push(bytes.subarray(start));
  return Buffer.concat(parts);
}

/**
 * The bytes of `chunks` as they are when they are UTF-8 (the usual case: one check a chunk), else
 * with {@link NOT_UTF8_MARK} in place of each stray byte, and `check.invalid` set. Text chunks
 * were decoded already and pass as they are.
 */
async function* utf8Marked(chunks: AsyncIterable<Uint8Array | string>, check: Utf8Check): AsyncGenerator<Uint8Array | string> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    if (typeof chunk === "string") {
      yield chunk;
      continue;
    }
    const bytes = carry.length ? Buffer.concat([carry, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const whole = wholeLength(bytes);
    carry = Buffer.from(bytes.subarray(whole));
    const body = bytes.subarray(0, whole);
    if (isUtf8(body)) yield body;
    else {
      check.invalid = true;
      yield markInvalid(body);
    }
  }
  if (carry.length) {
    // A sequence cut off by the end of the input.
    check.invalid = true;
    yield markInvalid(carry);
  }
}

/** The line (from 1) of the first byte of `bytes` that is not UTF-8. */
function lineOfInvalid(bytes: Buffer): number {
  const marked = markInvalid(bytes);
  const at = marked.indexOf(NOT_UTF8_BYTES);
  let line = 1;
  for (let nl = marked.indexOf(10); nl !== -1 && nl < at; nl = marked.indexOf(10, nl + 1)) line++;
  return line;
}

/** A malformed row's text is kept for the failures file, up to a size a spreadsheet cell takes (an unclosed quote can swallow the rest of the file). */
const RAW_LIMIT = 32_000;

function newlines(text: string | undefined): number {
  let count = 0;
  if (text === undefined) return 0;
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) count++;
  return count;
}

function rawText(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  // Blank lines before a record are part of its raw text in csv-parse's telling.
  const text = raw.replace(/^(\r?\n)+/, "").replace(/\r?\n$/, "");
  return text.length > RAW_LIMIT ? `${text.slice(0, RAW_LIMIT)}… (cut: ${text.length} characters)` : text;
}

/** How far {@link readRows} has read: its rows (malformed ones included) and the bytes they came from. */
export interface ReadPosition {
  rows: number;
  bytes: number;
  /** A CSV's header, once read. */
  columns?: readonly string[] | undefined;
}

/** {@link readRows}'s rows, and how far it has read (for progress: bytes read of a file's size). */
export interface RowStream extends AsyncIterable<BulkRecord | MalformedRow> {
  readonly position: Readonly<ReadPosition>;
}

/** What {@link readRows} reads: a file's path, or a stream of bytes or text (e.g. `process.stdin`). */
export type RowSource = string | URL | AsyncIterable<Uint8Array | string>;

/** The format a file's extension implies (.csv, .ndjson or .jsonl, .json), if any. */
export function formatOfPath(path: string): RowFormat | undefined {
  const extension = /\.([a-z]+)$/i.exec(path)?.[1]?.toLowerCase();
  if (extension === "csv") return "csv";
  if (extension === "ndjson" || extension === "jsonl") return "ndjson";
  if (extension === "json") return "json";
  return undefined;
}

function open(source: RowSource): AsyncIterable<Uint8Array | string> {
  return typeof source === "string" || source instanceof URL ? createReadStream(source) : source;
}

/** How {@link readRows} reads its input. */
export interface ReadRowsOptions {
  /** CSV's field separator (default ","; ";" for the CSV of spreadsheets set to many European locales). */
  delimiter?: string;
}

/**
 * The rows of `source` in order, each a record or a {@link MalformedRow}.
 *
 * @throws `GladlyInputError` (when iterated) for input that has no rows to speak of: a CSV
 * header with an empty or repeated column name, JSON that is not an array, an unreadable file.
 */
export function readRows(source: RowSource, format: RowFormat, options: ReadRowsOptions = {}): RowStream {
  const delimiter = options.delimiter ?? ",";
  if (typeof delimiter !== "string" || [...delimiter].length !== 1 || /["\r\n]/.test(delimiter))
    throw new GladlyInputError("delimiter", `must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`);
  const position: ReadPosition = { rows: 0, bytes: 0 };
  let rows: AsyncIterable<BulkRecord | MalformedRow>;
  const check: Utf8Check = { invalid: false };
  if (format === "csv") rows = csvRows(utf8Marked(open(source), check), position, check, delimiter);
  else if (format === "ndjson") rows = ndjsonRows(utf8Marked(open(source), check), position, check);
  else if (format === "json") rows = jsonRows(source, position);
  else throw new GladlyInputError("format", `must be csv, ndjson or json, got ${JSON.stringify(format)}`);
  return { position, [Symbol.asyncIterator]: () => rows[Symbol.asyncIterator]() };
}

async function* csvRows(
  chunks: AsyncIterable<Uint8Array | string>,
  position: ReadPosition,
  check: Utf8Check,
  delimiter: string,
): AsyncGenerator<BulkRecord | MalformedRow> {
  let headerProblem: string | undefined;
  let malformed = 0;
  let lastMalformedLine = -1;
  // The lines before the next record: what names the line of a row that is not UTF-8 (counted
  // here: csv-parse's per-record `info` costs a few MB and a third more time over a million rows).
  let linesRead = 0;
  const parser: Parser = parse({
    bom: true,
    delimiter,
    columns: (header: string[]) => {
      const seen = new Set<string>();
      for (const [i, name] of header.entries()) {
        if (name.trim() === "") headerProblem ??= `CSV header: column ${i + 1} has no name`;
        else if (seen.has(name)) headerProblem ??= `CSV header: column ${JSON.stringify(name)} appears twice`;
        seen.add(name);
      }
      position.columns = header;
      linesRead = parser.info.lines;
      return header;
    },
    skip_empty_lines: true,
    // A quote inside a field that does not start with one (`Bad "quoted" name`) is text, as
    // spreadsheets read it. Strictly, it is an error, from which csv-parse recovers by reading
    // the rest of the line as one more bad record: two rows for one line, every later row's
    // number (its default key) shifted by one.
    relax_quotes: true,
    // Each record's text: what a malformed row keeps in the failures file, and where a byte that
    // is not UTF-8 shows.
    raw: true,
    // A bad line (a field too many or too few, a quote left open) takes its place among the
    // records instead of stopping the parse: pushed from here, it keeps its position in the input.
    skip_records_with_error: true,
    on_skip: (error: CsvError | undefined) => {
      const { lines, raw } = (error ?? {}) as { lines?: unknown; raw?: unknown };
      const line = Number(lines) || 0;
      // One line is one row, however many errors the parser finds in it.
      if (line === lastMalformedLine) return;
      lastMalformedLine = line;
      malformed++;
      const text = typeof raw === "string" ? raw : undefined;
      const reason = check.invalid && text?.includes(NOT_UTF8_MARK) ? NOT_UTF8 : (error?.message ?? "unreadable CSV");
      parser.push({ malformed: new MalformedRow(line, `line ${line}: ${reason}`, rawText(text)), lines: newlines(text) });
    },
  });
  pipeline(chunks instanceof Readable ? chunks : Readable.from(chunks), parser, () => {});
  try {
    for await (const item of parser as AsyncIterable<{ record: BulkRecord; raw: string } | { malformed: MalformedRow; lines: number }>) {
      if (headerProblem) break;
      // As far as parsed (a stream buffer ahead of what is yielded): the rows and the bytes they took.
      position.rows = parser.info.records + malformed;
      position.bytes = parser.info.bytes;
      // Counted as rows are taken, not as parsed (the parser reads ahead).
      if ("malformed" in item) {
        linesRead += item.lines;
        yield item.malformed;
        continue;
      }
      // Blank lines before a record are part of its raw text.
      const start = linesRead + newlines(/^(\r?\n)*/.exec(item.raw)?.[0]) + 1;
      linesRead += newlines(item.raw);
      if (check.invalid && item.raw.includes(NOT_UTF8_MARK)) yield new MalformedRow(start, `line ${start}: ${NOT_UTF8}`, rawText(item.raw));
      else yield item.record;
    }
  } catch (error) {
    throw inputError(error);
  } finally {
    parser.destroy();
  }
  if (headerProblem) throw new GladlyInputError("input", headerProblem);
}

async function* ndjsonRows(chunks: AsyncIterable<Uint8Array | string>, position: ReadPosition, check: Utf8Check): AsyncGenerator<BulkRecord | MalformedRow> {
  const lines = createInterface({ input: Readable.from(chunks), crlfDelay: Number.POSITIVE_INFINITY });
  let number = 0;
  try {
    for await (const text of lines) {
      number++;
      position.bytes += Buffer.byteLength(text) + 1;
      const line = number === 1 ? text.replace(/^\uFEFF/, "") : text;
      if (line.trim() === "") continue;
      position.rows++;
      if (check.invalid && line.includes(NOT_UTF8_MARK)) {
        yield new MalformedRow(number, `line ${number}: ${NOT_UTF8}`, rawText(line));
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        yield new MalformedRow(number, `line ${number}: not valid JSON (${(error as Error).message})`, rawText(line));
        continue;
      }
      yield isRecord(value) ? value : new MalformedRow(number, `line ${number}: not a JSON object`, rawText(line));
    }
  } catch (error) {
    throw inputError(error);
  } finally {
    lines.close();
  }
}

/** A JSON array is one value: it is read whole. */
async function* jsonRows(source: RowSource, position: ReadPosition): AsyncGenerator<BulkRecord | MalformedRow> {
  let text: string;
  try {
    if (typeof source === "string" || source instanceof URL) text = utf8Text(await readFile(source));
    else {
      const parts: (Buffer | string)[] = [];
      for await (const chunk of source) parts.push(typeof chunk === "string" ? chunk : Buffer.from(chunk));
      text = parts.every((p) => typeof p === "string")
        ? parts.join("")
        : utf8Text(Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : p))));
    }
  } catch (error) {
    throw inputError(error);
  }
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new GladlyInputError("input", `not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(value)) throw new GladlyInputError("input", "JSON input must be an array of objects, one per row");
  position.bytes = Buffer.byteLength(text);
  for (const [i, item] of value.entries()) {
    position.rows++;
    yield isRecord(item) ? item : new MalformedRow(0, `item ${i + 1} of the array: not a JSON object`);
  }
}

/** A JSON array is one value: a byte that is not UTF-8 anywhere in it stops the job (rows of CSV and NDJSON fail one by one instead). */
function utf8Text(bytes: Buffer): string {
  if (!isUtf8(bytes)) throw new GladlyInputError("input", `line ${lineOfInvalid(bytes)}: ${NOT_UTF8}`);
  return bytes.toString("utf8");
}

function isRecord(value: unknown): value is BulkRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function inputError(error: unknown): Error {
  if (error instanceof GladlyInputError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  return new GladlyInputError("input", `cannot read it (${code ?? (error as Error).message})`);
}
