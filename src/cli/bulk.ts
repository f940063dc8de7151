/**
 * `gladly bulk <group> <operationId> --input rows.csv`: one operation per row of a spreadsheet,
 * at the organization's pace, resumable from a journal; `--dry-run` checks every row and sends
 * nothing.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { MultiBar } from "cli-progress";
import type { Command } from "commander";
import { stringify } from "csv-stringify/sync";
import { type OperationEntry, operations } from "../../generated/operations.ts";
import { fileJournal } from "../bulk/journal-file.ts";
import type { BulkErrorInfo, JournalState } from "../bulk/journal.ts";
import { type BulkRecord, MalformedRow, type ReadPosition, type RowFormat, type RowStream, formatOfPath, readRows } from "../bulk/input.ts";
import { type RowMapping, compileMapping } from "../bulk/mapping.ts";
import { type BulkSummary, runBulk } from "../bulk/runner.ts";
import type { GladlyClient } from "../client.ts";
import { GladlyInputError, GladlyNotFoundError } from "../errors.ts";
import { inspectJournal } from "./bulk-journal.ts";
import type { CliIo } from "./program.ts";

interface BulkOptions {
  input: string;
  format?: string;
  map?: string;
  key?: string;
  journal?: string;
  dryRun?: boolean;
  failures?: string;
  concurrency: number;
  jobId?: string;
  allowUnknownColumns?: boolean;
  delimiter?: string;
}

/** A row that failed before anything was sent: its mapping or schema problems. */
class BulkRowError extends Error {
  override name = "GladlyBulkRowError";
  constructor(readonly problems: string[]) {
    super(problems.join("; "));
  }
}

const entries = Object.values(operations) as OperationEntry[];
const PLAIN_PROGRESS_MS = 5000;

function usage(param: string, message: string): GladlyInputError {
  return new GladlyInputError(param, message);
}

function operationOf(group: string, operationId: string): OperationEntry {
  const groups = [...new Set(entries.map((e) => e.group))].sort();
  if (!groups.includes(group)) throw usage("bulk", `unknown group ${JSON.stringify(group)}; groups are ${groups.join(", ")}`);
  const op = entries.find((e) => e.group === group && e.operationId === operationId);
  if (!op)
    throw usage(
      "bulk",
      `${group} has no operation ${JSON.stringify(operationId)}; it has ${entries
        .filter((e) => e.group === group)
        .map((e) => e.operationId)
        .join(", ")}`,
    );
  return op;
}

