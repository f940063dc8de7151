/**
 * The bulk runner: rows in, one function per row, as fast as the organization's budget allows
 * (at low priority, so interactive calls of the same process go first), each row's outcome
 * journaled as it completes, results out as they come.
 */
import type { GladlyClient } from "../client.ts";
import { GladlyAbortError, GladlyError, GladlyInputError } from "../errors.ts";
import { setMaxListeners } from "node:events";
import type { Priority } from "../pipeline/request.ts";
import type { RetryOptions } from "../pipeline/retry.ts";
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
  /** The job's id: with the key, what derived ids come from (see `deriveId`). */
  jobId: string;
  /** The row's position in the input, from 1. */
  index: number;
  /** Aborts when the job is stopped (its `signal` aborts); pass it to anything slow the row does besides `ctx.gladly`. */
  signal: AbortSignal;
}

/** What {@link runBulk} runs: the rows, what to do with each, and how to keep track. */
export interface BulkOptions<Row, Result = unknown> {
  /** The client to send with; its organization's rate limit paces the job. */
  client: GladlyClient;
  /** The rows: an array, or any iterable or async iterable (a CSV parser, an NDJSON reader). */
  rows: Iterable<Row> | AsyncIterable<Row>;
  /** What to do with one row: one or more calls through `ctx.gladly`. What it returns is the row's result. */
  run: (row: Row, ctx: RowContext) => Promise<Result>;
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
  /**
   * Retries of each call (default: up to 10 within 10 minutes, so a spell of 429s pauses the job
   * instead of failing its rows; a call's own `retry` wins).
   */
  retry?: RetryOptions | false;
  /** Stops the job: no new row starts, rows in progress are aborted and left for the next run. */
  signal?: AbortSignal;
}

/** One row's outcome. */
export type RowResult<Row, Result = unknown> = {
  key: string;
  index: number;
  row: Row;
} & (
  | { status: "done"; result: Result }
  /** Already done by an earlier run of the job (per the journal). */
  | { status: "skipped" }
  | { status: "failed"; error: BulkErrorInfo }
);

/** The counts of a finished (or stopped) run. */
export interface BulkSummary {
  /** The job's id (from the journal when it had one): derived ids come from it. */
  jobId: string;
  /** Rows read from the input (rows a stop left unfinished are not counted). */
  total: number;
  /** Rows whose calls all succeeded in this run. */
  done: number;
  /** Rows the journal had as done by an earlier run. */
  skipped: number;
  /** Rows that failed (their errors are in the results and the journal). */
  failed: number;
  /** True when the job stopped before every row was read: by its signal, or by `stopReason`. */
  stopped: boolean;
  /** Why the job stopped by itself: Gladly refused its credentials or permissions (401, 403) for a row. */
  stopReason?: string;
  /** How long the run took. */
  elapsedMs: number;
}

/** A running job: iterate it for each row's outcome as it completes; `summary()` waits for the end. */
export interface BulkRun<Row, Result = unknown> extends AsyncIterable<RowResult<Row, Result>> {
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
    'an earlier run stopped while sending a call that is not safe to repeat (it may or may not have reached Gladly); not sent again: check it in Gladly, then append {"key":…,"status":"done"} to the journal to mark it done, or "status":"failed" to have the next run send it',
};

/**
 * Runs `run` for every row, in parallel up to `concurrency`, paced by the organization's rate
 * limiter. A row that throws is recorded as failed (with Gladly's errors) and the job goes on.
 *
 * With a journal, running the same job again skips the rows recorded as done and tries the
 * failed ones again. A create is sent under an id derived from the job and the row, so a row
 * whose create reached Gladly just before a crash is not created twice: its 409 is read back as
 * the earlier create. A call that cannot be made safe that way (a note, a reply, an email) is
 * journaled before it is sent, and a row a crash left there, or that failed after such a call
 * reached Gladly (or may have: a connection broken after sending, a 5xx), is reported as
 * uncertain, not sent again. A 4xx refusal of such a call is an ordinary failure, tried again.
 *
 * @throws GladlyInputError (from `gladly-api`) for bad options; when iterated, for a journal of another job.
 */
