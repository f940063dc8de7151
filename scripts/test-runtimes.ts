/**
 * `npm run test:runtimes`: the packed tarball, installed into an empty project as a consumer
 * installs it, in Node, Bun, Deno and workerd (Cloudflare Workers' runtime). The runtimes come
 * from their npm packages (devDependencies), so nothing is downloaded at test time. Each one runs
 * scripts/runtimes/check.mjs against a fake Gladly started here on loopback: client calls, typed
 * errors, NDJSON and CSV streams, saving a file (a typed error where there is no file system),
 * Public Answers and the webhook handler. In workerd the worker is bundled by esbuild for the
 * browser platform (what wrangler does) and, besides, answers real deliveries from the fake.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { freePort } from "../test/helpers/ports.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { createGladlyClient } from "../src/index.ts";
import { type FakeGladly, startFakeGladly } from "../src/testing/index.ts";

const run = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name: string) => join(root, "node_modules", ".bin", name);

/** What createGladlyClient() reads from the environment when options leave it out. */
const CLIENT_ENV = ["GLADLY_ORGANIZATION", "GLADLY_AGENT_EMAIL", "GLADLY_API_TOKEN", "GLADLY_ENVIRONMENT", "GLADLY_BASE_URL", "DEBUG"];

/** A timeout for each runtime's whole check: generous for a loaded 2-core machine. */
const RUNTIME_TIMEOUT_MS = 120_000;

interface CheckEnv {
  runtime: string;
  url: string;
  agentEmail: string;
  apiToken: string;
  orgId: string;
  recordingItemId: string;
  saveTo: string | undefined;
}

type CheckResult = { passed: string[] } | { error: string };

/** Packs the package (after building it, unless told not to) and installs it into `app`. */
async function installTarball(work: string, app: string, rebuild: boolean): Promise<string> {
  if (rebuild) await run("npm", ["run", "build"], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  const packed = JSON.parse(
    (await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], { cwd: root, maxBuffer: 64 * 1024 * 1024 })).stdout,
  ) as { filename: string }[];
  const tarball = join(work, packed[0]!.filename);
  await mkdir(app);
  await writeFile(join(app, "package.json"), `${JSON.stringify({ name: "runtime-check", version: "1.0.0", private: true, type: "module" }, null, 2)}\n`);
  await run("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--no-package-lock", tarball], { cwd: app, maxBuffer: 64 * 1024 * 1024 });
  for (const file of ["check.mjs", "run.mjs", "worker.mjs"]) await copyFile(join(root, "scripts", "runtimes", file), join(app, file));
  return tarball;
}

function lastJsonLine(stdout: string): CheckResult {
  const line = stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line) as CheckResult;
  } catch {
    return { error: `no result; output: ${stdout.slice(-2000)}` };
  }
}

/** Node, Bun or Deno running run.mjs in the app. */
async function runProcess(runtime: string, command: string, args: string[], app: string, env: CheckEnv): Promise<CheckResult> {
  try {
    const { stdout } = await run(command, args, {
      cwd: app,
      timeout: RUNTIME_TIMEOUT_MS,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, GLADLY_RUNTIME_CHECK: JSON.stringify(env), NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
      maxBuffer: 16 * 1024 * 1024,
    });
    return lastJsonLine(stdout);
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    return { error: `${runtime} failed: ${failed.message}\n${failed.stdout ?? ""}\n${failed.stderr ?? ""}` };
  }
}

function capnpString(value: string): string {
  return JSON.stringify(value);
}

