/**
 * Where a bulk job writes down each row's outcome as it completes, so that running the job again
 * skips what is done. Entries are appended, never rewritten: a crash can lose at most the entry
 * being written, and the row it was for is then simply done again (see ids.ts for why that is
 * safe for creates, and `sending` for calls that are not safe to repeat).
 */
import { GladlyInputError } from "../errors.ts";

/** What went wrong with a row, as the journal, the failures file and the summary keep it. */
export interface BulkErrorInfo {
  /** The error's class name: GladlyValidationError, GladlyInputError, … */
  name: string;
  message: string;
  /** The HTTP status, when Gladly answered. */
  status?: number | undefined;
  /** Gladly's error details (`attr`, `code`, `detail`). */
  errors?: { attr?: string | undefined; code?: string | undefined; detail?: string | undefined }[] | undefined;
}

/**
 * One line of the journal:
 * - `done`: every call of the row succeeded; `result` is what the row's function returned (when small);
 * - `failed`: the row failed with `error`; it is tried again when the job runs again;
 * - `sending`: a call that is not safe to repeat (a note, a reply, an email) is about to be sent.
 *   A row left in this state (by a crash, or by failing after such a call reached Gladly or may have) is not sent again: it is reported as uncertain.
 */
export interface JournalEntry {
  key: string;
  status: "done" | "failed" | "sending";
  result?: unknown;
  error?: BulkErrorInfo | undefined;
  /** For `sending`: the operation about to be sent. */
  operation?: string | undefined;
}

/** What identifies a job, kept in the journal so that a journal is not resumed by another job. */
export interface JobMeta {
  /** e.g. "customers.createCustomer", or a name of the caller's choice. */
  job: string;
}

/** A journal opened for one run of a job. */
export interface OpenJournal {
  /** The job's id: the one recorded when the journal was started, else the one proposed. */
  readonly jobId: string;
  /** The last recorded state of a row, if any. */
  stateOf(key: string): JournalEntry["status"] | undefined;
  /** Records an entry; it is kept (survives the process being killed) once this returns. */
  record(entry: JournalEntry): void;
  /** Releases the journal (closes its file) at the end of the run. */
  close(): Promise<void>;
}

/** A place to keep a job's journal: a file ({@link fileJournal}), memory, or the caller's own store. */
export interface BulkJournal {
  /** Opens the journal for a run; a journal already started keeps its own job id. */
  open(proposedJobId: string, meta: JobMeta): Promise<OpenJournal>;
}

/** The states a journal's entries leave, by key: later entries win, `failed` is forgotten (it is tried again). */
export class JournalState {
  private readonly done = new Set<string>();
  private readonly sending = new Set<string>();

  apply(entry: JournalEntry): void {
    this.sending.delete(entry.key);
    if (entry.status === "done") this.done.add(entry.key);
    else if (entry.status === "sending") this.sending.add(entry.key);
  }

  stateOf(key: string): JournalEntry["status"] | undefined {
    if (this.done.has(key)) return "done";
    if (this.sending.has(key)) return "sending";
    return undefined;
  }
}

/** Checks a journal's job against the job resuming it. */
export function checkSameJob(found: JobMeta, meta: JobMeta, where: string): void {
  if (found.job !== meta.job) throw new GladlyInputError("journal", `${where} belongs to a job of ${found.job}, not ${meta.job}: use another journal`);
}

/** A journal kept in memory: a job run again in the same process skips what is done. */
export function memoryJournal(): BulkJournal {
  let kept: { jobId: string; meta: JobMeta; entries: JournalEntry[] } | undefined;
  return {
    async open(proposedJobId, meta) {
      if (kept) checkSameJob(kept.meta, meta, "this journal");
      kept ??= { jobId: proposedJobId, meta, entries: [] };
      const state = new JournalState();
      for (const entry of kept.entries) state.apply(entry);
      const entries = kept.entries;
      return {
        jobId: kept.jobId,
        stateOf: (key) => state.stateOf(key),
        record(entry) {
          entries.push(entry);
          state.apply(entry);
        },
        async close() {},
      };
    },
  };
}
