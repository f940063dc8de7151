/**
 * `gladly bulk <group> <operationId> --input rows.csv`: one operation per row of a spreadsheet,
 * at the organization's pace, resumable from a journal; `--dry-run` checks every row and sends
 * nothing.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { MultiBar } from "cli-progress";
import type { Command } from "commander";
import { stringify } from "csv-stringify/sync";
import { type OperationEntry, operations } from "../../generated/operations.ts";
import { fileJournal } from "../bulk/journal-file.ts";
import type { BulkErrorInfo } from "../bulk/journal.ts";
import { type BulkRecord, MalformedRow, type ReadPosition, type RowFormat, type RowStream, formatOfPath, readRows } from "../bulk/input.ts";
import { type RowMapping, compileMapping } from "../bulk/mapping.ts";
import { type BulkSummary, runBulk } from "../bulk/runner.ts";
import type { GladlyClient } from "../client.ts";
import { GladlyInputError, GladlyNotFoundError } from "../errors.ts";
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

/** `--failures`: each failed row's columns plus Gladly's error, appended as the row fails. */
class FailuresFile {
  private readonly fd: number;
  private columns: string[] | undefined;
  private readonly extraColumn: boolean;

  constructor(
    readonly path: string,
    format: RowFormat,
  ) {
    try {
      this.fd = openSync(path, "w");
    } catch (error) {
      throw usage("--failures", `${path}: cannot write it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    // A CSV's rows all have its header's columns; JSON rows may each have their own.
    this.extraColumn = format !== "csv";
  }

  /** The columns are the input's: a CSV's header, else its first readable row's (call before a row can fail). */
  sawColumns(columns: readonly string[]): void {
    this.columns ??= [...columns];
  }

  write(row: BulkRecord | MalformedRow, error: BulkErrorInfo, header: readonly string[] | undefined): void {
    if (header) this.sawColumns(header);
    const columns = this.header();
    const record = row instanceof MalformedRow ? {} : row;
    const cells = columns.map((c) => cell(record[c]));
    const details = error.errors?.length ? JSON.stringify(error.errors) : "";
    const extra = Object.fromEntries(Object.entries(record).filter(([c]) => !columns.includes(c)));
    const line = [...cells, error.message, error.status === undefined ? "" : String(error.status), details];
    if (this.extraColumn) line.push(Object.keys(extra).length ? JSON.stringify(extra) : "");
    writeSync(this.fd, stringify([line]));
  }

  close(): void {
    this.header();
    closeSync(this.fd);
  }

  private headerWritten = false;

  /** Writes the header line the first time: the input's columns (none if no row was read), then the error's. */
  private header(): string[] {
    this.columns ??= [];
    if (!this.headerWritten) {
      const names = [...this.columns, "error", "error_status", "error_details", ...(this.extraColumn ? ["other_columns"] : [])];
      writeSync(this.fd, stringify([names]));
      this.headerWritten = true;
    }
    return this.columns;
  }
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
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

/** Checks `--key`'s column: present, non-empty, and not seen before in this input. */
function keyReader(column: string | undefined): ((row: BulkRecord | MalformedRow, index: number) => string) | undefined {
  if (column === undefined) return undefined;
  const seen = new Map<string, number>();
  return (row, index) => {
    if (row instanceof MalformedRow) throw new BulkRowError([row.reason]);
    const value = row[column];
    const key = value === undefined || value === null ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);
    if (key === "") throw new BulkRowError([`--key ${column}: empty in this row`]);
    const first = seen.get(key);
    if (first !== undefined) throw new BulkRowError([`--key ${column}: ${JSON.stringify(key)} is also the key of row ${first}`]);
    seen.set(key, index);
    return key;
  };
}

function describeFailure(index: number, key: string, error: BulkErrorInfo): string {
  return `row ${index} (key ${key}) failed: ${error.message}${error.status ? ` [${error.status}]` : ""}${
    error.errors?.length ? ` ${JSON.stringify(error.errors)}` : ""
  }`;
}

function problemsInfo(problems: string[]): BulkErrorInfo {
  return { name: "GladlyBulkRowError", message: problems.join("; ") };
}

/** Starts the input; a file's size is what the ETA needs. */
async function openInput(options: BulkOptions, format: RowFormat, io: CliIo): Promise<{ rows: RowStream; size: number | undefined }> {
  if (options.input === "-") {
    const stdin =
      io.stdin ??
      (async function* () {
        yield await io.readStdin();
      })();
    return { rows: readRows(stdin, format), size: undefined };
  }
  let size: number;
  try {
    size = (await stat(options.input)).size;
  } catch (error) {
    throw usage("--input", `${options.input}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return { rows: readRows(options.input, format), size };
}

/** Shows the first readable row to `first` (for the column warnings and the failures file's header) on its way through. */
async function* withFirst(rows: AsyncIterable<BulkRecord | MalformedRow>, first: (row: BulkRecord) => void): AsyncGenerator<BulkRecord | MalformedRow> {
  let seen = false;
  for await (const row of rows) {
    if (!seen && !(row instanceof MalformedRow)) {
      seen = true;
      first(row);
    }
    yield row;
  }
}

async function dryRun(
  io: CliIo,
  op: OperationEntry,
  rows: AsyncIterable<BulkRecord | MalformedRow>,
  mapping: RowMapping,
  keyOf: ReturnType<typeof keyReader>,
  counts: Counts,
  failed: (row: BulkRecord | MalformedRow, index: number, key: string, error: BulkErrorInfo) => void,
  signal: AbortSignal,
  progress: Progress,
  jobId: string,
): Promise<BulkSummary> {
  const started = performance.now();
  let stopped = false;
  for await (const row of rows) {
    if (signal.aborted) {
      stopped = true;
      break;
    }
    const index = ++counts.rows;
    let key = String(index);
    let problems: string[] | undefined;
    try {
      if (keyOf) key = keyOf(row, index);
    } catch (error) {
      problems = error instanceof BulkRowError ? error.problems : [String(error)];
    }
    const mapped = problems ? { problems } : mapping(row);
    if ("problems" in mapped) {
      counts.failed++;
      failed(row, index, key, problemsInfo(mapped.problems));
      await writeOut(io, `${JSON.stringify({ row: index, key, problems: mapped.problems })}\n`);
    } else {
      counts.done++;
      await writeOut(io, `${JSON.stringify({ row: index, key, request: requestOf(op, mapped.args) })}\n`);
    }
    progress.update();
  }
  return { jobId, total: counts.rows, done: counts.done, skipped: 0, failed: counts.failed, stopped, elapsedMs: Math.round(performance.now() - started) };
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
    .option("--map <template>", "a JSON template of the arguments with {{column}} placeholders: a file or inline JSON (default: columns by name)")
    .option("--key <column>", "the column that identifies a row (non-empty, unique); default: the row number")
    .option("--journal <file>", "record each row's outcome here; running again with it skips the rows done (a dry run leaves it alone)")
    .option("--dry-run", "check every row against the operation's schema and print what would be sent; send nothing")
    .option("--failures <file.csv>", "write the failed rows here, with the reason")
    .option(
      "--concurrency <n>",
      "rows in progress at once (the rate limit sets the pace)",
      (value: string) => {
        const n = value.trim() === "" ? Number.NaN : Number(value);
        if (!Number.isSafeInteger(n) || n < 1) throw usage("--concurrency", `${value}: not a whole number ≥ 1`);
        return n;
      },
      10,
    )
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
      // Credentials are checked before anything is read; a dry run needs none.
      const gladly = options.dryRun ? undefined : client(this);
      const input = await openInput(options, format, io);
      const failures = options.failures === undefined ? undefined : new FailuresFile(options.failures, format);
      const counts: Counts = { rows: 0, done: 0, skipped: 0, failed: 0 };
      const progress = new Progress(io, counts, { position: input.rows.position, size: input.size });
      const controller = new AbortController();
      let interrupted = false;
      void io.untilInterrupted().then(() => {
        interrupted = true;
        controller.abort();
      });
      const rows = withFirst(input.rows, (row) => {
        failures?.sawColumns(input.rows.position.columns ?? Object.keys(row));
        for (const warning of mapping.check(Object.keys(row))) progress.log(`gladly bulk: ${warning}`);
      });
      const failed = (row: BulkRecord | MalformedRow, index: number, key: string, error: BulkErrorInfo) => {
        progress.log(describeFailure(index, key, error));
        failures?.write(row, error, input.rows.position.columns);
      };
      const keyOf = keyReader(options.key);
      let summary: BulkSummary;
      try {
        if (!gladly) summary = await dryRun(io, op, rows, mapping, keyOf, counts, failed, controller.signal, progress, options.jobId ?? "dry-run");
        else {
          const run = runBulk<BulkRecord | MalformedRow>({
            client: gladly,
            rows,
            job: `${op.group}.${op.operationId}`,
            ...(options.jobId !== undefined && { jobId: options.jobId }),
            ...(options.journal !== undefined && { journal: fileJournal(options.journal) }),
            ...(keyOf && { key: keyOf }),
            concurrency: options.concurrency,
            signal: controller.signal,
            run: async (row, ctx) => {
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
              failed(result.row, result.index, result.key, result.error);
            }
            progress.update();
          }
          summary = await run.summary();
        }
      } finally {
        progress.stop();
        failures?.close();
      }
      await writeOut(io, `${JSON.stringify(summary)}\n`);
      setExitCode(interrupted ? 130 : summary.failed > 0 ? 1 : 0);
    });
}
