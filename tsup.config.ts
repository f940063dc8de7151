import { defineConfig } from "tsup";

const library = {
  index: "src/index.ts",
  testing: "src/testing/index.ts",
  "public-answers": "src/public-answers.ts",
  webhooks: "src/webhooks.ts",
  mcp: "src/mcp.ts",
};

export default defineConfig([
  // The library: ESM and CommonJS, each with its own declarations (.d.ts / .d.cts).
  {
    entry: library,
    format: ["esm", "cjs"],
    target: "node20",
    platform: "node",
    dts: true,
    clean: true,
    splitting: true,
    sourcemap: false,
  },
  // The CLI: ESM only (it uses top-level await).
  {
    entry: { cli: "src/cli/main.ts" },
    format: ["esm"],
    target: "node20",
    platform: "node",
    dts: false,
    clean: false,
    splitting: false,
    sourcemap: false,
  },
]);
