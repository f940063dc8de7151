/**
 * The bulk runner: rows in, one function per row, as fast as the organization's budget allows
 * (at low priority, so interactive calls of the same process go first), each row's outcome
 * journaled as it completes, results out as they come.
 */
import type { GladlyClient } from "../client.ts";
import { GladlyAbortError, GladlyError, GladlyInputError } from "../errors.ts";
import type { Priority } from "../pipeline/request.ts";
import { newJobId } from "./ids.ts";
import { type BulkErrorInfo, type BulkJournal, type OpenJournal, memoryJournal } from "./journal.ts";
import { rowClient } from "./row-client.ts";

/** What a row's function gets besides the row. */
export interface RowContext {
  /**
   * The job's client for this row: calls go at the job's priority with its signal, and a create
   * without an id gets one derived from the job and the row's key (the same on every run).
   */
  gladly: GladlyClient;
  /** The row's key (see {@link BulkOptions.key}). */
  key: string;
  /** The row's position in the input, from 1. */
  index: number;
  /** Aborts when the job is stopped. */
  signal: AbortSignal | undefined;
}

export interface BulkOptions<Row> {
  /** The client to send with; its organization's rate limit paces the job. */
  client: GladlyClient;
  /** The rows: an array, or any iterable or async iterable (a CSV parser, an NDJSON reader). */
  rows: Iterable<Row> | AsyncIterable<Row>;
  /** What to do with one row: one or more calls through `ctx.gladly`. What it returns is the row's result. */
  run: (row: Row, ctx: RowContext) => Promise<unknown>;
  /**
   * A row's stable key: the journal and derived ids go by it, so it must not change between runs.
   * Default: the row's position (from 1), which holds as long as the input is not edited.
   */
  key?: (row: Row, index: number) => string;
  /** Where outcomes are recorded ({@link fileJournal} for a file). Default: in memory, for this process. */
  journal?: BulkJournal;
  /** What the job is (kept in the journal, which refuses another job): e.g. "customers.createCustomer". Default "bulk". */
  job?: string;
  /** The job's id, used when the journal has none yet; a journal already started keeps its own. */
  jobId?: string;
  /** Rows in progress at once (default 10, Gladly's requests per second). The rate limiter, not this, sets the pace. */
  concurrency?: number;
  /** Queue priority of the job's calls (default "low": interactive calls go first). */
  priority?: Priority;
  /** Stops the job: no new row starts, rows in progress are aborted and left for the next run. */
  signal?: AbortSignal;
}

/** One row's outcome. */
export type RowResult<Row> = {
  key: string;
  index: number;
  row: Row;
} & (
  | { status: "done"; result: unknown }
  /** Already done by an earlier run of the job (per the journal). */
  | { status: "skipped" }
  | { status: "failed"; error: BulkErrorInfo }
);

export interface BulkSummary {
  jobId: string;
  /** Rows read from the input. */
  total: number;
  done: number;
  skipped: number;
  failed: number;
  /** True when the job was stopped by its signal before every row was read. */
  stopped: boolean;
  elapsedMs: number;
}

/** A running job: iterate it for each row's outcome as it completes; `summary()` waits for the end. */
export interface BulkRun<Row> extends AsyncIterable<RowResult<Row>> {
  /** Runs the job to its end (reading the outcomes not yet read) and resolves to the counts. */
  summary(): Promise<BulkSummary>;
}

