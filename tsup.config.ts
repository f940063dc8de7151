import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", testing: "src/testing/index.ts", "public-answers": "src/public-answers.ts", webhooks: "src/webhooks.ts", cli: "src/cli/main.ts" },
  format: ["esm"],
  target: "node20",
  platform: "node",
  dts: { entry: { index: "src/index.ts", testing: "src/testing/index.ts", "public-answers": "src/public-answers.ts", webhooks: "src/webhooks.ts" } },
  clean: true,
  splitting: true,
  sourcemap: false,
});