/** workerd serving the bundled worker on a loopback port, allowed to call loopback only. */
async function startWorkerd(
  app: string,
  env: CheckEnv,
  hook: { username: string; password: string },
): Promise<{ url: string; process: ChildProcess; output: () => string }> {
  // What wrangler does: one ES module bundled for the browser platform, with workerd's conditions.
  await build({
    absWorkingDir: app,
    entryPoints: ["worker.mjs"],
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    target: "es2022",
    outfile: join(app, "worker.bundle.js"),
    logLevel: "error",
  });
  const port = await freePort();
  await writeFile(
    join(app, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    # Outgoing fetches may reach loopback only: the fake Gladly.
    (name = "internet", network = (allow = ["local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);

const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.bundle.js") ],
  compatibilityDate = "2025-09-01",
  bindings = [
    (name = "CHECK", text = ${capnpString(JSON.stringify(env))}),
    (name = "HOOK_USER", text = ${capnpString(hook.username)}),
    (name = "HOOK_PASSWORD", text = ${capnpString(hook.password)}),
  ],
);
`,
  );
  const child = spawn(bin("workerd"), ["serve", "config.capnp"], { cwd: app, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + RUNTIME_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`workerd exited (${child.exitCode}):\n${output}`);
    const ready = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`workerd did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url, process: child, output: () => output };
}

/** The fake registers the worker's /webhook (a PING that must be answered 200), then delivers an event. */
async function deliverToWorker(fake: FakeGladly, workerUrl: string, hook: { username: string; password: string }): Promise<string[]> {
  const gladly = createGladlyClient(fake.clientOptions());
  await gladly.webhooks.createWebhook({ body: { url: `${workerUrl}/webhook`, events: ["CUSTOMER_PROFILE/CREATED"], enabled: true, credentials: hook } });
  await gladly.customers.createCustomer({ body: { id: "delivered-to-workerd", name: "Webhook in workerd" } });
  await fake.webhooksSettled();
  const statuses = fake.deliveries.map((d) => `${d.type} ${d.status}`);
  const received = (await (await fetch(`${workerUrl}/received`)).json()) as string[];
  if (!statuses.includes("PING 200") || !statuses.includes("CUSTOMER_PROFILE/CREATED 200")) throw new Error(`deliveries: ${statuses.join(", ")}`);
  if (!received.includes("delivered-to-workerd")) throw new Error(`the worker's handler saw ${JSON.stringify(received)}`);
  return [`PING answered 200`, `CUSTOMER_PROFILE/CREATED handled`];
}

export async function testRuntimes(options: { build?: boolean; runtimes?: string[] } = {}): Promise<boolean> {
  const wanted = new Set(options.runtimes?.length ? options.runtimes : ["node", "bun", "deno", "workerd"]);
  const work = await mkdtemp(join(tmpdir(), "gladly-runtimes-"));
  const app = join(work, "app");
  let fake: FakeGladly | undefined;
  let workerd: ChildProcess | undefined;
  let ok = true;
  const report = (runtime: string, result: CheckResult) => {
    if ("passed" in result) console.log(`${runtime}: ok (${result.passed.join(", ")})`);
    else {
      ok = false;
      console.log(`${runtime}: FAILED\n${result.error}`);
    }
  };
  try {
    const tarball = await installTarball(work, app, options.build !== false);
    console.log(`packed and installed ${tarball.split("/").at(-1)}`);
    fake = await startFakeGladly({ deliverWebhooks: true });
    const recording = [...fake.state.items.values()].find((item) => (item.content as { type: string }).type === "PHONE_CALL")!;
    const base = { url: fake.url, agentEmail: fake.agentEmail, apiToken: fake.apiToken, orgId: fake.orgId, recordingItemId: recording.id };
    const processes: [string, string, (file: string) => string[]][] = [
      ["node", process.execPath, (file) => [file]],
      ["bun", bin("bun"), (file) => [file]],
      // Deno reads the app's node_modules (package.json beside it). Permissions: loopback, the app's
      // files, and the variables the client reads by default (GLADLY_*, DEBUG).
      [
        "deno",
        bin("deno"),
        (file) => [
          "run",
          "--quiet",
          `--allow-env=GLADLY_RUNTIME_CHECK,${CLIENT_ENV.join(",")}`,
          "--allow-net=127.0.0.1",
          `--allow-read=${app}`,
          `--allow-write=${app}`,
          file,
        ],
      ],
    ];
    for (const [runtime, command, args] of processes) {
      if (!wanted.has(runtime)) continue;
      report(runtime, await runProcess(runtime, command, args("run.mjs"), app, { runtime, ...base, saveTo: join(app, `call-${runtime}.mp3`) }));
    }
    if (wanted.has("workerd")) {
      const hook = { username: "gladly", password: `secret-${Math.random().toString(36).slice(2)}` };
      try {
        const started = await startWorkerd(app, { runtime: "workerd", ...base, saveTo: undefined }, hook);
        workerd = started.process;
        const result = (await (await fetch(`${started.url}/check`, { signal: AbortSignal.timeout(RUNTIME_TIMEOUT_MS) })).json()) as CheckResult;
        if ("passed" in result) result.passed.push(...(await deliverToWorker(fake, started.url, hook)));
        report("workerd", "error" in result ? { error: `${result.error}\n${started.output()}` } : result);
      } catch (error) {
        report("workerd", { error: String((error as Error).stack ?? error) });
      }
    }
  } finally {
    workerd?.kill("SIGTERM");
    await fake?.close();
    await rm(work, { recursive: true, force: true });
  }
  return ok;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const runtimes = args.filter((a) => !a.startsWith("--"));
  process.exitCode = (await testRuntimes({ build: !args.includes("--no-build"), runtimes })) ? 0 : 1;
}
