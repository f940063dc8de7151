import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Plugin } from "esbuild";
import { defineConfig } from "tsup";

const library = {
  index: "src/index.ts",
  testing: "src/testing/index.ts",
  "public-answers": "src/public-answers.ts",
  webhooks: "src/webhooks.ts",
  mcp: "src/mcp.ts",
  bulk: "src/bulk/index.ts",
};

/**
 * Packages compiled into dist rather than installed: the fake's validator (ajv) and the CLI's
 * argument parser (commander). Installed, they cost 5 packages and 2.7 MB on every user of the
 * client; bundled, a few hundred KB that load only with gladly-api/testing or the `gladly`
 * command. They are devDependencies, which tsup bundles; their licenses ship in dist.
 * gladly-api/bulk and `gladly bulk` add the CSV reader and writer (csv-parse, which MCP's
 * report paging also uses, csv-stringify), ajv-formats for checking rows, and the progress bar
 * (cli-progress).
 */
const BUNDLED = ["ajv", "commander", "ajv-formats", "csv-parse", "csv-stringify", "cli-progress"];

/**
 * The repaired spec (the fake and the MCP server read it) ships once, as dist/openapi.json,
 * instead of inlined into the ESM chunk, the CJS chunk and the CLI (3 × 470 KB).
 */
function specFromDist(format: "esm" | "cjs"): Plugin {
  return {
    name: "gladly-spec-from-dist",
    setup(build) {
      build.onResolve({ filter: /generated[\\/]openapi\.json$/ }, () => ({ path: "openapi.json", namespace: "gladly-spec" }));
      build.onResolve({ filter: /^\.\/openapi\.json$/, namespace: "gladly-spec" }, () => ({ path: "./openapi.json", external: true }));
      build.onLoad({ filter: /.*/, namespace: "gladly-spec" }, () => ({
        // Chunks sit next to openapi.json in dist/.
        contents:
          format === "esm"
            ? `import { createRequire } from "node:module";\nexport default createRequire(import.meta.url)("./openapi.json");\n`
            : `module.exports = require("./openapi.json");\n`,
        loader: "js",
      }));
    },
  };
}

/** Each bundled package and the packages it depends on, with their license texts. */
function bundledLicenses(): string {
  const seen = new Map<string, string>();
  const visit = (name: string, from: string) => {
    // Not require.resolve(`${name}/package.json`): packages with "exports" may not expose it.
    const manifestPath = (createRequire(from).resolve.paths(name) ?? []).map((dir) => join(dir, name, "package.json")).find((path) => existsSync(path));
    if (!manifestPath) throw new Error(`cannot find ${name}, bundled into dist`);
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as {
      name: string;
      version: string;
      license: string;
      dependencies?: Record<string, string>;
    };
    const key = `${manifest.name}@${manifest.version}`;
    if (seen.has(key)) return;
    const dir = dirname(manifestPath);
    // LICENSE-MIT.txt: emoji-regex (cli-progress → string-width).
    const file = ["LICENSE", "license", "LICENSE.md", "LICENSE.txt", "LICENSE-MIT.txt"]
      .map((f) => join(dir, f))
      .find((f) => {
        try {
          return readFileSync(f, "utf8").length > 0;
        } catch {
          return false;
        }
      });
    if (!file) throw new Error(`${key} (bundled into dist) has no license file`);
    seen.set(key, `${key} (${manifest.license})\n\n${readFileSync(file, "utf8").trim()}\n`);
    for (const dependency of Object.keys(manifest.dependencies ?? {})) visit(dependency, manifestPath);
  };
  for (const name of BUNDLED) visit(name, join(process.cwd(), "package.json"));
  return `Third-party code compiled into this package's dist/ files:\n\n${[...seen.values()].join("\n---\n\n")}`;
}

export default defineConfig([
  // ESM: the library, with its declarations (.d.ts).
  {
    entry: library,
    format: ["esm"],
    target: "node20",
    platform: "node",
    dts: true,
    clean: true,
    splitting: true,
    sourcemap: false,
    esbuildPlugins: [specFromDist("esm")],
    async onSuccess() {
      const spec = JSON.parse(readFileSync("generated/openapi.json", "utf8")) as unknown;
      writeFileSync("dist/openapi.json", JSON.stringify(spec));
      writeFileSync("dist/THIRD-PARTY-LICENSES.txt", bundledLicenses());
    },
  },
  // CommonJS: the library, with its own declarations (.d.cts), and the CLI in the same build so
  // that it imports the library's chunks instead of carrying its own copy of the client.
  {
    entry: { ...library, cli: "src/cli/main.ts" },
    format: ["cjs"],
    target: "node20",
    platform: "node",
    dts: { entry: library },
    clean: false,
    splitting: true,
    sourcemap: false,
    esbuildPlugins: [specFromDist("cjs")],
  },
]);
