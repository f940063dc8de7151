/**
 * Bulk jobs: rows per second through runBulk at Gladly's 10/s against the emulator written apart
 * from the client (loopback, and 100 ms round trips), duplicates and missing rows after a job is
 * killed with SIGKILL and resumed against the fake, and the CLI's `--dry-run` memory on a
 * 1,000,000-row CSV.
 */
import { execFile, spawn } from "node:child_process";
import { createWriteStream, existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runBulk } from "../src/bulk/index.ts";
import { createGladlyClient } from "../src/index.ts";
import { startFakeGladly } from "../src/testing/index.ts";
import { customerRow } from "../test/helpers/bulk-job.ts";
import { createFaults, readJournal, runJob } from "../test/helpers/bulk-kill.ts";
import { type EmulatorOptions, startEmulator } from "../test/helpers/emulator.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

export interface PaceResult {
  /** Rows done per second once the first second is over, as a share of the limit. */
  ratio: number;
  /** Rows over the job's whole time (the first second's burst included), per second. */
  endToEndPerSecond: number;
  rejected: number;
  failed: number;
}

/** `rows` createCustomer rows through runBulk, the client at the organization's `limit`/s. */
export async function bulkPace(rows: number, emulatorOptions: EmulatorOptions): Promise<PaceResult> {
  const emulator = await startEmulator(emulatorOptions);
  const limit = emulatorOptions.limit;
  const client = createGladlyClient({
    baseUrl: emulator.url,
    agentEmail: "bench@example.com",
    apiToken: "bench-token",
    retry: { maxRetries: 10 },
    rateLimit: { perSecond: limit, id: `bulk-${Math.random()}` },
  });
  const job = runBulk({
    client,
    rows: Array.from({ length: rows }, (_, i) => customerRow(i + 1)),
    key: (row) => row.key,
    run: (row, ctx) => ctx.gladly.customers.createCustomer({ body: { name: row.name, emails: [{ original: row.email, primary: true }] } }),
  });
  const doneAt: number[] = [];
  for await (const result of job) if (result.status === "done") doneAt.push(performance.now());
  const summary = await job.summary();
  await emulator.close();
  // The same reading as the limiter's utilization, on the job's side: a sliding window lets the
  // first second's rows go at once, which says nothing about the pace.
  const steady = doneAt.filter((t) => t >= doneAt[0]! + 1000);
  const ratio = steady.length < 2 ? 0 : (steady.length - 1) / (((steady.at(-1)! - steady[0]!) / 1000) * limit);
  return {
    ratio: Number(ratio.toFixed(3)),
    endToEndPerSecond: Number((summary.done / (summary.elapsedMs / 1000)).toFixed(2)),
    rejected: emulator.seen.filter((s) => s.status === 429).length,
    failed: summary.failed,
  };
}

export interface ResumeResult {
  duplicates: number;
  missing: number;
  /** Runs after the kill until one had no failed row (a 500 fails its row until a later run). */
  resumes: number;
  killedAfter: number;
}

