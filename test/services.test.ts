/** How suites that need redis-server or Chromium find them, skip without them, and fail in CI. */
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MissingServiceError, findService, requireService, serviceCommand } from "./helpers/services.ts";

let dir: string;
let empty: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gladly-services-"));
  empty = await mkdtemp(join(tmpdir(), "gladly-services-empty-"));
  await writeFile(join(dir, "redis-server"), "#!/bin/sh\n");
  await chmod(join(dir, "redis-server"), 0o755);
  await writeFile(join(dir, "chromium"), "not executable");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(empty, { recursive: true, force: true });
});

describe("findService", () => {
  it("finds an executable on the PATH and ignores a file that is not executable", () => {
    expect(findService("redis-server", { PATH: `${empty}${delimiter}${dir}` })).toEqual({ found: true, path: join(dir, "redis-server") });
    expect(findService("chromium", { PATH: dir })).toEqual({ found: false, reason: "chromium / chromium-browser not found on the PATH" });
  });

  it("the environment variable wins over the PATH, and a wrong one is reported as such", () => {
    expect(findService("chromium", { PATH: empty, CHROMIUM_PATH: join(dir, "redis-server") })).toEqual({ found: true, path: join(dir, "redis-server") });
    expect(findService("redis-server", { PATH: dir, REDIS_SERVER: "/nowhere/redis-server" })).toEqual({
      found: false,
      reason: "REDIS_SERVER=/nowhere/redis-server is not an executable file",
    });
  });
});

describe("serviceCommand", () => {
  it("is the path found, or the bare name for spawn to report", () => {
    expect(serviceCommand("redis-server", { PATH: empty, REDIS_SERVER: join(dir, "redis-server") })).toBe(join(dir, "redis-server"));
    expect(serviceCommand("redis-server", { PATH: empty })).toBe("redis-server");
  });
});

describe("requireService", () => {
  it("returns the path without printing anything when the program is there", () => {
    const lines: string[] = [];
    expect(requireService("redis-server", "test/x.test.ts", { PATH: dir }, (line) => lines.push(line))).toBe(join(dir, "redis-server"));
    expect(lines).toEqual([]);
  });

  it("absent, prints one line naming the suite, the program and the install command", () => {
    const lines: string[] = [];
    expect(requireService("chromium", "test/browser.test.ts", { PATH: empty }, (line) => lines.push(line))).toBeUndefined();
    expect(lines).toEqual([
      "skipped test/browser.test.ts: chromium / chromium-browser not found on the PATH (install it: apt-get install -y chromium, or set CHROMIUM_PATH)",
    ]);
  });

  it("absent with GLADLY_REQUIRE_SERVICES=1, throws instead of skipping", () => {
    const lines: string[] = [];
    const call = () => requireService("redis-server", "test/redis.test.ts", { PATH: empty, GLADLY_REQUIRE_SERVICES: "1" }, (line) => lines.push(line));
    expect(call).toThrow(MissingServiceError);
    expect(call).toThrow(
      "cannot run test/redis.test.ts: redis-server not found on the PATH (install it: apt-get install -y redis-server, or set REDIS_SERVER); GLADLY_REQUIRE_SERVICES=1 forbids skipping",
    );
    expect(lines).toEqual([]);
  });
});
