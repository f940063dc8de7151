// download-exports.ts: every file of the export jobs completed since a date, one row per file, into <dir>/<jobId>/<file>
import { createWriteStream } from "node:fs";
import { mkdir, rename } from "node:fs/promises";
import { basename, join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { GladlyClient } from "../../src/index.ts";
import { fileJournal, runBulk } from "../../src/bulk/index.ts";

async function* completedFiles(gladly: GladlyClient, since: Date | string) {
  for await (const job of gladly.export.jobsBetween({ startAt: since, status: "COMPLETED" }))
    for (const file of job.files ?? []) yield { jobId: job.id!, file };
}

async function* ndjson(records: AsyncIterable<unknown>) {
  for await (const record of records) yield `${JSON.stringify(record)}\n`;
}

export function downloadExports(gladly: GladlyClient, since: Date | string, dir: string, journalFile: string) {
  return runBulk({
    client: gladly,
    rows: completedFiles(gladly, since),
    // By job and file, not by position: a job completed since the last run does not shift the others.
    key: ({ jobId, file }) => `${jobId}/${file}`,
    job: "export.files",
    journal: fileJournal(journalFile),
    async run({ jobId, file }, { gladly, signal }) {
      if (basename(file) !== file || basename(jobId) !== jobId) throw new Error(`${jobId}/${file} is not a plain file name`);
      const target = join(dir, jobId, file);
      await mkdir(join(dir, jobId), { recursive: true });
      // readFile is a helper, not an operation: the row's client leaves it alone, so it gets the job's priority and signal here.
      // Read as it arrives (constant memory), written under a temporary name and renamed when whole.
      await pipeline(ndjson(gladly.export.readFile(jobId, file, { priority: "low", signal })), createWriteStream(`${target}.partial`));
      await rename(`${target}.partial`, target);
      return target;
    },
  });
}
