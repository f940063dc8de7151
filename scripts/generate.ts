/**
 * Codegen: published spec → normalized spec → generated/ (types, manifest, named exports).
 *
 *   npm run generate                      regenerate from openapi/gladly-rest-api-openapi.yml
 *   npm run generate -- --check           exit 1 if generated/ differs from what the spec gives
 *   npm run generate -- --from <path|url> vendor a newer published spec, then regenerate
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { SpecDefectError } from "./lib/normalize.ts";
import { SPEC_FILE, renderAll } from "./lib/render.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

async function loadSpecText(from: string): Promise<string> {
  if (/^https:\/\//.test(from)) {
    const response = await fetch(from, { redirect: "follow" });
    if (!response.ok) throw new Error(`GET ${from} answered ${response.status}`);
    return response.text();
  }
  if (/^[a-z]+:\/\//i.test(from)) throw new Error(`--from takes a file path or an https:// URL, not ${from}`);
  return readFile(from, "utf8");
}

function lineDiff(before: string, after: string): string {
  const a = new Set(before.split("\n"));
  const b = new Set(after.split("\n"));
  const removed = [...a].filter((l) => !b.has(l)).length;
  const added = [...b].filter((l) => !a.has(l)).length;
  return `+${added} -${removed} lines`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { check: { type: "boolean", default: false }, from: { type: "string" } } });
  if (values.check && values.from) throw new Error("--check compares against the vendored spec; it does not take --from");
  const specText = await loadSpecText(values.from ?? join(root, SPEC_FILE));
  const { files, report } = await renderAll(specText);

  for (const r of report) {
    const status = r.count === 0 ? "NO LONGER MATCHES (upstream may have fixed it)" : `${r.count}×`;
    console.log(`repair ${r.name.padEnd(28)} ${status}`);
  }

  if (values.check) {
    const stale: string[] = [];
    for (const [file, content] of files) {
      const current = await readFile(join(root, file), "utf8").catch(() => null);
      if (current === null) stale.push(`${file}: missing`);
      else if (current !== content) stale.push(`${file}: differs (${lineDiff(current, content)})`);
    }
    if (stale.length) {
      console.error(`generated output is out of date with ${SPEC_FILE}:\n  ${stale.join("\n  ")}\nrun \`npm run generate\`.`);
      return 1;
    }
    console.log(`generated/ is up to date (${files.size} files)`);
    return 0;
  }

  if (values.from) {
    await writeFile(join(root, SPEC_FILE), specText);
    console.log(`vendored ${values.from} → ${SPEC_FILE}`);
  }
  for (const [file, content] of files) {
    await mkdir(dirname(join(root, file)), { recursive: true });
    await writeFile(join(root, file), content);
  }
  console.log(`wrote ${[...files.keys()].map((f) => relative(".", join(root, f))).join(", ")}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof SpecDefectError ? `generate: ${error.message}` : error);
    process.exit(2);
  },
);
