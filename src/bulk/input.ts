/**
 * A bulk job's rows from a file or a stream: CSV (header line first), NDJSON (one object a line)
 * or a JSON array. CSV and NDJSON are read a chunk at a time, so a million-row file costs no more
 * memory than a ten-row one. A line that cannot be read becomes a {@link MalformedRow} in its
 * place (the job reports it as failed and goes on) instead of being dropped or stopping the job.
 */
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
  ) {}
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

/**
 * The rows of `source` in order, each a record or a {@link MalformedRow}.
 *
 * @throws `GladlyInputError` (when iterated) for input that has no rows to speak of: a CSV
 * header with an empty or repeated column name, JSON that is not an array, an unreadable file.
 */
export function readRows(source: RowSource, format: RowFormat): RowStream {
  const position: ReadPosition = { rows: 0, bytes: 0 };
  let rows: AsyncIterable<BulkRecord | MalformedRow>;
  if (format === "csv") rows = csvRows(open(source), position);
  else if (format === "ndjson") rows = ndjsonRows(open(source), position);
  else if (format === "json") rows = jsonRows(source, position);
  else throw new GladlyInputError("format", `must be csv, ndjson or json, got ${JSON.stringify(format)}`);
  return { position, [Symbol.asyncIterator]: () => rows[Symbol.asyncIterator]() };
}

async function* csvRows(chunks: AsyncIterable<Uint8Array | string>, position: ReadPosition): AsyncGenerator<BulkRecord | MalformedRow> {
  let headerProblem: string | undefined;
  let malformed = 0;
  const parser: Parser = parse({
    bom: true,
    columns: (header: string[]) => {
      const seen = new Set<string>();
      for (const [i, name] of header.entries()) {
        if (name.trim() === "") headerProblem ??= `CSV header: column ${i + 1} has no name`;
        else if (seen.has(name)) headerProblem ??= `CSV header: column ${JSON.stringify(name)} appears twice`;
        seen.add(name);
      }
      position.columns = header;
      return header;
    },
    skip_empty_lines: true,
    // A bad line (a stray quote, a missing or extra field) takes its place among the records
    // instead of stopping the parse: pushed from here, it keeps its position in the input.
    skip_records_with_error: true,
    on_skip: (error: CsvError | undefined) => {
      const line = Number((error as { lines?: unknown } | undefined)?.lines) || 0;
      malformed++;
      parser.push(new MalformedRow(line, `line ${line}: ${error?.message ?? "unreadable CSV"}`));
    },
  });
  pipeline(chunks instanceof Readable ? chunks : Readable.from(chunks), parser, () => {});
  try {
    for await (const row of parser as AsyncIterable<BulkRecord | MalformedRow>) {
      if (headerProblem) break;
      // As far as parsed (a stream buffer ahead of what is yielded): the rows and the bytes they took.
      position.rows = parser.info.records + malformed;
      position.bytes = parser.info.bytes;
      yield row;
    }
  } catch (error) {
    throw inputError(error);
  } finally {
    parser.destroy();
  }
  if (headerProblem) throw new GladlyInputError("input", headerProblem);
}

async function* ndjsonRows(chunks: AsyncIterable<Uint8Array | string>, position: ReadPosition): AsyncGenerator<BulkRecord | MalformedRow> {
  const lines = createInterface({ input: Readable.from(chunks), crlfDelay: Number.POSITIVE_INFINITY });
  let number = 0;
  try {
    for await (const text of lines) {
      number++;
      position.bytes += Buffer.byteLength(text) + 1;
      const line = number === 1 ? text.replace(/^\uFEFF/, "") : text;
      if (line.trim() === "") continue;
      position.rows++;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        yield new MalformedRow(number, `line ${number}: not valid JSON (${(error as Error).message})`);
        continue;
      }
      yield isRecord(value) ? value : new MalformedRow(number, `line ${number}: not a JSON object`);
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
    if (typeof source === "string" || source instanceof URL) text = await readFile(source, "utf8");
    else {
      const decoder = new TextDecoder();
      text = "";
      for await (const chunk of source) text += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
      text += decoder.decode();
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

function isRecord(value: unknown): value is BulkRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function inputError(error: unknown): Error {
  if (error instanceof GladlyInputError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  return new GladlyInputError("input", `cannot read it (${code ?? (error as Error).message})`);
}
