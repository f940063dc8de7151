/**
 * The journal as a file of JSON lines: a header line naming the job, then one line per entry,
 * each appended with a single write, so that a process killed at any point leaves every finished
 * entry whole and at most one torn line, which the next run cuts off.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, readFileSync, readSync, rmSync, statSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { GladlyInputError } from "../errors.ts";
import { type BulkJournal, type JobMeta, type JournalEntry, JournalState, checkSameJob } from "./journal.ts";

const FORMAT = "gladly-api bulk journal";

interface Header extends JobMeta {
  format: typeof FORMAT;
  version: 1;
  jobId: string;
  startedAt: string;
}

/** Reads the file line by line without holding it whole (a journal of a million rows is ~60 MB). */
function* lines(fd: number): Generator<{ text: string; end: number }> {
  const chunk = Buffer.alloc(1 << 16);
  let pending = Buffer.alloc(0);
  let offset = 0;
  for (;;) {
    const read = readSync(fd, chunk, 0, chunk.length, offset);
    if (read === 0) break;
    offset += read;
    const data = Buffer.concat([pending, chunk.subarray(0, read)]);
    let start = 0;
    for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10, start)) {
      yield { text: data.toString("utf8", start, nl), end: offset - data.length + nl + 1 };
      start = nl + 1;
    }
    pending = Buffer.from(data.subarray(start));
  }
}

const STATUSES = new Set(["done", "failed", "sending"]);

function isEntry(value: unknown): value is JournalEntry {
  const entry = value as Partial<JournalEntry> | null;
  return typeof entry === "object" && entry !== null && typeof entry.key === "string" && STATUSES.has(entry.status as string);
}

/** Whether a file without a single whole line is the start of a header (a crash while writing it). */
function tornHeader(fd: number, size: number): boolean {
  const start = `{"format":${JSON.stringify(FORMAT)}`;
  // A header is a few hundred bytes; more than that without a newline is something else.
  if (size > 4096) return false;
  const bytes = Buffer.alloc(size);
  readSync(fd, bytes, 0, size, 0);
  const text = bytes.toString("utf8");
  return text.startsWith(start) || start.startsWith(text);
}

/** Whether a process of this machine is running (a process of another user still counts). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes `<journal>.lock` for this process, so that two runs of a job never share a journal (both
 * would send the rows neither has journaled yet: a note twice). A lock left by a process that
 * died (kill -9) is taken over; one held by a live process is refused. Returns its release.
 */