async function templateOf(value: string | undefined): Promise<unknown> {
  if (value === undefined) return undefined;
  let text = value;
  // Inline JSON of any kind (`[1]` too) is read as JSON, so the mapping can say it must be an object.
  if (!/^\s*[{[]/.test(value)) {
    try {
      text = await readFile(value, "utf8");
    } catch (error) {
      if (isJson(value)) text = value;
      else throw usage("--map", `${value}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw usage("--map", `not valid JSON (${(error as Error).message})`);
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function formatOf(options: BulkOptions): RowFormat {
  if (options.format !== undefined) {
    if (options.format === "csv" || options.format === "ndjson" || options.format === "json") return options.format;
    throw usage("--format", `must be csv, ndjson or json, not ${JSON.stringify(options.format)}`);
  }
  if (options.input === "-") throw usage("--format", "needed when the input is stdin (--input -)");
  const format = formatOfPath(options.input);
  if (!format) throw usage("--format", `cannot tell from ${JSON.stringify(options.input)}'s extension (.csv, .ndjson, .jsonl, .json): give --format`);
  return format;
}

/** What a dry run prints for a row: the request as it would go out. */
function requestOf(op: OperationEntry, args: Record<string, unknown>) {
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(String(args[name])));
  const query: Record<string, unknown> = {};
  for (const q of op.queryParams) if (args[q.name] !== undefined) query[q.name] = args[q.name];
  return { method: op.method, path, query, ...(args.body !== undefined && { body: args.body }) };
}

/** Writes to stdout, waiting when the reader is behind (a million dry-run lines into `| head` or a slow disk). */
async function writeOut(io: CliIo, text: string): Promise<void> {
  const stdout = io.stdout as CliIo["stdout"] & { once?: (event: "drain", listener: () => void) => unknown };
  if (stdout.write(text) === false && typeof stdout.once === "function") await new Promise<void>((resolve) => stdout.once!("drain", resolve));
}

/**
 * The columns a failures file adds to the input's. When an input has `gladly_row_key` (it is a
 * failures file, fixed and run again), they are not the row's data: left out of the mapping, and
 * the key comes from `gladly_row_key`, so the journal sees the rows under their first run's keys.
 */
const ROW_KEY_COLUMN = "gladly_row_key";
const FAILURE_COLUMNS = ["error", "error_status", "error_details", "other_columns", "gladly_row", ROW_KEY_COLUMN, "gladly_raw"];

/** `--failures`: each failed row's columns plus Gladly's error, appended as the row fails. */
class FailuresFile {
  private fd: number | undefined;
  private columns: string[] | undefined;
  private readonly extraColumn: boolean;

  constructor(
    readonly path: string,
    format: RowFormat,
  ) {
    // A CSV's rows all have its header's columns; JSON rows may each have their own.
    this.extraColumn = format !== "csv";
  }

  /**
   * Creates (or empties) the file: only once the input and the journal were checked and the
   * input's first row read, so that a refused run leaves an earlier failures file as it was.
   */
  open(): void {
    if (this.fd !== undefined) return;
    try {
      this.fd = openSync(this.path, "w");
    } catch (error) {
      throw usage("--failures", `${this.path}: cannot write it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }

  /**
   * The columns are the input's: a CSV's header, else its first readable row's (call before a row
   * can fail); those of a failures file given as the input are written afresh.
   */
  sawColumns(columns: readonly string[], failuresInput: boolean): void {
    this.columns ??= failuresInput ? columns.filter((c) => !FAILURE_COLUMNS.includes(c)) : [...columns];
  }

  write(item: InputRow, error: BulkErrorInfo): void {
    const columns = this.header();
    const { row } = item;
    const record = row instanceof MalformedRow ? {} : row;
    const cells = columns.map((c) => cell(record[c]));
    const details = error.errors?.length ? JSON.stringify(error.errors) : "";
    const extra = Object.fromEntries(Object.entries(record).filter(([c]) => !columns.includes(c)));
    const line = [...cells, error.message, error.status === undefined ? "" : String(error.status), details];
    if (this.extraColumn) line.push(Object.keys(extra).length ? JSON.stringify(extra) : "");
    line.push(String(item.number), item.key ?? "", row instanceof MalformedRow ? (row.raw ?? "") : "");
    writeSync(this.fd!, stringify([line]));
  }

  /** Writes the header if no row failed (the file then says so); `finished` false: the run was refused, the file left alone if not opened yet. */
  close(finished: boolean): void {
    if (finished) this.open();
    if (this.fd === undefined) return;
    this.header();
    closeSync(this.fd);
  }

  private headerWritten = false;

  /** Writes the header line the first time: the input's columns (none if no row was read), then the error's. */
  private header(): string[] {
    this.open();
    this.columns ??= [];
    if (!this.headerWritten) {
      const names = [
        ...this.columns,
        "error",
        "error_status",
        "error_details",
        ...(this.extraColumn ? ["other_columns"] : []),
        "gladly_row",
        ROW_KEY_COLUMN,
        "gladly_raw",
      ];
      writeSync(this.fd!, stringify([names]));
      this.headerWritten = true;
    }
    return this.columns;
  }
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** A row of the input with its number there (from 1; blank rows count), and its key once known. */
interface InputRow {
  number: number;
  /** What the mapping gets: the row as read, less a failures file's own columns. */
  row: BulkRecord | MalformedRow;
  /** The row as read: what the key column is looked up in. */
  read: BulkRecord | MalformedRow;
  key?: string;
}

/**
 * A row with nothing in it (`,,` as spreadsheets save an empty line, `{}`): not a row, as a blank
 * line is not. It keeps its number all the same: the default key is the row number, and a journal
 * written before the row was emptied (or by a run that counted it) must find the rows after it
 * under the same keys.
 */
function isBlank(row: BulkRecord | MalformedRow): boolean {
  if (row instanceof MalformedRow) return false;
  return Object.values(row).every((v) => v === undefined || v === null || (typeof v === "string" && v.trim() === ""));
}

/** A failures file's row as the row it was: its own columns, and those `other_columns` kept for JSON input. */
function withoutFailureColumns(row: BulkRecord): BulkRecord {
  const out: BulkRecord = {};
  // Defined, not assigned: a column named __proto__ is a column, not the record's prototype.
  const put = (name: string, value: unknown) => Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  for (const [name, value] of Object.entries(row)) if (!FAILURE_COLUMNS.includes(name)) put(name, value);
  const other = row.other_columns;
  if (typeof other === "string" && other.trim() !== "") {
    try {
      const kept = JSON.parse(other) as unknown;
      if (typeof kept === "object" && kept !== null && !Array.isArray(kept))
        for (const [name, value] of Object.entries(kept)) if (!Object.hasOwn(out, name)) put(name, value);
    } catch {
      // Edited into something else: the row's own columns are what is left.
    }
  }
  return out;
}

interface Counts {
  rows: number;
  done: number;
  skipped: number;
  failed: number;
}

/** Progress on stderr: a bar with rate and ETA on a terminal, a plain line every few seconds otherwise. */
class Progress {
  private readonly started = performance.now();
  private readonly multi: MultiBar | undefined;
  private readonly bar: ReturnType<MultiBar["create"]> | undefined;
  private readonly timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly io: CliIo,
    private readonly counts: Counts,
    /** How far the input has been read, and its size when it is a file: what the ETA goes by. */
    private readonly input: { position: Readonly<ReadPosition>; size: number | undefined },
  ) {
    const stderr = io.stderr as CliIo["stderr"] & { isTTY?: boolean };
    if (stderr.isTTY) {
      const known = input.size !== undefined && input.size > 0;
      this.multi = new MultiBar({
        stream: stderr as unknown as NodeJS.WritableStream,
        format: known
          ? "bulk {bar} {percentage}% | {rows} of ~{total} rows: {done} done, {skipped} skipped, {failed} failed | {rate} rows/s | ETA {left}"
          : "bulk {rows} rows: {done} done, {skipped} skipped, {failed} failed | {rate} rows/s",
        // Left visible: a second Ctrl-C kills the process before the bar could show it again.
        hideCursor: false,
        // Wrapping stays the terminal's: cli-progress's default turns it off (ESC[?7l) until
        // stop(), which a killed process never reaches. Kept on, cli-progress cuts its line to
        // the terminal's width instead. (`null` would not do: it means "the default".)
        linewrap: true,
        clearOnComplete: false,
        fps: 5,
      });
      this.bar = this.multi.create(1, 0, this.payload());
    } else {
      this.timer = setInterval(() => io.stderr.write(`${this.line()}\n`), PLAIN_PROGRESS_MS);
      this.timer.unref?.();
    }
  }

  private rate(): number {
    const seconds = (performance.now() - this.started) / 1000;
    return seconds > 0 ? this.counts.rows / seconds : 0;
  }

  private payload() {
    const left = this.secondsLeft();
    return { ...this.counts, rate: this.rate().toFixed(1), left: left === undefined ? "-" : formatSeconds(left) };
  }

  /**
   * The rows the input holds, estimated from the rows per byte read so far and the file's size
   * (exact once it is all read). cli-progress's own ETA averages its last few updates, which a
   * fast dry run makes all fall within one millisecond.
   */
  private expectedRows(): number | undefined {
    const { position, size } = this.input;
    if (!size || position.bytes <= 0) return undefined;
    return Math.max(this.counts.rows, Math.round((position.rows * size) / Math.min(size, position.bytes)));
  }

  private secondsLeft(): number | undefined {
    const expected = this.expectedRows();
    const rate = this.rate();
    if (expected === undefined || rate <= 0) return undefined;
    return (expected - this.counts.rows) / rate;
  }

  private line(): string {
    const { rows, done, skipped, failed } = this.counts;
    const expected = this.expectedRows();
    const left = this.secondsLeft();
    const of = expected === undefined ? "" : ` of about ${expected}`;
    const eta = left === undefined ? "" : `, about ${formatSeconds(left)} left`;
    return `bulk: ${rows}${of} rows (${done} done, ${skipped} skipped, ${failed} failed), ${this.rate().toFixed(1)} rows/s${eta}`;
  }

  update(): void {
    if (!this.bar) return;
    const expected = this.expectedRows();
    if (expected !== undefined) this.bar.setTotal(Math.max(1, expected));
    this.bar.update(expected === undefined ? 0 : this.counts.rows, this.payload());
  }

  /** One line about a row, above the bar on a terminal. */
  log(text: string): void {
    if (this.multi) this.multi.log(`${text}\n`);
    else this.io.stderr.write(`${text}\n`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.multi) {
      this.update();
      // Draws once more: lines logged since the last frame are written only when it draws.
      this.multi.update();
      this.multi.stop();
    }
  }
}

/** 75 → "1m15s". */
function formatSeconds(seconds: number): string {
  const whole = Math.ceil(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = whole % 60;
  return hours ? `${hours}h${String(minutes).padStart(2, "0")}m` : minutes ? `${minutes}m${String(rest).padStart(2, "0")}s` : `${rest}s`;
}

/** A row's key: `column`'s value (non-empty, not seen before in this input), else its row number. */
function keyReader(column: string | undefined): (item: InputRow) => string {
  if (column === undefined)
    return (item) => {
      item.key = String(item.number);
      return item.key;
    };
  const seen = new Map<string, number>();
  return (item) => {
    const { read: row, number } = item;
    if (row instanceof MalformedRow) throw new BulkRowError([row.reason]);
    const value = row[column];
    const key = value === undefined || value === null ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);
    if (key === "") throw new BulkRowError([`--key ${column}: empty in this row`]);
    const first = seen.get(key);
    if (first !== undefined) throw new BulkRowError([`--key ${column}: ${JSON.stringify(key)} is also the key of row ${first}`]);
    seen.set(key, number);
    item.key = key;
    return key;
  };
}

function describeFailure(item: InputRow, error: BulkErrorInfo): string {
  return `row ${item.number}${item.key === undefined ? "" : ` (key ${item.key})`} failed: ${error.message}${error.status ? ` [${error.status}]` : ""}${
    error.errors?.length ? ` ${JSON.stringify(error.errors)}` : ""
  }`;
}

function problemsInfo(problems: string[]): BulkErrorInfo {
  return { name: "GladlyBulkRowError", message: problems.join("; ") };
}

interface InputFile {
  rows: RowStream;
  /** A file's size (what the ETA goes by), device and inode (what --failures must not be). */
  file?: { size: number; device: number; inode: number };
}

/** The CSV field separator asked for, checked here so a mistake is a usage error (exit 2). */
function delimiterOf(options: BulkOptions, format: RowFormat): { delimiter?: string } {
  if (options.delimiter === undefined) return {};
  if (format !== "csv") throw usage("--delimiter", "applies to CSV input only");
  if ([...options.delimiter].length !== 1 || /["\r\n]/.test(options.delimiter))
    throw usage("--delimiter", `must be one character other than a quote or a line break, got ${JSON.stringify(options.delimiter)}`);
  return { delimiter: options.delimiter };
}

/** Starts the input. */
async function openInput(options: BulkOptions, format: RowFormat, io: CliIo): Promise<InputFile> {
  if (options.input === "-") {
    const stdin =
      io.stdin ??
      (async function* () {
        yield await io.readStdin();
      })();
    return { rows: readRows(stdin, format, delimiterOf(options, format)) };
  }
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(options.input);
  } catch (error) {
    throw usage("--input", `${options.input}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return { rows: readRows(options.input, format, delimiterOf(options, format)), file: { size: info.size, device: info.dev, inode: info.ino } };
}

/** Refuses a --failures file that is the input or the journal: opening it for writing would empty it. */
async function checkFailuresPath(path: string, others: { option: string; path: string; device?: number; inode?: number }[]): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>> | undefined;
  try {
    info = await stat(path);
  } catch {
    // Not there yet: only the paths can say it is the same file.
  }
  for (const other of others) {
    const same = resolve(path) === resolve(other.path) || (info !== undefined && info.dev === other.device && info.ino === other.inode);
    if (same) throw usage("--failures", `${path} is the ${other.option} file: writing the failures there would destroy it; give another file`);
  }
}

/** How the input reads: its columns (and so the key column) are known once its first row is in. */
interface RowsPlan {
  /** The input's rows, numbered, without blank ones, a failures file's columns taken off. */
  rows: AsyncIterable<InputRow>;
  keyOf: (item: InputRow) => string;
}

/**
 * Reads the input's first row before anything is sent or written: the header's problems, a --key
 * the header lacks and an unwritable --failures end the run here (exit 2), before the journal is
 * started or the failures file emptied.
 */
async function planRows(
  input: InputFile,
  format: RowFormat,
  options: BulkOptions,
  mapping: RowMapping,
  failures: FailuresFile | undefined,
  warn: (text: string) => void,
  signal: AbortSignal,
): Promise<RowsPlan> {
  const iterator = input.rows[Symbol.asyncIterator]();
  // Ctrl-C while the first row is awaited (stdin with nothing yet) stops the job with no rows.
  const stopped = new Promise<IteratorResult<BulkRecord | MalformedRow>>((resolve) => {
    if (signal.aborted) resolve({ done: true, value: undefined });
    signal.addEventListener("abort", () => resolve({ done: true, value: undefined }), { once: true });
  });
  const first = await Promise.race([iterator.next(), stopped]);
  if (signal.aborted) return { rows: (async function* () {})(), keyOf: keyReader(undefined) };
  const header = input.rows.position.columns;
  if (options.key !== undefined && format === "csv" && header && !header.includes(options.key))
    throw usage("--key", `the CSV header has no column ${JSON.stringify(options.key)}; it has ${header.map((c) => JSON.stringify(c)).join(", ")}`);
  let failuresInput: boolean | undefined;
  const sawColumns = (columns: readonly string[]) => {
    failuresInput = columns.includes(ROW_KEY_COLUMN);
    failures?.sawColumns(columns, failuresInput);
    for (const warning of mapping.check(columns.filter((c) => !failuresInput || !FAILURE_COLUMNS.includes(c)))) warn(`gladly bulk: ${warning}`);
  };
  if (header) sawColumns(header);
  else if (!first.done && !(first.value instanceof MalformedRow)) sawColumns(Object.keys(first.value));
  // Checked as far as it can be before rows go: the failures file may be emptied now.
  failures?.open();
  let keyOf: ((item: InputRow) => string) | undefined;
  const keyFor = (item: InputRow) => {
    if (options.key === undefined && failuresInput === undefined) return keyReader(undefined)(item);
    // Decided by the first readable row: a failures file's rows keep their first run's keys.
    keyOf ??= keyReader(options.key ?? (failuresInput ? ROW_KEY_COLUMN : undefined));
    return keyOf(item);
  };
  async function* rows(): AsyncGenerator<InputRow> {
    let number = 0;
    try {
      for (let next = first; !next.done; next = await iterator.next()) {
        const row = next.value;
        number++;
        if (failuresInput === undefined && !(row instanceof MalformedRow)) sawColumns(Object.keys(row));
        if (isBlank(row)) continue;
        yield { number, read: row, row: failuresInput && !(row instanceof MalformedRow) ? withoutFailureColumns(row) : row };
      }
    } finally {
      await iterator.return?.();
    }
  }
  return { rows: rows(), keyOf: keyFor };
}

async function dryRun(
  io: CliIo,
  op: OperationEntry,
  plan: RowsPlan,
  mapping: RowMapping,
  journal: JournalState | undefined,
  counts: Counts,
  failed: (item: InputRow, error: BulkErrorInfo) => void,
  signal: AbortSignal,
  progress: Progress,
  jobId: string,
): Promise<BulkSummary> {
  const started = performance.now();
  let stopped = false;
  for await (const item of plan.rows) {
    if (signal.aborted) {
      stopped = true;
      break;
    }
    counts.rows++;
    const row = item.number;
    let key = String(row);
    let problems: string[] | undefined;
    try {
      key = plan.keyOf(item);
    } catch (error) {
      problems = error instanceof BulkRowError ? error.problems : [String(error)];
    }
    const state = problems ? undefined : journal?.stateOf(key);
    if (state === "done") {
      counts.skipped++;
      await writeOut(io, `${JSON.stringify({ row, key, skip: "done in the journal" })}\n`);
    } else {
      if (state === "sending") problems = [UNCERTAIN_IN_JOURNAL];
      const mapped = problems ? { problems } : mapping(item.row);
      if ("problems" in mapped) {
        counts.failed++;
        failed(item, problemsInfo(mapped.problems));
        await writeOut(io, `${JSON.stringify({ row, key, problems: mapped.problems })}\n`);
      } else {
        counts.done++;
        await writeOut(io, `${JSON.stringify({ row, key, request: requestOf(op, mapped.args) })}\n`);
      }
    }
    progress.update();
  }
  if (signal.aborted) stopped = true;
  return {
    jobId,
    total: counts.rows,
    done: counts.done,
    skipped: counts.skipped,
    failed: counts.failed,
    stopped,
    elapsedMs: Math.round(performance.now() - started),
  };
}

/** What a dry run says of a row the journal has at `sending`: what a real run reports for it. */
const UNCERTAIN_IN_JOURNAL =
  "the journal has this row at sending (an earlier run stopped while sending a call that is not safe to repeat): a real run reports it as uncertain and does not send it again";

/** `--concurrency`: a decimal whole number, 1 to 100 (more only queues rows in memory: the rate limit sets the pace). */
function concurrencyOf(value: string): number {
  if (!/^[0-9]+$/.test(value)) throw usage("--concurrency", `${value}: not a whole number from 1 to 100`);
  const n = Number(value);
  if (n < 1 || n > 100) throw usage("--concurrency", `${value}: not a whole number from 1 to 100`);
  return n;
}

/**
 * Gladly's own "no such resource": a 404 whose body is its error shape with a not-found code
 * (`not_exist` in its spec's examples and the fake). A 404 from a wrong base URL or a proxy has
 * no such body, and must fail the row rather than count as already deleted.
 */
function isGladlyNotFound(error: unknown): boolean {
  if (!(error instanceof GladlyNotFoundError)) return false;
  const body = error.body as { errors?: unknown } | null | undefined;
  if (typeof body !== "object" || body === null || !Array.isArray(body.errors)) return false;
  return error.errors.length > 0 && error.errors.some((e) => e.code === "not_exist" || e.code === "not_found");
}

/** Registers `gladly bulk` on the program; `client` makes the client (credentials are needed only to send). */
export function addBulkCommand(program: Command, io: CliIo, client: (command: Command) => GladlyClient, setExitCode: (code: number) => void): void {
  program
    .command("bulk")
    .description("run one operation for every row of a CSV, NDJSON or JSON file, at the organization's pace, resumable")
    .argument("<group>", "the operation's group (see gladly ops)")
    .argument("<operationId>", "the operation")
    .requiredOption("--input <file>", "the rows: a .csv (header line first), .ndjson/.jsonl or .json file, or - for stdin")
    .option("--format <format>", "csv, ndjson or json (default: from the extension; required for stdin)")
    .option("--delimiter <char>", 'the CSV field separator (default ","; ";" for spreadsheets saved in many European locales)')
    .option("--map <template>", "a JSON template of the arguments with {{column}} placeholders: a file or inline JSON (default: columns by name)")
    .option("--key <column>", "the column that identifies a row (non-empty, unique); default: the row number (or gladly_row_key of a failures file)")
    .option("--journal <file>", "record each row's outcome here; running again with it skips the rows done (a dry run reads it, never writes it)")
    .option("--dry-run", "check every row against the operation's schema and print what would be sent; send nothing")
    .option("--failures <file.csv>", "write the failed rows here, with the reason and the row's key (run the fixed file again with the journal)")
    .option("--concurrency <n>", "rows in progress at once, 1 to 100 (the rate limit sets the pace)", concurrencyOf, 10)
    .option("--job-id <id>", "the job's id (derived create ids come from it) when the journal has none yet")
    .option(
      "--allow-unknown-columns",
      "ignore columns that match nothing of the operation, and send template properties its schema lacks, with a warning (default: exit 2 naming them)",
    )
    .action(async function (this: Command, group: string, operationId: string, options: BulkOptions) {
      const op = operationOf(group, operationId);
      const format = formatOf(options);
      const mapping = compileMapping(op, await templateOf(options.map), {
        allowUnknownColumns: options.allowUnknownColumns === true,
        // The key's column, and a failures file's own columns when it is run again once fixed.
        ignoreColumns: [...(options.key === undefined ? [] : [options.key]), "error", "error_status", "error_details", "other_columns"],
      });
      if (options.key !== undefined && options.key.trim() === "") throw usage("--key", "must name a column");
      if (options.jobId !== undefined && options.jobId.trim() === "") throw usage("--job-id", "must not be empty");
      const job = `${op.group}.${op.operationId}`;
      // Credentials are checked before anything is read; a dry run needs none.
      const gladly = options.dryRun ? undefined : client(this);
      const input = await openInput(options, format, io);
      const journal = options.journal === undefined ? undefined : await inspectJournal(options.journal, job, options.dryRun === true);
      if (options.jobId !== undefined && journal?.exists && journal.jobId !== options.jobId)
        throw usage(
          "--job-id",
          `${JSON.stringify(options.jobId)} is not the id of the job in ${options.journal} (${JSON.stringify(journal.jobId)}), which its derived create ids come from: leave --job-id out to resume it, or use another journal`,
        );
      if (options.failures !== undefined) {
        const others = [];
        if (options.input !== "-") others.push({ option: "--input", path: options.input, device: input.file?.device, inode: input.file?.inode });
        if (options.journal !== undefined)
          others.push({ option: "--journal", path: options.journal, ...(journal?.exists && { device: journal.device, inode: journal.inode }) });
        await checkFailuresPath(options.failures, others);
      }
      const failures = options.failures === undefined ? undefined : new FailuresFile(options.failures, format);
      const counts: Counts = { rows: 0, done: 0, skipped: 0, failed: 0 };
      const progress = new Progress(io, counts, { position: input.rows.position, size: input.file?.size });
      let finished = false;
      let interrupted = false;
      let summary: BulkSummary;
      try {
        if (gladly && options.journal === undefined)
          progress.log(
            "gladly bulk: warning: without --journal this run cannot be resumed: running it again sends every row again (and creates each row again)",
          );
        const controller = new AbortController();
        void io.untilInterrupted().then(() => {
          interrupted = true;
          controller.abort();
        });
        const plan = await planRows(input, format, options, mapping, failures, (text) => progress.log(text), controller.signal);
        const failed = (item: InputRow, error: BulkErrorInfo) => {
          progress.log(describeFailure(item, error));
          failures?.write(item, error);
        };
        if (!gladly) {
          const jobId = journal?.exists ? journal.jobId : (options.jobId ?? "dry-run");
          summary = await dryRun(io, op, plan, mapping, journal?.exists ? journal.state : undefined, counts, failed, controller.signal, progress, jobId);
        } else {
          const run = runBulk<InputRow>({
            client: gladly,
            rows: plan.rows,
            job,
            ...(options.jobId !== undefined && { jobId: options.jobId }),
            ...(options.journal !== undefined && { journal: fileJournal(options.journal) }),
            key: plan.keyOf,
            concurrency: options.concurrency,
            signal: controller.signal,
            run: async ({ row }, ctx) => {
              const mapped = mapping(row);
              if ("problems" in mapped) throw new BulkRowError(mapped.problems);
              const method = (ctx.gladly as unknown as Record<string, Record<string, (args: object) => Promise<unknown>>>)[op.group]![op.operationId]!;
              try {
                return await method(mapped.args);
              } catch (error) {
                // Already gone: the end state the row asked for (and what a resumed delete meets).
                if (op.method === "DELETE" && isGladlyNotFound(error)) return "already deleted";
                throw error;
              }
            },
          });
          for await (const result of run) {
            counts.rows++;
            if (result.status === "done") counts.done++;
            else if (result.status === "skipped") counts.skipped++;
            else {
              counts.failed++;
              failed(result.row, result.error);
            }
            progress.update();
          }
          summary = await run.summary();
        }
        finished = true;
      } finally {
        progress.stop();
        failures?.close(finished);
      }
      await writeOut(io, `${JSON.stringify(summary)}\n`);
      setExitCode(interrupted ? 130 : summary.failed > 0 ? 1 : 0);
    });
}
