import { readFile, writeFile } from "node:fs/promises";
import { Command, CommanderError, Option } from "commander";
import { type OperationEntry, operations } from "../../generated/operations.ts";
import { createGladlyClient } from "../client.ts";
import { VERSION } from "../config.ts";
import { GladlyError, GladlyInputError } from "../errors.ts";
import { importOptional } from "../optional.ts";
import { formatJson, table } from "./format.ts";
import { addBulkCommand } from "./bulk.ts";

export interface CliIo {
  argv: string[];
  env: Record<string, string | undefined>;
  stdout: { write(chunk: string | Uint8Array): unknown; isTTY?: boolean };
  stderr: { write(chunk: string): unknown };
  readStdin(): Promise<string>;
  /** Standard input as a stream, for input too big to hold (`gladly bulk --input -`); else readStdin is used. */
  stdin?: AsyncIterable<Uint8Array | string>;
  /** Resolves when the user asks a long-running command (`gladly fake`) to stop. */
  untilInterrupted(): Promise<void>;
}

/** Bad usage: a message and exit code 2, never a stack trace. */
class UsageError extends Error {}

/** `gladly mcp` runs on the official MCP SDK, an optional peer dependency (Express and ~90 more packages). */
const MCP_SDK = "@modelcontextprotocol/sdk";
const MCP_NPX = "with npx: npx -y -p gladly-api -p @modelcontextprotocol/sdk gladly mcp";

const entries = Object.values(operations) as OperationEntry[];
const groups = [...new Set(entries.map((e) => e.group))].sort();

