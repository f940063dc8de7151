/**
 * A streaming RFC 4180 reader for Gladly's report CSVs, on Web streams only, so reports work in
 * every runtime (csv-parse needs Node's stream and Buffer, and costs 1.5 MB installed for what
 * is a small state machine here). Quoted fields may hold commas, `""` and line breaks; records
 * end with CRLF, LF or CR, split anywhere across chunks; a BOM and empty lines are skipped.
 */
import { bodyReadError } from "../body-errors.ts";
import { pathOf } from "../errors.ts";
import { GladlyStreamError } from "./lines.ts";

type State = "fieldStart" | "unquoted" | "quoted" | "quoteInQuoted";

/** What went wrong and on which (1-based) line, for GladlyStreamError. */
export class CsvSyntaxError extends Error {
  override name = "CsvSyntaxError";
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** Turns text, fed in arbitrary pieces, into records (arrays of fields). */
export class CsvParser {
  private state: State = "fieldStart";
  private field = "";
  private fieldQuoted = false;
  private record: string[] = [];
  private afterCarriageReturn = false;
  private started = false;
  /** The line the current record started on. */
  private recordLine = 1;
  private line = 1;

  push(text: string): string[][] {
    const out: string[][] = [];
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    for (const char of text) {
      if (this.afterCarriageReturn) {
        this.afterCarriageReturn = false;
        if (char === "\n") continue;
      }
      switch (this.state) {
        case "quoted":
          if (char === '"') this.state = "quoteInQuoted";
          else {
            if (char === "\n") this.line++;
            this.field += char;
          }
          break;
        case "quoteInQuoted":
          if (char === '"') {
            this.field += '"';
            this.state = "quoted";
          } else if (char === ",") this.endField();
          else if (char === "\n" || char === "\r") this.endRecord(char, out);
          else throw new CsvSyntaxError(`a character after the closing quote of a field: ${JSON.stringify(char)}`, this.line);
          break;
        case "fieldStart":
        case "unquoted":
          if (char === ",") this.endField();
          else if (char === "\n" || char === "\r") this.endRecord(char, out);
          else if (char === '"') {
            if (this.state === "unquoted") throw new CsvSyntaxError("a quote inside a field that does not start with one", this.line);
            this.state = "quoted";
            this.fieldQuoted = true;
          } else {
            this.field += char;
            this.state = "unquoted";
          }
          break;
      }
    }
    return out;
  }

  /** The last record, when the text does not end with a line break. */
  end(): string[][] {
    if (this.state === "quoted") throw new CsvSyntaxError("a quoted field is never closed", this.recordLine);
    const out: string[][] = [];
    if (this.state !== "fieldStart" || this.record.length > 0) this.endRecord("", out);
    return out;
  }

  private endField(): void {
    this.record.push(this.field);
    this.field = "";
    this.fieldQuoted = false;
    this.state = "fieldStart";
  }

  private endRecord(terminator: string, out: string[][]): void {
    const empty = this.record.length === 0 && this.field === "" && !this.fieldQuoted;
    this.endField();
    if (!empty) out.push(this.record);
    this.record = [];
    if (terminator === "\r") this.afterCarriageReturn = true;
    if (terminator) this.line++;
    this.recordLine = this.line;
  }
}

/**
 * One object per row of a CSV body, keyed by its header row, as the body arrives. A short row
 * has only the keys it has values for; fields beyond the header are dropped. Breaking out of the
 * loop cancels the body, releasing the connection. An abort of `signal` while the body arrives is a
 * GladlyAbortError, a body that breaks off a GladlyConnectionError.
 */
export async function* csvRows(response: Response, method: string, signal?: AbortSignal): AsyncGenerator<Record<string, string>> {
  if (!response.body) return;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parser = new CsvParser();
  let columns: string[] | undefined;
  let finished = false;
  const toRows = function* (records: string[][]): Generator<Record<string, string>> {
    for (const record of records) {
      if (!columns) {
        columns = record;
        continue;
      }
      const row: Record<string, string> = {};
      for (const [index, column] of columns.entries()) if (index < record.length) row[column] = record[index]!;
      yield row;
    }
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* toRows(parser.push(decoder.decode(value, { stream: true })));
    }
    yield* toRows([...parser.push(decoder.decode()), ...parser.end()]);
    finished = true;
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw bodyReadError(error, { method, url: response.url, signal });
    throw new GladlyStreamError(`${method} ${pathOf(response.url)}: the CSV is malformed on line ${error.line}: ${error.message}`, {
      url: response.url,
      method,
      status: response.status,
      line: error.line,
      excerpt: "",
      cause: error,
    });
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