/** 2,000 customers, 10 % of creates faulted, SIGKILL at a random journal line, then resumed to the end. */
export async function bulkResume(rows = 2000): Promise<ResumeResult> {
  const dir = await mkdtemp(join(tmpdir(), "gladly-bench-bulk-"));
  const fake = await startFakeGladly({ rateLimit: false, seed: Math.floor(Math.random() * 1e9) });
  try {
    for (const fault of createFaults(0.1)) fake.inject(fault);
    const config = {
      ...fake.clientOptions(),
      journal: join(dir, "journal.jsonl"),
      kind: "customers" as const,
      rows,
      concurrency: 10,
      rateLimit: false as const,
    };
    const killAfter = Math.floor(rows * (0.1 + Math.random() * 0.8));
    const first = await runJob(config, (journal) => (journal?.entries.length ?? 0) >= killAfter);
    if (!first.killed) throw new Error("the job ended before it could be killed");
    let resumes = 0;
    for (; resumes < 8; ) {
      resumes++;
      const outcome = await runJob(config);
      if (!outcome.killed && outcome.report.summary.failed === 0) break;
    }
    const journal = readJournal(config.journal);
    const done = new Set(journal?.entries.filter((e) => e.status === "done").map((e) => e.key));
    const perEmail = new Map<string, number>();
    for (const customer of fake.state.customers.values()) {
      const email = customer.emails?.[0]?.original;
      if (email?.startsWith("bulk-")) perEmail.set(email, (perEmail.get(email) ?? 0) + 1);
    }
    let duplicates = 0;
    let missing = 0;
    for (let n = 1; n <= rows; n++) {
      const { key, email } = customerRow(n);
      const count = perEmail.get(email) ?? 0;
      if (count > 1) duplicates += count - 1;
      // Missing: not in Gladly, or Gladly has it and the journal does not say done.
      if (count === 0 || !done.has(key)) missing++;
    }
    return { duplicates, missing, resumes, killedAfter: killAfter };
  } finally {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes a CSV of `rows` customers, streamed (the file is ~60 MB; it is never held in memory). */
export async function writeCustomersCsv(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  const write = (text: string) => (out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => out.once("drain", resolve)));
  await write("name,email:1,phone:1\n");
  const batch = 1000;
  for (let start = 1; start <= rows; start += batch) {
    let text = "";
    for (let n = start; n < start + batch && n <= rows; n++) text += `Customer ${n},customer-${n}@example.com,+1555${String(n).padStart(7, "0")}\n`;
    await write(text);
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

const run = (command: string, args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(command, args, { cwd: ROOT, maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );

/** Runs a command, stdout to /dev/null, polling its peak RSS (VmHWM in /proc/<pid>/status, which only grows). */
export async function peakRss(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ exitCode: number | null; peakKb: number; seconds: number; stderr: string }> {
  const started = performance.now();
  const child = spawn(command, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  let peakKb = 0;
  const readPeak = () => {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
      if (match) peakKb = Math.max(peakKb, Number(match[1]));
    } catch {
      // Gone between two reads: the last reading stands.
    }
  };
  const poll = setInterval(readPeak, 20);
  const exitCode = await new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  clearInterval(poll);
  return { exitCode, peakKb, seconds: Number(((performance.now() - started) / 1000).toFixed(1)), stderr };
}

export type DryRunResult = { available: false } | { available: true; peakRssMb: number; seconds: number; exitCode: number | null };

/**
 * `gladly bulk customers createCustomer --input <1,000,000-row CSV> --dry-run`, stdout to
 * /dev/null, with the child's peak RSS read from /proc/<pid>/status (VmHWM) as it runs. The built
 * CLI (dist/cli.cjs) is measured, as installed; `available: false` when it has no `bulk` command.
 */
export async function bulkDryRunMemory(rows = 1_000_000): Promise<DryRunResult> {
  const build = await run("npm", ["run", "-s", "build"]);
  const cli = join(ROOT, "dist/cli.cjs");
  if (build.code !== 0 || !existsSync(cli)) throw new Error(`npm run build failed: ${build.stderr.slice(-1000)}`);
  const help = await run(process.execPath, [cli, "bulk", "--help"]);
  if (help.code !== 0 || !help.stdout.includes("--dry-run")) return { available: false };
  const dir = await mkdtemp(join(tmpdir(), "gladly-bench-dry-run-"));
  try {
    const input = join(dir, "customers.csv");
    await writeCustomersCsv(input, rows);
    // No credentials: a dry run sends nothing.
    const measured = await peakRss(process.execPath, [cli, "bulk", "customers", "createCustomer", "--input", input, "--dry-run"], {
      PATH: process.env.PATH ?? "",
    });
    const { exitCode, stderr, peakKb, seconds } = measured;
    if (exitCode !== 0 && exitCode !== 1) throw new Error(`gladly bulk --dry-run exited with ${exitCode}: ${stderr}`);
    return { available: true, peakRssMb: Number((peakKb / 1024).toFixed(1)), seconds, exitCode };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