async function readBodyOption(value: string, io: CliIo): Promise<unknown> {
  let text = value;
  if (value === "-") text = await io.readStdin();
  else if (value.startsWith("@")) {
    try {
      text = await readFile(value.slice(1), "utf8");
    } catch (error) {
      throw new UsageError(`--body ${value}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`--body: not valid JSON (${(error as Error).message})`);
  }
}

function splitList(values: string[]): string[] {
  return values
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
}

/** Every GLADLY_* setting that is missing, at once: learning them one run at a time is tedious. */
function missingSettings(env: CliIo["env"], globals: { baseUrl?: string }): string[] {
  const missing: string[] = [];
  if (globals.baseUrl === undefined && !env.GLADLY_BASE_URL && !env.GLADLY_ORGANIZATION)
    missing.push("GLADLY_ORGANIZATION (or GLADLY_BASE_URL, or --base-url)");
  if (!env.GLADLY_AGENT_EMAIL) missing.push("GLADLY_AGENT_EMAIL");
  if (!env.GLADLY_API_TOKEN) missing.push("GLADLY_API_TOKEN");
  return missing;
}

/** A commander option parser for a number, naming the flag and the value when it is not one. */
function numberOption(flag: string, what: string, valid: (n: number) => boolean) {
  return (value: string): number => {
    const n = value.trim() === "" ? Number.NaN : Number(value);
    if (!valid(n)) throw new UsageError(`${flag} ${value}: not ${what}`);
    return n;
  };
}
const portOption = (flag: string) => numberOption(flag, "a port number (0-65535)", (n) => Number.isInteger(n) && n >= 0 && n <= 65535);

function clientFor(io: CliIo, globals: { sandbox?: boolean; baseUrl?: string }) {
  const missing = missingSettings(io.env, globals);
  if (missing.length) throw new UsageError(`missing setting${missing.length > 1 ? "s" : ""}: set ${missing.join(", ")}`);
  return createGladlyClient({
    env: io.env,
    ...(globals.baseUrl !== undefined && { baseUrl: globals.baseUrl }),
    ...(globals.sandbox && { environment: "sandbox" as const }),
    userAgent: "gladly-cli",
  });
}

function addOperationCommand(group: Command, op: OperationEntry, io: CliIo): void {
  const command = group.command(op.operationId).description(`${op.summary || op.operationId}  (${op.method} ${op.path}${op.auth ? "" : ", no credentials"})`);
  for (const name of op.pathParams) command.addOption(new Option(`--${name} <value>`, "path parameter").makeOptionMandatory());
  for (const q of op.queryParams) {
    const option = new Option(
      q.array ? `--${q.name} <values...>` : `--${q.name} <value>`,
      `query parameter${q.array ? " (repeat, or separate with commas)" : ""}`,
    );
    command.addOption(q.required ? option.makeOptionMandatory() : option);
  }
  if (op.requestContentType) {
    const body = new Option("--body <json>", "request body: inline JSON, @file.json, or - for stdin");
    command.addOption(op.bodyRequired ? body.makeOptionMandatory() : body);
  }
  command.option("--output <file>", "write the response body to a file instead of stdout");
  command.action(async (options: Record<string, unknown>) => {
    const globals = command.optsWithGlobals<{ sandbox?: boolean; baseUrl?: string }>();
    const args: Record<string, unknown> = {};
    for (const name of op.pathParams) args[name] = options[name];
    for (const q of op.queryParams) if (options[q.name] !== undefined) args[q.name] = q.array ? splitList(options[q.name] as string[]) : options[q.name];
    if (options.body !== undefined) args.body = await readBodyOption(options.body as string, io);
    const gladly = clientFor(io, globals) as unknown as Record<string, Record<string, (a: object) => Promise<unknown>>>;
    const data = await gladly[op.group]![op.operationId]!(args);
    const output = options.output as string | undefined;
    if (data === undefined) {
      if (!output) io.stderr.write(`${op.operationId}: done (no content)\n`);
      return;
    }
    if (op.responseKind === "none") {
      // A create's id on stdout, so a script can capture it: id=$(gladly customers createCustomer --body @c.json)
      io.stdout.write(`${String(data)}\n`);
      io.stderr.write(`${op.operationId}: created ${String(data)}\n`);
      return;
    }
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : undefined;
    if (output) {
      await writeFile(output, bytes ?? (typeof data === "string" ? data : `${formatJson(data, true)}\n`));
      io.stderr.write(`${op.operationId}: wrote ${output}\n`);
    } else if (bytes) {
      if (io.stdout.isTTY) throw new UsageError(`${op.operationId} returns binary data (${op.responseContentType ?? "a file"}); use --output <file> or a pipe`);
      io.stdout.write(bytes);
    } else if (typeof data === "string") io.stdout.write(data.endsWith("\n") || !data ? data : `${data}\n`);
    else io.stdout.write(`${formatJson(data, Boolean(io.stdout.isTTY))}\n`);
  });
}

function bar(done: number, total: number | undefined, width = 24): string {
  if (!total) return `${(done / 1024).toFixed(0)} KiB`;
  const filled = Math.min(width, Math.round((done / total) * width));
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${Math.floor((done / total) * 100)}%`;
}

/** `events tail` and `export download`: the streaming helpers, from the command line. */
function addStreamCommands(groupCommands: Map<string, Command>, io: CliIo): void {
  groupCommands
    .get("events")!
    .command("tail")
    .description("follow events live as NDJSON on stdout; --cursor-file makes it resumable")
    .requiredOption("--entities <values...>", "entities to follow (repeat, or separate with commas)")
    .option("--since <time>", "start here (ISO 8601) when there is no cursor; default now")
    .option("--cursor-file <path>", "read the cursor from here, and keep it up to date")
    .option(
      "--interval <ms>",
      "pause between polls",
      numberOption("--interval", "a number of milliseconds", (n) => Number.isFinite(n) && n >= 0),
      5000,
    )
    .option(
      "--lag <ms>",
      "stay this far behind real time (Gladly's events arrive up to 15 s late)",
      numberOption("--lag", "a number of milliseconds", Number.isFinite),
      15_000,
    )
    .action(async function (this: Command, options: { entities: string[]; since?: string; cursorFile?: string; interval: number; lag: number }) {
      const globals = this.optsWithGlobals<{ sandbox?: boolean; baseUrl?: string }>();
      const gladly = clientFor(io, globals);
      let cursor: string | undefined;
      if (options.cursorFile)
        cursor = await readFile(options.cursorFile, "utf8").then(
          (text) => text.trim() || undefined,
          () => undefined,
        );
      const controller = new AbortController();
      void io.untilInterrupted().then(() => controller.abort());
      const save = async (text: string) => {
        if (options.cursorFile) await writeFile(options.cursorFile, `${text}\n`);
      };
      const tail = gladly.events.tail({
        entities: splitList(options.entities) as never,
        ...(cursor ? { cursor } : options.since ? { since: options.since } : {}),
        intervalMs: options.interval,
        lagMs: options.lag,
        signal: controller.signal,
        onCursor: (text) => void save(text),
      });
      for await (const event of tail) io.stdout.write(`${JSON.stringify(event)}\n`);
      await save(tail.cursor);
    });

  groupCommands
    .get("export")!
    .command("download")
    .description("save every file of an export job into a folder, atomically, with progress")
    .argument("<jobId>", "the export job")
    .requiredOption("--dir <path>", "where to save the files")
    .action(async function (this: Command, jobId: string, options: { dir: string }) {
      const globals = this.optsWithGlobals<{ sandbox?: boolean; baseUrl?: string }>();
      const gladly = clientFor(io, globals);
      const tty = Boolean((io.stderr as { isTTY?: boolean }).isTTY);
      const saved = await gladly.export.downloadJob(jobId, options.dir, {
        onProgress: (p) => {
          if (tty) io.stderr.write(`\r${p.file} ${bar(p.bytes, p.totalBytes)} (${p.filesDone}/${p.files} files)   `);
        },
      });
      if (tty) io.stderr.write("\n");
      for (const file of saved) io.stdout.write(`${file}\n`);
    });
}

export function buildProgram(io: CliIo, setExitCode: (code: number) => void = () => {}): Command {
  const program = new Command("gladly")
    .description(
      "Call any Gladly REST API operation, run a fake Gladly, or take the tour.\nCredentials come from GLADLY_ORGANIZATION, GLADLY_AGENT_EMAIL and GLADLY_API_TOKEN (or GLADLY_BASE_URL).",
    )
    .version(VERSION)
    .option("--sandbox", "use https://{org}.gladly.qa instead of .gladly.com")
    .option("--base-url <url>", "full base URL instead of the organization (e.g. a fake Gladly)")
    .showHelpAfterError("(add --help for usage)")
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();

  program
    .command("ops")
    .description("list every operation, by tag")
    .option("--tag <group>", "only this group")
    .option("--json", "as JSON")
    .action((options: { tag?: string; json?: boolean }) => {
      if (options.tag && !groups.includes(options.tag)) throw new UsageError(`--tag ${options.tag}: unknown group; groups are ${groups.join(", ")}`);
      const selected = entries
        .filter((e) => !options.tag || e.group === options.tag)
        .sort((a, b) => a.group.localeCompare(b.group) || a.operationId.localeCompare(b.operationId));
      if (options.json) {
        io.stdout.write(`${formatJson(selected, Boolean(io.stdout.isTTY))}\n`);
        return;
      }
      io.stdout.write(
        `${table(
          ["group", "operation", "method", "path", "summary"],
          selected.map((e) => [e.group, e.operationId, e.method, e.path, e.summary]),
        )}\n`,
      );
    });

  program
    .command("fake")
    .description("run a fake Gladly on 127.0.0.1 until interrupted")
    .option("--port <port>", "port (default: a free one)", portOption("--port"))
    .option("--seed <n>", "seed for ids and data", numberOption("--seed", "a whole number", Number.isSafeInteger))
    .option("--no-rate-limit", "turn Gladly's rate limits off")
    .option("--cors-origin <origins...>", "origins allowed to call the Public Answers API (default: any)")
    .action(async (options: { port?: number; seed?: number; rateLimit: boolean; corsOrigin?: string[] }) => {
      // Loaded when used: the fake's validators cost every other command ~12 MB and startup time.
      const { startFakeGladly } = await import("../testing/fake.ts");
      const fake = await startFakeGladly({
        ...(options.port !== undefined && { port: options.port }),
        ...(options.seed !== undefined && { seed: options.seed }),
        ...(!options.rateLimit && { rateLimit: false as const }),
        ...(options.corsOrigin && { corsOrigins: splitList(options.corsOrigin) }),
      });
      io.stdout.write(
        [
          `fake Gladly listening on ${fake.url}`,
          `  export GLADLY_BASE_URL=${fake.url}`,
          `  export GLADLY_AGENT_EMAIL=${fake.agentEmail}`,
          `  export GLADLY_API_TOKEN=${fake.apiToken}`,
          `  orgId for Public Answers: ${fake.orgId}`,
          "",
        ].join("\n"),
      );
      await io.untilInterrupted();
      await fake.close();
    });

  program
    .command("mcp")
    .description("serve Gladly's operations as MCP tools over stdio (read-only unless --allow-writes)")
    .option("--allow-writes", "offer operations that create or change data")
    .option("--allow-messaging", "also offer sending to customers (SMS, email, replies, campaign recipients)")
    .option("--allow-destructive", "also offer deletions and redaction")
    .option("--tags <groups...>", "only these groups (repeat, or separate with commas)")
    .option("--dynamic", "three meta-tools (search, describe, call) instead of one tool per operation: under 1k tokens")
    .option(
      "--max-response-chars <n>",
      "cut longer answers between records; the rest by offset",
      numberOption("--max-response-chars", "a positive whole number", (n) => Number.isSafeInteger(n) && n > 0),
      20_000,
    )
    .option("--http <port>", "serve Streamable HTTP on 127.0.0.1:<port>/mcp instead of stdio", portOption("--http"))
    .action(
      async (options: {
        allowWrites?: boolean;
        allowMessaging?: boolean;
        allowDestructive?: boolean;
        tags?: string[];
        dynamic?: boolean;
        maxResponseChars: number;
        http?: number;
      }) => {
        const globals = program.opts<{ sandbox?: boolean; baseUrl?: string }>();
        const { createGladlyMcpServer, serveGladlyMcpHttp } = await importOptional(MCP_SDK, "gladly mcp", () => import("../mcp.ts"), MCP_NPX);
        const settings = {
          ...(options.allowWrites && { allowWrites: true }),
          ...(options.allowMessaging && { allowMessaging: true }),
          ...(options.allowDestructive && { allowDestructive: true }),
          ...(options.tags && { tags: splitList(options.tags) }),
          ...(options.dynamic && { mode: "dynamic" as const }),
          maxResponseChars: options.maxResponseChars,
        };
        if (options.http !== undefined) {
          const served = await serveGladlyMcpHttp(clientFor(io, globals), { ...settings, port: options.http });
          io.stderr.write(`gladly MCP server on ${served.url}\n`);
          await io.untilInterrupted();
          await served.close();
          return;
        }
        const { StdioServerTransport } = await importOptional(MCP_SDK, "gladly mcp", () => import("@modelcontextprotocol/sdk/server/stdio.js"), MCP_NPX);
        const server = createGladlyMcpServer(clientFor(io, globals), settings);
        const closed = new Promise<void>((resolve) => (server.onclose = resolve));
        // The SDK's stdio transport does not notice stdin ending, and nothing else would settle the
        // wait below: the process then ended with code 13 ("unsettled top-level await").
        const stdinEnded = new Promise<void>((resolve) => process.stdin.once("end", resolve).once("close", resolve));
        await server.connect(new StdioServerTransport());
        // Ends when the MCP client goes away (stdin closes) or on Ctrl-C.
        await Promise.race([io.untilInterrupted(), closed, stdinEnded]);
        await server.close();
      },
    );

  program
    .command("demo")
    .description("the tour behind `npm start`: a fake Gladly, or read-only against your organization")
    .action(async () => {
      const globals = program.opts<{ sandbox?: boolean }>();
      const { runTour } = await import("./tour.ts");
      await runTour({ env: io.env, write: (text) => io.stdout.write(`${text}\n`), ...(globals.sandbox && { sandbox: true }) });
    });

  addBulkCommand(program, io, (command) => clientFor(io, command.optsWithGlobals<{ sandbox?: boolean; baseUrl?: string }>()), setExitCode);

  const groupCommands = new Map<string, Command>();
  for (const group of groups) {
    const command = program.command(group).description(`operations tagged ${entries.find((e) => e.group === group)!.tag}`);
    for (const op of entries.filter((e) => e.group === group)) addOperationCommand(command, op, io);
    groupCommands.set(group, command);
  }
  addStreamCommands(groupCommands, io);
  return program;
}

/** Runs the CLI; resolves to the process exit code (0 ok, 1 the call failed, 2 bad usage, 130 `bulk` interrupted). */
export async function runCli(io: CliIo): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(io.argv, { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return 0;
      return 2; // commander already printed what was wrong
    }
    if (error instanceof UsageError || error instanceof GladlyInputError) {
      io.stderr.write(`gladly: ${error.message}\n`);
      return 2;
    }
    if (error instanceof GladlyError) {
      io.stderr.write(`gladly: ${error.message}\n`);
      if (error.errors.length) io.stderr.write(`${formatJson({ errors: error.errors }, true)}\n`);
      return 1;
    }
    io.stderr.write(`gladly: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  }
}