/** Turns what a row's function threw into what the journal keeps; never the request body or credentials. */
export function errorInfo(error: unknown): BulkErrorInfo {
  if (error instanceof GladlyError) {
    return {
      name: error.name,
      message: error.message,
      status: error.status,
      errors: error.errors.map(({ attr, code, detail }) => ({ attr, code, detail })),
    };
  }
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

const UNCERTAIN: BulkErrorInfo = {
  name: "GladlyBulkUncertainError",
  message:
    "an earlier run stopped while sending a call that is not safe to repeat (it may or may not have reached Gladly); not sent again: check it, then mark the row done or remove it from the journal",
};

/**
 * Runs `run` for every row, in parallel up to `concurrency`, paced by the organization's rate
 * limiter. A row that throws is recorded as failed (with Gladly's errors) and the job goes on.
 *
 * With a journal, running the same job again skips the rows recorded as done and tries the
 * failed ones again. A create is sent under an id derived from the job and the row, so a row
 * whose create reached Gladly just before a crash is not created twice: its 409 is read back as
 * the earlier create. A call that cannot be made safe that way (a note, a reply, an email) is
 * journaled before it is sent, and a row a crash left there is reported, not sent again.
 *
 * @throws {@link GladlyInputError} (when iterated) for bad options or a journal of another job.
 */
export function runBulk<Row>(options: BulkOptions<Row>): BulkRun<Row> {
  const concurrency = options.concurrency ?? 10;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new GladlyInputError("concurrency", `must be a whole number ≥ 1, got ${String(options.concurrency)}`);
  if (typeof options.run !== "function") throw new GladlyInputError("run", "must be a function (row, ctx) => Promise");
  const rows = options.rows as Partial<Iterable<Row> & AsyncIterable<Row>> | null | undefined;
  if (!rows || (typeof rows[Symbol.asyncIterator] !== "function" && typeof rows[Symbol.iterator] !== "function"))
    throw new GladlyInputError("rows", "must be an array, an iterable or an async iterable");
  const summary: BulkSummary = { jobId: "", total: 0, done: 0, skipped: 0, failed: 0, stopped: false, elapsedMs: 0 };
  const iterator = execute(options, concurrency, summary);
  let started = false;
  return {
    [Symbol.asyncIterator]() {
      if (started) throw new GladlyInputError("run", "a bulk run can be iterated once");
      started = true;
      return iterator;
    },
    async summary() {
      if (!started) {
        started = true;
        for await (const _ of iterator);
      } else {
        // Iterated by someone else: let them read; this just reads what is left.
        for await (const _ of { [Symbol.asyncIterator]: () => iterator });
      }
      return { ...summary };
    },
  };
}

async function* execute<Row>(options: BulkOptions<Row>, concurrency: number, summary: BulkSummary): AsyncGenerator<RowResult<Row>, void, undefined> {
  const started = performance.now();
  const signal = options.signal;
  const journal: OpenJournal = await (options.journal ?? memoryJournal()).open(options.jobId ?? newJobId(), { job: options.job ?? "bulk" });
  summary.jobId = journal.jobId;
  const keyOf = options.key ?? ((_row: Row, index: number) => String(index));
  const source = (Symbol.asyncIterator in Object(options.rows) ? options.rows : toAsync(options.rows as Iterable<Row>)) as AsyncIterable<Row>;
  const rows = source[Symbol.asyncIterator]();
  // Each settles to its own position, and leaves the map only once its result is taken: rows
  // that settle together (several failing before a request) are all reported.
  const inFlight = new Map<number, Promise<{ at: number; result: RowResult<Row> }>>();
  let index = 0;
  let exhausted = false;
  try {
    for (;;) {
      while (!exhausted && inFlight.size < concurrency) {
        if (signal?.aborted) {
          summary.stopped = true;
          exhausted = true;
          break;
        }
        const next = await rows.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        index++;
        summary.total++;
        const row = next.value;
        let key: string;
        try {
          key = String(keyOf(row, index));
        } catch (error) {
          summary.failed++;
          yield { key: String(index), index, row, status: "failed", error: errorInfo(error) };
          continue;
        }
        const state = journal.stateOf(key);
        if (state === "done") {
          summary.skipped++;
          yield { key, index, row, status: "skipped" };
          continue;
        }
        if (state === "sending") {
          summary.failed++;
          yield { key, index, row, status: "failed", error: UNCERTAIN };
          continue;
        }
        const at = index;
        inFlight.set(
          at,
          runRow(options, journal, row, key, at).then((result) => ({ at, result })),
        );
      }
      if (inFlight.size === 0) break;
      const { at, result } = await Promise.race(inFlight.values());
      inFlight.delete(at);
      if (result.status === "failed" && result.error.name === "GladlyAbortError" && signal?.aborted) {
        // Stopped mid-row: left unrecorded, so the next run does it.
        summary.stopped = true;
        summary.total--;
        continue;
      }
      if (result.status === "done") summary.done++;
      else summary.failed++;
      yield result;
    }
  } finally {
    summary.elapsedMs = Math.round(performance.now() - started);
    await Promise.allSettled(inFlight.values());
    await rows.return?.();
    await journal.close();
  }
}

async function runRow<Row>(options: BulkOptions<Row>, journal: OpenJournal, row: Row, key: string, index: number): Promise<RowResult<Row>> {
  const gladly = rowClient(options.client, {
    jobId: journal.jobId,
    key,
    priority: options.priority ?? "low",
    signal: options.signal,
    beforeUnsafeCall: (op) => journal.record({ key, status: "sending", operation: op.operationId }),
  });
  try {
    const result = await options.run(row, { gladly, key, index, signal: options.signal });
    journal.record({ key, status: "done", ...(small(result) ? { result } : {}) });
    return { key, index, row, status: "done", result };
  } catch (error) {
    const info = errorInfo(error);
    if (!(error instanceof GladlyAbortError && options.signal?.aborted)) journal.record({ key, status: "failed", error: info });
    return { key, index, row, status: "failed", error: info };
  }
}

/** Results worth keeping in the journal: ids and short values, not whole resources. */
function small(result: unknown): boolean {
  if (result === undefined) return false;
  try {
    return (JSON.stringify(result)?.length ?? 0) <= 200;
  } catch {
    return false;
  }
}

async function* toAsync<Row>(rows: Iterable<Row>): AsyncGenerator<Row> {
  yield* rows;
}
