/** The published gladly-api/mcp entry, as a bundler sees it. */
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

describe("gladly-api/mcp", () => {
  it("does not load the testing tree (the fake, its handlers) to read the spec", async () => {
    const result = await build({
      entryPoints: ["src/mcp.ts"],
      bundle: true,
      write: false,
      metafile: true,
      platform: "node",
      format: "esm",
      packages: "external",
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain("generated/openapi.json");
    expect(inputs.filter((file) => file.startsWith("src/testing/"))).toEqual([]);
  });
});
