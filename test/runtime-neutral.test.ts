/**
 * The main entry, gladly-api/webhooks and gladly-api/public-answers import no Node built-in, so
 * they bundle for the browser platform (Cloudflare Workers, browsers) as esbuild and wrangler do.
 * Only the file-saving helpers reach for node:fs/promises and node:path, lazily, at run time.
 */
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

async function bundle(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [`${root}${entry}`],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

describe("runtime-neutral entries", () => {
  it.each(["src/index.ts", "src/webhooks.ts", "src/public-answers.ts"])(
    "%s bundles for the browser platform",
    async (entry) => {
      const code = await bundle(entry);
      const nodeModules = [...code.matchAll(/(import\(|from |require\()\s*"(node:[^"]+)"/g)].map((m) => `${m[1]}"${m[2]}"`);
      expect(nodeModules).toEqual(entry === "src/index.ts" ? ['import("node:fs/promises"', 'import("node:path"'] : []);
    },
    30_000,
  );
});
