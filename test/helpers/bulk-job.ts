/**
 * A bulk job in a process of its own, so that a test or the bench can kill it with SIGKILL at any
 * point and run it again on the same journal. Run as `node --import tsx test/helpers/bulk-job.ts
 * '<JobConfig as JSON>'`; prints one JSON line (a {@link JobReport}) when the job ends.
 */
import { fileJournal, runBulk } from "../../src/bulk/index.ts";
import { createGladlyClient } from "../../src/index.ts";

export interface JobConfig {
  baseUrl: string;
  agentEmail: string;
  apiToken: string;
  /** The journal file: the same file resumes the job. */
  journal: string;
  /**
   * "customers": `rows` customers created (key `row-N`, email `bulk-N@example.com`);
   * "notes": one note added to each conversation of `conversations` (key `note-N`), a call not safe to repeat.
   */
  kind: "customers" | "notes";
  rows?: number;
  conversations?: string[];
  concurrency?: number;
  /** The client's rate limiting (its `rateLimit` option). */
  rateLimit: false | { perSecond: number; adaptive?: boolean };
}

export interface JobReport {
  summary: { jobId: string; total: number; done: number; skipped: number; failed: number; stopped: boolean; elapsedMs: number };
  failed: { key: string; name: string; status?: number | undefined }[];
}

/** The customer of row `n` (from 1): what the job sends, and what a test looks for in the fake. */
export function customerRow(n: number): { key: string; name: string; email: string } {
  return { key: `row-${n}`, name: `Bulk Customer ${n}`, email: `bulk-${n}@example.com` };
}

async function main(config: JobConfig): Promise<void> {
  const client = createGladlyClient({
    baseUrl: config.baseUrl,
    agentEmail: config.agentEmail,
    apiToken: config.apiToken,
    rateLimit: config.rateLimit,
    // Short backoffs: the injected faults are many, and a retry's pace is not what is tested here.
    retry: { maxRetries: 8, initialDelayMs: 5, maxDelayMs: 50 },
  });
  const journal = fileJournal(config.journal);
  const job =
    config.kind === "customers"
      ? runBulk({
          client,
          journal,
          job: "customers.createCustomer",
          concurrency: config.concurrency ?? 10,
          rows: Array.from({ length: config.rows ?? 0 }, (_, i) => customerRow(i + 1)),
          key: (row) => row.key,
          run: (row, ctx) => ctx.gladly.customers.createCustomer({ body: { name: row.name, emails: [{ original: row.email, primary: true }] } }),
        })
      : runBulk({
          client,
          journal,
          job: "conversations.addNoteToConversation",
          concurrency: config.concurrency ?? 1,
          rows: (config.conversations ?? []).map((conversationId, i) => ({ key: `note-${i + 1}`, conversationId })),
          key: (row) => row.key,
          run: (row, ctx) =>
            ctx.gladly.conversations.addNoteToConversation({ conversationId: row.conversationId, body: { content: { body: `note of ${row.key}` } } }),
        });
  const failed: JobReport["failed"] = [];
  for await (const result of job) if (result.status === "failed") failed.push({ key: result.key, name: result.error.name, status: result.error.status });
  const report: JobReport = { summary: await job.summary(), failed };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main(JSON.parse(process.argv[2] ?? "{}") as JobConfig);
