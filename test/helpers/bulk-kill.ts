/**
 * Runs test/helpers/bulk-job.ts in a child process, to its end or until killed with SIGKILL at a
 * chosen point of its journal, and reads the journal it leaves: what the kill -9 / resume test
 * and the bench's resume figures are measured with.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Fault } from "../../src/testing/index.ts";
import type { JobConfig, JobReport } from "./bulk-job.ts";

const SCRIPT = fileURLToPath(new URL("./bulk-job.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface JournalRead {
  header: { format: string; jobId: string; job: string };
  entries: { key: string; status: "done" | "failed" | "sending"; result?: unknown; error?: { name: string } }[];
}

/** The journal's whole lines (a line being written when the file is read is left out). */
export function readJournal(path: string): JournalRead | undefined {
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, "utf8");
  const lines = text.slice(0, text.lastIndexOf("\n") + 1).split("\n");
  lines.pop();
  if (lines.length === 0) return undefined;
  const [header, ...entries] = lines.map((line) => JSON.parse(line) as unknown);
  return { header: header as JournalRead["header"], entries: entries as JournalRead["entries"] };
}

export type JobOutcome = { killed: false; report: JobReport } | { killed: true };

/**
 * Runs the job; `killWhen` is asked every few milliseconds (with the journal as it is) and the
 * child is sent SIGKILL the first time it says yes. Resolves once the child has exited.
 */
export function runJob(config: JobConfig, killWhen?: (journal: JournalRead | undefined) => boolean): Promise<JobOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", SCRIPT, JSON.stringify(config)], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let killed = false;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const poll = killWhen
      ? setInterval(() => {
          if (killed) return;
          let journal: JournalRead | undefined;
          try {
            journal = readJournal(config.journal);
          } catch (error) {
            clearInterval(poll);
            child.kill("SIGKILL");
            reject(error);
            return;
          }
          if (killWhen(journal)) {
            killed = child.kill("SIGKILL");
          }
        }, 5)
      : undefined;
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (poll) clearInterval(poll);
      if (killed && signal === "SIGKILL") return resolve({ killed: true });
      if (code !== 0) return reject(new Error(`bulk job exited with ${code ?? signal}: ${stderr.slice(-2000)}`));
      try {
        resolve({ killed: false, report: JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as JobReport });
      } catch {
        reject(new Error(`bulk job printed no report: ${stdout.slice(-500)} ${stderr.slice(-2000)}`));
      }
    });
  });
}

/**
 * Faults on the create route, `total` of all creates in equal shares: a 500 (not retried: it may
 * have been processed), a 429 with Retry-After, a reset before Gladly processed the request and
 * one after (processed, unanswered: the retry meets a 409 on its id and reads the customer back).
 * Each `probability` is conditional on the faults before it not applying.
 */
export function createFaults(total: number): Fault[] {
  const mix: Fault[] = [{ status: 500 }, { status: 429, retryAfter: 1 }, { resetConnection: "before" }, { resetConnection: "after" }];
  const share = total / mix.length;
  return mix.map((fault, i) => ({ ...fault, match: { operationId: "createCustomer" }, times: Infinity, probability: share / (1 - share * i) }));
}