export function runBulk<Row, Result = unknown>(options: BulkOptions<Row, Result>): BulkRun<Row, Result> {
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

/** Retries for a job's calls: patient, since nobody waits on one row (a call's own setting wins). */
const BULK_RETRY: RetryOptions = { maxRetries: 10, maxElapsedMs: 600_000 };

async function* execute<Row, Result>(
  options: BulkOptions<Row, Result>,
  concurrency: number,
  summary: BulkSummary,
): AsyncGenerator<RowResult<Row, Result>, void, undefined> {
  const started = performance.now();
  // The job's own signal, following the caller's: every call of every row listens to it, more
  // than EventTarget's default of 10 listeners, which is no leak.
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const follow = () => stop.abort(options.signal?.reason);
  if (options.signal?.aborted) follow();
  else options.signal?.addEventListener("abort", follow, { once: true });
  const signal = stop.signal;
  // Keys seen in this run: a key repeated in the input would share the first row's journal entry
  // and derived ids, so the second row would be skipped or read back instead of done.
  const seenKeys = new Map<string, number>();
  const journal: OpenJournal = await (options.journal ?? memoryJournal()).open(options.jobId ?? newJobId(), { job: options.job ?? "bulk" });
  summary.jobId = journal.jobId;
  const keyOf = options.key ?? ((_row: Row, index: number) => String(index));
  const source = (Symbol.asyncIterator in Object(options.rows) ? options.rows : toAsync(options.rows as Iterable<Row>)) as AsyncIterable<Row>;
  const rows = source[Symbol.asyncIterator]();
  // Rows finish in any order and at any time, also while the next input row is awaited: each
  // outcome is queued as it comes, and the loop below wakes for an outcome, an input row or an
  // abort, whichever comes first (a slow input must not hold back the results of rows done).
  const inFlight = new Set<Promise<void>>();
  const completed: (RowResult<Row, Result> | undefined)[] = [];
  let broken: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  let reading = false;
  let read: { ok: true; next: IteratorResult<Row> } | { ok: false; error: unknown } | undefined;
  let index = 0;
  let exhausted = false;
  signal.addEventListener("abort", notify);
  try {
    for (;;) {
      if (broken) throw broken.error;
      while (completed.length > 0) {
        const result = completed.shift();
        if (!result) {
          // Stopped mid-row: left unrecorded, so the next run does it.
          summary.stopped = true;
          continue;
        }
        summary.total++;
        if (result.status === "done") summary.done++;
        else if (result.status === "failed") {
          summary.failed++;
          const status = result.error.status;
          if ((status === 401 || status === 403) && summary.stopReason === undefined) {
            // Every later row would be refused the same way (a million rows is 27 hours of 401s).
            summary.stopReason = `Gladly answered ${status} (${status === 401 ? "the credentials were refused" : "the API user may not do this"}) for row ${result.index}: stopped; fix it and run the job again`;
            summary.stopped = true;
            exhausted = true;
          }
        }
        yield result;
      }
      if (!exhausted && signal.aborted) {
        summary.stopped = true;
        exhausted = true;
      }
      if (!exhausted && inFlight.size < concurrency && !reading && !read) {
        reading = true;
        rows.next().then(
          (next) => {
            read = { ok: true, next };
            reading = false;
            notify();
          },
          (error: unknown) => {
            read = { ok: false, error };
            reading = false;
            notify();
          },
        );
      }
      if (read && !exhausted) {
        const got = read;
        read = undefined;
        if (!got.ok) throw got.error;
        if (got.next.done) {
          exhausted = true;
          continue;
        }
        index++;
        const row = got.next.value;
        let key: string;
        try {
          key = keyFor(keyOf(row, index), index);
        } catch (error) {
          summary.total++;
          summary.failed++;
          yield { key: String(index), index, row, status: "failed", error: errorInfo(error) };
          continue;
        }
        const first = seenKeys.get(key);
        if (first !== undefined) {
          summary.total++;
          summary.failed++;
          const error = new GladlyInputError("key", `row ${index} has the key ${JSON.stringify(key)} of row ${first}: keys must be unique`);
          yield { key, index, row, status: "failed", error: errorInfo(error) };
          continue;
        }
        seenKeys.set(key, index);
        const state = journal.stateOf(key);
        if (state === "done" || state === "sending") {
          summary.total++;
          if (state === "done") summary.skipped++;
          else summary.failed++;
          yield state === "done" ? { key, index, row, status: "skipped" } : { key, index, row, status: "failed", error: UNCERTAIN };
          continue;
        }
        const running: Promise<void> = runRow(options, signal, journal, row, key, index).then(
          (result) => {
            inFlight.delete(running);
            completed.push(result);
            notify();
          },
          (error: unknown) => {
            inFlight.delete(running);
            broken ??= { error };
            notify();
          },
        );
        inFlight.add(running);
        continue;
      }
      if (completed.length > 0 || broken) continue;
      if (exhausted && inFlight.size === 0) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    signal.removeEventListener("abort", notify);
    options.signal?.removeEventListener("abort", follow);
    summary.elapsedMs = Math.round(performance.now() - started);
    await Promise.allSettled(inFlight);
    // An input still waited on is not waited for: an async generator's return() would wait for
    // the row it is producing, which may never come.
    if (reading) void rows.return?.()?.catch(() => undefined);
    else await rows.return?.();
    await journal.close();
  }
}

/** A key function's answer as a key: a non-empty string (or a number); anything else would merge rows in the journal. */
function keyFor(value: unknown, index: number): string {
  if ((typeof value === "string" && value !== "") || (typeof value === "number" && Number.isFinite(value))) return String(value);
  throw new GladlyInputError("key", `row ${index}: the key function returned ${value === "" ? "an empty string" : String(value)}, not a non-empty string`);
}

/** Runs one row and records its outcome; undefined when the job's abort stopped it (left unrecorded, for the next run). */
async function runRow<Row, Result>(
  options: BulkOptions<Row, Result>,
  signal: AbortSignal,
  journal: OpenJournal,
  row: Row,
  key: string,
  index: number,
): Promise<RowResult<Row, Result> | undefined> {
  const gladly = rowClient(options.client, {
    jobId: journal.jobId,
    key,
    priority: options.priority ?? "low",
    retry: options.retry === false ? { maxRetries: 0 } : (options.retry ?? BULK_RETRY),
    signal,
    beforeUnsafeCall: (op) => journal.record({ key, status: "sending", operation: op.operationId }),
    unsafeCallReached: (op) => {
      reached ??= op.operationId;
    },
  });
  // A call not safe to repeat that reached Gladly (or may have): the row must not be run again.
  let reached: string | undefined;
  let result: Result;
  try {
    result = await options.run(row, { gladly, key, jobId: journal.jobId, index, signal });
  } catch (error) {
    // The client's GladlyAbortError, or the caller's own code rejecting with the signal's reason.
    if (signal.aborted && (error instanceof GladlyAbortError || error === signal.reason || (error as Error | undefined)?.name === "AbortError"))
      return undefined;
    const info = errorInfo(error);
    if (reached !== undefined) {
      // Not recorded as failed (which would run the row again): the journal keeps the row at
      // `sending`, so the next run reports it as uncertain too.
      const message = `${reached} may have reached Gladly before the row failed (${info.message}); not sent again: check it in Gladly, then append {"key":${JSON.stringify(key)},"status":"done"} to the journal to mark it done, or "failed" to have the next run send it`;
      return { key, index, row, status: "failed", error: { ...info, name: UNCERTAIN.name, message } };
    }
    journal.record({ key, status: "failed", error: info });
    return { key, index, row, status: "failed", error: info };
  }
  // Outside the try: a journal that cannot be written stops the job, it is not the row's failure.
  journal.record({ key, status: "done", ...(small(result) ? { result } : {}) });
  return { key, index, row, status: "done", result };
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