function lock(path: string): () => void {
  const lockPath = `${path}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(lockPath, "wx");
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EEXIST" || attempt > 0) throw new GladlyInputError("journal", `cannot lock ${path} (${lockPath}: ${code ?? (error as Error).message})`);
    }
    let holder: { pid?: unknown; host?: unknown } | undefined;
    try {
      holder = JSON.parse(readFileSync(lockPath, "utf8")) as { pid?: unknown; host?: unknown };
    } catch {
      // Being written this instant by another process, or garbage: only an old one is stale.
      const written = statSync(lockPath, { throwIfNoEntry: false })?.mtimeMs ?? 0;
      if (Date.now() - written < 10_000)
        throw new GladlyInputError("journal", `${path} is being opened by another process (${lockPath}); run one job per journal at a time`);
    }
    const pid = typeof holder?.pid === "number" ? holder.pid : undefined;
    if (holder && holder.host !== hostname())
      throw new GladlyInputError(
        "journal",
        `${path} is locked by process ${pid} on ${String(holder.host)} (${lockPath}); if that job is no longer running, delete the lock`,
      );
    if (pid !== undefined && alive(pid))
      throw new GladlyInputError("journal", `${path} is in use by process ${pid} (${lockPath}); run one job per journal at a time`);
    // Left by a process that is gone: take it over.
    rmSync(lockPath, { force: true });
  }
}

/**
 * The header and entries of the journal open at `fd`, checked as one of `meta`'s job; `withState`
 * false stops at the header. `whole` is where the last whole line ends: anything after it (of
 * `size`) was torn by a crash, or is not a journal.
 */
function readEntries(
  fd: number,
  path: string,
  meta: JobMeta,
  withState: boolean,
): { header: Header | undefined; state: JournalState; whole: number; size: number } {
  const state = new JournalState();
  let header: Header | undefined;
  let whole = 0;
  for (const { text, end } of lines(fd)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // Only the last line can be torn (by a crash mid-write), and it has no newline: this is not our file.
      throw new GladlyInputError("journal", `${path} is not a ${FORMAT} (the line after byte ${whole} is not JSON)`);
    }
    if (!header) {
      const candidate = value as Partial<Header> | null;
      if (candidate?.format !== FORMAT || typeof candidate.jobId !== "string" || typeof candidate.job !== "string")
        throw new GladlyInputError("journal", `${path} is not a ${FORMAT}: refusing to write into it`);
      header = candidate as Header;
      checkSameJob(header, meta, path);
      whole = end;
      if (!withState) break;
    } else if (isEntry(value)) {
      state.apply(value);
      whole = end;
    } else throw new GladlyInputError("journal", `${path} is not a ${FORMAT} (the line after byte ${whole} is not a journal entry)`);
  }
  return { header, state, whole, size: fstatSync(fd).size };
}

/** What a journal file holds, read without writing: nothing yet, or its job's id and (when asked for) its rows' states. */
export type JournalFileFacts = { exists: false } | { exists: true; jobId: string; state: JournalState; device: number; inode: number };

/**
 * Reads `path` as the journal of `meta`'s job without writing or locking it: absent, empty or
 * holding only a header torn by a crash (a run would start it), or a journal of that job.
 * `withState` reads its entries too (a dry run shows the rows a real run would skip).
 *
 * @throws GladlyInputError for anything else: a device, a FIFO, a directory, another file, another job's journal.
 */
export function readJournalFile(path: string, meta: JobMeta, withState: boolean): JournalFileFacts {
  let fd: number;
  try {
    const info = statSync(path, { throwIfNoEntry: false });
    if (!info) return { exists: false };
    // /dev/zero never ends, a FIFO blocks until written: only a file can be a journal.
    if (!info.isFile()) throw new GladlyInputError("journal", `${path} is not a regular file`);
    fd = openSync(path, "r");
  } catch (error) {
    if (error instanceof GladlyInputError) throw error;
    throw new GladlyInputError("journal", `${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    const { header, state, whole, size } = readEntries(fd, path, meta, withState);
    if (!header) {
      if (size > whole && !tornHeader(fd, size)) throw new GladlyInputError("journal", `${path} is not a ${FORMAT}`);
      return { exists: false };
    }
    const { dev, ino } = fstatSync(fd);
    return { exists: true, jobId: header.jobId, state, device: dev, inode: ino };
  } finally {
    closeSync(fd);
  }
}

/**
 * A journal in a file (created when missing). Running a job again with the same file skips the
 * rows it records as done, and creates again under the same derived ids.
 *
 * @throws GladlyInputError (from `gladly-api`, when opened) if the file is not a journal, or is one of another job.
 */
export function fileJournal(path: string): BulkJournal {
  return {
    async open(proposedJobId, meta) {
      // A device or a FIFO would never end (/dev/zero) or never answer; a directory cannot be one.
      const kind = statSync(path, { throwIfNoEntry: false });
      if (kind && !kind.isFile()) throw new GladlyInputError("journal", `${path} is not a regular file`);
      const unlock = lock(path);
      let fd: number;
      try {
        fd = openSync(path, "a+");
      } catch (error) {
        unlock();
        throw new GladlyInputError("journal", `cannot open ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
      try {
        const { header: found, state, whole, size } = readEntries(fd, path, meta, true);
        let header = found;
        if (size > whole) {
          // Text after the last newline: a line torn by a crash, or (with no header yet) a file
          // that is not a journal at all, which is not ours to cut.
          if (!header && !tornHeader(fd, size)) throw new GladlyInputError("journal", `${path} is not a ${FORMAT}: refusing to write into it`);
          // A line torn by a crash: cut it off, so the next entry starts on a line of its own.
          ftruncateSync(fd, whole);
        }
        if (!header) {
          header = { format: FORMAT, version: 1, jobId: proposedJobId, job: meta.job, startedAt: new Date().toISOString() };
          writeSync(fd, `${JSON.stringify(header)}\n`);
        }
        const jobId = header.jobId;
        return {
          jobId,
          stateOf: (key) => state.stateOf(key),
          record(entry: JournalEntry) {
            writeSync(fd, `${JSON.stringify(entry)}\n`);
            state.apply(entry);
          },
          async close() {
            closeSync(fd);
            unlock();
          },
        };
      } catch (error) {
        closeSync(fd);
        unlock();
        throw error;
      }
    },
  };
}
