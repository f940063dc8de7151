/**
 * The system programs a few suites need (redis-server, Chromium). A machine with only Node still
 * passes `npm test`: such a suite is skipped with one line naming the program and how to install
 * it. CI sets GLADLY_REQUIRE_SERVICES=1 (`.ci/run`), which turns that skip into a failure, so the
 * suites always run there.
 */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";

export interface ServiceSpec {
  /** Environment variable holding the program's path, checked before the PATH. */
  env: string;
  /** Names looked up on the PATH, in order. */
  names: readonly string[];
  /** The command that installs it on Debian/Ubuntu (what `.ci/run` does). */
  install: string;
}

export const SERVICES = {
  "redis-server": { env: "REDIS_SERVER", names: ["redis-server"], install: "apt-get install -y redis-server" },
  chromium: { env: "CHROMIUM_PATH", names: ["chromium", "chromium-browser"], install: "apt-get install -y chromium" },
} as const satisfies Record<string, ServiceSpec>;

export type ServiceName = keyof typeof SERVICES;

/** Set by CI: a missing program fails the run instead of skipping suites. */
export const REQUIRE_SERVICES_VARIABLE = "GLADLY_REQUIRE_SERVICES";

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export type ServiceLookup = { found: true; path: string } | { found: false; reason: string };

/** Where the program is: the environment variable when set (and nothing else), else the PATH. */
export function findService(name: ServiceName, env: NodeJS.ProcessEnv = process.env): ServiceLookup {
  const spec: ServiceSpec = SERVICES[name];
  const configured = env[spec.env];
  if (configured) {
    return isExecutableFile(configured) ? { found: true, path: configured } : { found: false, reason: `${spec.env}=${configured} is not an executable file` };
  }
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    for (const candidate of spec.names) {
      const path = join(dir, candidate);
      if (isExecutableFile(path)) return { found: true, path };
    }
  }
  return { found: false, reason: `${spec.names.join(" / ")} not found on the PATH` };
}

/** What to spawn: the path found (REDIS_SERVER, CHROMIUM_PATH, the PATH), else the bare name. */
export function serviceCommand(name: ServiceName, env: NodeJS.ProcessEnv = process.env): string {
  const lookup = findService(name, env);
  return lookup.found ? lookup.path : SERVICES[name].names[0];
}

/** The one line printed for a skipped suite: what, why, and how to get it. */
export function skipLine(name: ServiceName, suite: string, reason: string): string {
  const spec: ServiceSpec = SERVICES[name];
  return `skipped ${suite}: ${reason} (install it: ${spec.install}, or set ${spec.env})`;
}

export class MissingServiceError extends Error {
  override name = "MissingServiceError";
}

/**
 * The program's path, or undefined after printing the one skip line; with
 * GLADLY_REQUIRE_SERVICES=1 a missing program throws instead, failing the suite.
 * Call it at the top of a test file and guard the suite with `describe.skipIf(!path)`.
 */
export function requireService(
  name: ServiceName,
  suite: string,
  env: NodeJS.ProcessEnv = process.env,
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): string | undefined {
  const lookup = findService(name, env);
  if (lookup.found) return lookup.path;
  const line = skipLine(name, suite, lookup.reason);
  if (env[REQUIRE_SERVICES_VARIABLE] === "1")
    throw new MissingServiceError(`${line.replace(/^skipped/, "cannot run")}; ${REQUIRE_SERVICES_VARIABLE}=1 forbids skipping`);
  // Straight to stderr rather than console: vitest prints it as one line, not under a header.
  write(line);
  return undefined;
}
