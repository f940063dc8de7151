import type { Agent, ConversationItem, ExportJob, Topic } from "../../generated/types.ts";
import { GladlyError, GladlyInputError } from "../errors.ts";
import { type CallOptions, type OperationContext, openStream } from "../operations.ts";
import type { GladlyOperations } from "../operations.ts";
import { fileSystem, writeBody } from "./files.ts";
import { jsonLines } from "./lines.ts";
import { typedError } from "../pipeline/typed-errors.ts";
import { sleep } from "../sleep.ts";

/** A customer as export files carry it (flatter than the API's Customer). */
export interface ExportedCustomer {
  id?: string;
  name?: string;
  address?: string;
  emailAddresses?: string[];
  phoneNumbers?: string[];
  externalCustomerId?: string;
  externalCustomerIds?: Record<string, string>;
}

/** What each export file holds, one record per line. */
export interface ExportRecords {
  "agents.jsonl": Agent;
  "customers.jsonl": ExportedCustomer;
  "conversation_items.jsonl": ConversationItem;
  "topics.jsonl": Topic;
}

const WINDOW_MS = 14 * 86_400_000;

/** Reported by `export.downloadJob` as each file downloads. */
export interface DownloadProgress {
  /** The file being downloaded. */
  file: string;
  /** Bytes of it received so far. */
  bytes: number;
  /** From Content-Length, when Gladly sends it. */
  totalBytes: number | undefined;
  /** Files of the job already complete. */
  filesDone: number;
  /** Files in the job. */
  files: number;
}

/** The helpers the client adds to `export`: `readFile`, `jobsBetween`, `waitForJob`, `downloadJob`. */
export function createExportHelpers(ctx: OperationContext, exportOps: GladlyOperations["export"]) {
  /** The records of one export file, parsed as the NDJSON arrives: constant memory at any size. */
  function readFile<F extends string>(
    jobId: string,
    filename: F,
    { maxLineBytes, ...options }: Pick<CallOptions, "signal" | "priority" | "timeout"> & { maxLineBytes?: number } = {},
  ): AsyncGenerator<F extends keyof ExportRecords ? ExportRecords[F] : unknown> {
    // Nothing is sent, and a bad maxLineBytes is not reported, until the first record is asked for.
    return jsonLines(() => openStream(ctx, "getFile", { jobId, filename }, options), "GET", maxLineBytes === undefined ? {} : { maxLineBytes });
  }

  /** Every job updated between `startAt` and `endAt`, walking Gladly's 14-day limit in windows. */
  async function* jobsBetween(
    options: { startAt: Date | string; endAt?: Date | string; status?: NonNullable<ExportJob["status"]> } & Pick<CallOptions, "signal">,
  ): AsyncGenerator<ExportJob> {
    const start = new Date(options.startAt).getTime();
    const end = options.endAt === undefined ? Date.now() : new Date(options.endAt).getTime();
    if (Number.isNaN(start) || Number.isNaN(end)) throw new GladlyInputError(Number.isNaN(start) ? "startAt" : "endAt", "is not a date or an ISO 8601 time");
    const seen = new Set<string>();
    for (let from = start; from < end; from += WINDOW_MS) {
      const to = Math.min(end, from + WINDOW_MS);
      const jobs = await exportOps.findJobs(
        { startAt: new Date(from).toISOString(), endAt: new Date(to).toISOString(), ...(options.status && { status: options.status }) },
        options.signal ? { signal: options.signal } : {},
      );
      for (const job of jobs) {
        if (job.id && seen.has(job.id)) continue;
        if (job.id) seen.add(job.id);
        yield job;
      }
    }
  }

  /** Polls a job (with backoff, abortable) until it completes; a failed job throws. */
  async function waitForJob(
    jobId: string,
    options: { signal?: AbortSignal; intervalMs?: number; maxIntervalMs?: number; timeoutMs?: number } = {},
  ): Promise<ExportJob> {
    const started = Date.now();
    let interval = options.intervalMs ?? 2000;
    for (;;) {
      const job = await exportOps.getJob({ jobId }, options.signal ? { signal: options.signal } : {});
      if (job.status === "COMPLETED") return job;
      if (job.status === "FAILED")
        throw new GladlyError(`export job ${jobId} failed`, { method: "GET", url: `${ctx.baseUrl}/export/jobs/${encodeURIComponent(jobId)}`, body: job });
      if (options.timeoutMs !== undefined && Date.now() - started + interval > options.timeoutMs) {
        throw new GladlyError(`export job ${jobId} did not complete within ${options.timeoutMs}ms (status ${job.status ?? "unknown"})`, {
          method: "GET",
          url: `${ctx.baseUrl}/export/jobs/${encodeURIComponent(jobId)}`,
          body: job,
        });
      }
      // The wait rejects only for the caller's abort, which ends the polling like an abort of a request.
      await sleep(interval, options.signal).catch((reason: unknown) => {
        throw typedError(reason, "GET", `${ctx.baseUrl}/export/jobs/${encodeURIComponent(jobId)}`, options.signal);
      });
      interval = Math.min(options.maxIntervalMs ?? 30_000, interval * 1.5);
    }
  }

  /**
   * Saves every file of a job into `dir`. Each is written to `.<file>.partial` and renamed when
   * complete, so a failed or aborted download never leaves a partial file under the real name;
   * run it again and it resumes from the partial file where the server serves byte ranges.
   */
  async function downloadJob(
    jobId: string,
    dir: string,
    options: { onProgress?: (progress: DownloadProgress) => void; signal?: AbortSignal } = {},
  ): Promise<string[]> {
    const job = await exportOps.getJob({ jobId }, options.signal ? { signal: options.signal } : {});
    const files = job.files ?? [];
    for (const file of files)
      if (file.includes("/") || file.includes("\\") || file === ".." || file === ".")
        throw new GladlyInputError("filename", `${JSON.stringify(file)} is not a plain file name`);
    const { fs, path } = await fileSystem("export.downloadJob", "Read each file with export.readFile() instead.");
    await fs.mkdir(dir, { recursive: true });
    const saved: string[] = [];
    for (const [index, file] of files.entries()) {
      const target = path.join(dir, file);
      const partial = path.join(dir, `.${file}.partial`);
      const have = await fs.stat(partial).then(
        (s) => s.size,
        () => 0,
      );
      const response = await openStream(
        ctx,
        "getFile",
        { jobId, filename: file },
        { ...(options.signal && { signal: options.signal }), ...(have > 0 && { headers: { Range: `bytes=${have}-` } }) },
      );
      const resumed = response.status === 206;
      const length = Number(response.headers.get("content-length") ?? NaN);
      const progress: DownloadProgress = {
        file,
        bytes: resumed ? have : 0,
        totalBytes: Number.isFinite(length) ? length + (resumed ? have : 0) : undefined,
        filesDone: index,
        files: files.length,
      };
      const handle = await fs.open(partial, resumed ? "a" : "w");
      try {
        const body = response.body ?? new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
        await writeBody(
          body,
          handle,
          (bytes) => {
            progress.bytes += bytes;
            options.onProgress?.({ ...progress });
          },
          options.signal,
        );
      } catch (error) {
        // writeBody stops at an abort with the signal's own reason; the call reports it typed.
        throw options.signal?.aborted ? typedError(error, "GET", response.url, options.signal) : error;
      } finally {
        await handle.close();
      }
      await fs.rename(partial, target);
      saved.push(target);
      options.onProgress?.({ ...progress, filesDone: index + 1 });
    }
    return saved;
  }

  return { readFile, jobsBetween, waitForJob, downloadJob };
}
