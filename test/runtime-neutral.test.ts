/**
 * The main entry, gladly-api/webhooks and gladly-api/public-answers import no Node built-in, so
 * they bundle for the browser platform (Cloudflare Workers, browsers) as esbuild and wrangler do.
 * Only the file-saving helpers reach for node:fs/promises and node:path, lazily, at run time.
 */
import { describe, expect, it } from "vitest";
import { bundleForBrowser as bundle } from "../scripts/size.ts";

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
