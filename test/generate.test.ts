import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import YAML from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderAll } from "../scripts/lib/render.ts";
import { SPEC_TEXT } from "./helpers/spec.ts";

const run = promisify(execFile);
const repo = new URL("..", import.meta.url).pathname;

describe("renderAll", () => {
  it("is deterministic and matches what is committed", async () => {
    const first = await renderAll(SPEC_TEXT);
    const second = await renderAll(SPEC_TEXT);
    expect([...second.files]).toEqual([...first.files]);
    for (const [file, content] of first.files) expect(await readFile(join(repo, file), "utf8"), file).toBe(content);
  });

  it("leaves no reference into paths in anything generated", async () => {
    const { files } = await renderAll(SPEC_TEXT);
    for (const [file, content] of files) if (file.startsWith("generated/")) expect(content, file).not.toContain("#/paths/");
  });
});

// Each test spawns the generator (tsx + openapi-typescript) up to three times: seconds each on a busy 2-core machine.
describe("npm run generate", { timeout: 120_000 }, () => {
  let dir: string;
  const generate = (...args: string[]) =>
    run(process.execPath, ["--import", "tsx", "scripts/generate.ts", ...args], { cwd: dir }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gladly-generate-"));
    for (const part of ["scripts", "openapi", "generated", "package.json", "tsconfig.json"]) await cp(join(repo, part), join(dir, part), { recursive: true });
    await symlink(join(repo, "node_modules"), join(dir, "node_modules"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("--check passes on the committed output and lists each repair with its count", async () => {
    const result = await generate("--check");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/repair hoist-path-refs\s+246×/);
    expect(result.stdout).toMatch(/repair missing-operation-ids\s+4×/);
    expect(result.stdout).toContain("generated/ is up to date");
  });

  it("--check fails with a summary when generated/ was edited by hand, and generate restores it", async () => {
    const file = join(dir, "generated/schema.ts");
    const original = await readFile(file, "utf8");
    await writeFile(file, original.replace("export interface paths", "// hand edit\nexport interface paths"));
    const failed = await generate("--check");
    expect(failed.code).toBe(1);
    // the summary reads as what regenerating would do to the file: drop the hand-added line
    expect(failed.stderr).toContain("generated/schema.ts: differs (+0 -1 lines)");
    expect((await generate()).code).toBe(0);
    expect(await readFile(file, "utf8")).toBe(original);
    expect((await generate("--check")).code).toBe(0);
  });

  it("--from vendors a newer spec and reports repairs that no longer match", async () => {
    const newer = YAML.parse(SPEC_TEXT) as { paths: Record<string, unknown> };
    delete newer.paths["/api/v1/custom-attributes/:customAttributeId"];
    const path = join(dir, "newer.yml");
    await writeFile(path, YAML.stringify(newer));
    const result = await generate("--from", path);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/repair colon-path-params\s+NO LONGER MATCHES/);
    expect(await readFile(join(dir, "openapi/gladly-rest-api-openapi.yml"), "utf8")).toBe(await readFile(path, "utf8"));
    expect(await readFile(join(dir, "generated/operations.ts"), "utf8")).not.toContain("getCustomAttribute");
    expect(await readFile(join(dir, "openapi/SOURCE.md"), "utf8")).not.toContain("c1840f62");
  });

  it("fails loudly, naming the defect, on a spec it cannot repair", async () => {
    const broken = YAML.parse(SPEC_TEXT) as { paths: Record<string, Record<string, { operationId?: string }>> };
    delete broken.paths["/api/v1/organization"]!.get!.operationId;
    const path = join(dir, "broken.yml");
    await writeFile(path, YAML.stringify(broken));
    const result = await generate("--from", path);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("GET /organization has no operationId");
  });

  it("rejects --from URLs that are not https", async () => {
    const result = await generate("--from", "http://127.0.0.1:9/spec.yml");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("https://");
  });
});

describe("strict compile of openapi-typescript output", () => {
  async function strictErrors(source: string): Promise<number> {
    const ts = (await import("typescript")).default;
    const file = "/virtual/schema.ts";
    const options = { strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022, types: [] };
    const host = ts.createCompilerHost(options);
    const read = host.getSourceFile.bind(host);
    host.getSourceFile = (name, version) => (name === file ? ts.createSourceFile(name, source, version) : read(name, version));
    const program = ts.createProgram([file], options, host);
    return ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === file).length;
  }

  it("fails on the raw spec and passes on the repaired one", async () => {
    const { default: openapiTS, astToString } = await import("openapi-typescript");
    const raw = astToString(await openapiTS(YAML.parse(SPEC_TEXT), { silent: true }));
    expect(await strictErrors(raw)).toBeGreaterThan(200);
    const { files } = await renderAll(SPEC_TEXT);
    expect(await strictErrors(files.get("generated/schema.ts")!)).toBe(0);
  }, 60_000);
});
