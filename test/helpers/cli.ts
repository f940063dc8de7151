/** The `gladly` command run in-process with a fake CliIo: what the bulk tests share. */
import { type CliIo, runCli } from "../../src/cli/program.ts";
import type { FakeGladly } from "../../src/testing/index.ts";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout's lines, parsed as JSON. */
  lines: Record<string, unknown>[];
  /** The last of them (the bulk summary). */
  summary: Record<string, unknown>;
}

/** The GLADLY_* settings that point the command at `fake`. */
export const fakeEnv = (fake: FakeGladly) => ({ GLADLY_BASE_URL: fake.url, GLADLY_AGENT_EMAIL: fake.agentEmail, GLADLY_API_TOKEN: fake.apiToken });

/** Runs `gladly <args>`, by default against `fake`; stdout lines that are not JSON fail the parse. */
export async function runGladly(
  fake: FakeGladly,
  args: string[],
  options: { env?: Record<string, string | undefined>; io?: Partial<CliIo> } = {},
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await runCli({
    argv: args,
    env: options.env ?? fakeEnv(fake),
    stdout: {
      write: (chunk) => {
        stdout += String(chunk);
        return true;
      },
    },
    stderr: {
      write: (chunk) => {
        stderr += chunk;
        return true;
      },
    },
    readStdin: async () => "",
    untilInterrupted: () => new Promise<void>(() => {}),
    ...options.io,
  });
  const lines = stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, stdout, stderr, lines, summary: lines.at(-1) ?? {} };
}

/** Everything an async iterable gives (the rows readRows reads). */
export async function collectAll<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}
