/**
 * The regenerate-on-spec-change job: a pull request it opens with the default token triggers no
 * other workflow, so the job itself must check what it opens, and say so in the PR body.
 */
import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";

interface Step {
  id?: string;
  name?: string;
  if?: string;
  run?: string;
  uses?: string;
  with?: Record<string, string>;
}

const workflow = parse(await readFile(".github/workflows/regenerate-spec.yml", "utf8")) as { jobs: { regenerate: { steps: Step[] } } };
const steps = workflow.jobs.regenerate.steps;
const prIndex = steps.findIndex((s) => s.uses?.startsWith("peter-evans/create-pull-request"));
const checksIndex = steps.findIndex((s) => s.id === "checks");

describe("regenerate-spec.yml", () => {
  it("checks the regenerated client before opening the pull request", () => {
    expect(checksIndex).toBeGreaterThan(-1);
    expect(prIndex).toBeGreaterThan(checksIndex);
    const script = steps[checksIndex]!.run!;
    for (const command of ["npm run generate -- --check", "npm run typecheck", "npm run build", "npm test"]) expect(script).toContain(command);
    expect(steps.slice(0, checksIndex).some((s) => s.run?.includes("redis-server") && s.run.includes("chromium"))).toBe(true);
  });

  it("opens the pull request even when a check failed, with the outcome in its body and title", () => {
    const pr = steps[prIndex]!;
    expect(pr.if).toMatch(/\balways\(\)/);
    expect(pr.if).toContain("steps.diff.outputs.changed == 'true'");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a template
    expect(pr.with!["body-path"]).toBe("${{ runner.temp }}/summary.md");
    expect(pr.with!.title).toContain("steps.checks.outputs.failed");
    expect(pr.with!.title).toContain("FAILING");
  });
});

describe("the checks step's script", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Runs the step's script with an `npm` that fails the commands named in `failing`. */
  async function runChecks(failing: string[]) {
    dir = await mkdtemp(join(tmpdir(), "gladly-regenerate-"));
    const npm = join(dir, "npm");
    await writeFile(
      npm,
      `#!/usr/bin/env bash\necho "npm $*"\ncase "$*" in\n${failing.map((f) => `  "${f}") echo "boom in ${f}"; exit 1 ;;`).join("\n")}\nesac\nexit 0\n`,
    );
    await chmod(npm, 0o755);
    await writeFile(join(dir, "summary.md"), "# API change\n");
    await writeFile(join(dir, "output"), "");
    await promisify(execFile)("bash", ["-e", "-o", "pipefail", "-c", steps[checksIndex]!.run!], {
      env: { PATH: `${dir}:${process.env.PATH}`, RUNNER_TEMP: dir, GITHUB_OUTPUT: join(dir, "output") },
    });
    return { body: await readFile(join(dir, "summary.md"), "utf8"), output: await readFile(join(dir, "output"), "utf8") };
  }

  it("records every check's outcome and does not stop at a failing one", async () => {
    const { body, output } = await runChecks(["test"]);
    expect(output).toBe("failed=true\n");
    expect(body).toMatch(/^# API change\n/);
    expect(body).toContain("## Checks: FAILING");
    expect(body).toContain("| `npm run typecheck` | passed |");
    expect(body).toContain("| `npm run build` | passed |");
    expect(body).toContain("| `npm test` | **failed** |");
    expect(body).toContain("boom in test");
  });

  it("says all passed when they did", async () => {
    const { body, output } = await runChecks([]);
    expect(output).toBe("failed=false\n");
    expect(body).toContain("## Checks: all passed");
    expect(body).not.toContain("failed");
  });
});
