/**
 * `gladly bulk --journal`, read without writing: checked before anything else is opened (so a
 * refused run changes no file), and read whole by a dry run to show the rows a real run would skip.
 */
import { type JournalFileFacts, readJournalFile } from "../bulk/journal-file.ts";
import { GladlyInputError } from "../errors.ts";

/** What a journal file holds: nothing yet, or a job's id and (when asked for) its rows' states. */
export type JournalFacts = JournalFileFacts;

/**
 * Checks `path` as the journal of `job` (see readJournalFile), naming the option at fault.
 *
 * @throws GladlyInputError for anything else: a device, a FIFO, a directory, another file, another job's journal.
 */
export async function inspectJournal(path: string, job: string, withState: boolean): Promise<JournalFacts> {
  try {
    return readJournalFile(path, { job }, withState);
  } catch (error) {
    if (error instanceof GladlyInputError) throw new GladlyInputError("--journal", error.message.replace(/^journal: /, ""));
    throw error;
  }
}
