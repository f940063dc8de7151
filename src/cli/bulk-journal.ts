/**
 * `gladly bulk --journal`, read without writing: checked before anything else is opened (so a
 * refused run changes no file), and read whole by a dry run to show the rows a real run would skip.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createInterface } from "node:readline";
import { JournalState, checkSameJob } from "../bulk/journal.ts";
import { GladlyInputError } from "../errors.ts";

/** What a journal file holds: nothing yet, or a job's id and (when asked for) its rows' states. */
export type JournalFacts = { exists: false } | { exists: true; jobId: string; state: JournalState | undefined; device: number; inode: number };

const FORMAT = "gladly-api bulk journal";

/**
 * Checks `path` as the journal of `job`: absent (a real run starts it), or a regular file whose
 * first line is a journal header of that job. `withState` reads its entries too.
 *
 * @throws GladlyInputError for anything else: a device, a FIFO, a directory, another file, another job's journal.
 */
export async function inspectJournal(path: string, job: string, withState: boolean): Promise<JournalFacts> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { exists: false };
    throw new GladlyInputError("--journal", `${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  // /dev/zero never ends, a FIFO blocks until written: only a file can be a journal.
  if (!info.isFile()) throw new GladlyInputError("--journal", `${path} is not a regular file`);
  if (info.size === 0) return { exists: false };
  const state = withState ? new JournalState() : undefined;
  let jobId: string | undefined;
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  let number = 0;
  let torn: string | undefined;
  try {
    for await (const text of lines) {
      number++;
      // Only the last line can be torn by a crash (a real run cuts it off); a torn line before another is not ours.
      if (torn !== undefined) throw new GladlyInputError("--journal", `${path} is not a ${FORMAT} (line ${number - 1} is not JSON)`);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        torn = text;
        continue;
      }
      const entry = value as { format?: unknown; job?: unknown; jobId?: unknown; key?: unknown; status?: unknown } | null;
      if (jobId === undefined) {
        if (entry?.format !== FORMAT || typeof entry.jobId !== "string" || typeof entry.job !== "string")
          throw new GladlyInputError("--journal", `${path} is not a ${FORMAT}`);
        checkSameJob({ job: entry.job }, { job }, path);
        jobId = entry.jobId;
        if (!state) break;
      } else if (typeof entry?.key === "string" && (entry.status === "done" || entry.status === "failed" || entry.status === "sending"))
        state?.apply({ key: entry.key, status: entry.status });
      else throw new GladlyInputError("--journal", `${path} is not a ${FORMAT} (line ${number} is not a journal entry)`);
    }
  } catch (error) {
    if (error instanceof GladlyInputError) throw error;
    throw new GladlyInputError("--journal", `${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  } finally {
    lines.close();
  }
  // A header torn by a crash: the file is a journal not yet started.
  if (jobId === undefined) {
    const start = `{"format":${JSON.stringify(FORMAT)}`;
    if (torn !== undefined && number === 1 && (torn.startsWith(start) || start.startsWith(torn))) return { exists: false };
    throw new GladlyInputError("--journal", `${path} is not a ${FORMAT}`);
  }
  return { exists: true, jobId, state, device: info.dev, inode: info.ino };
}
