/** Optional peer dependencies: a missing one is a typed error naming the package and how to install it. */
import { describe, expect, it } from "vitest";
import { GladlyMissingDependencyError } from "../src/errors.ts";
import { importOptional, isMissingPackage } from "../src/optional.ts";

// A variable specifier, so the test runner resolves it at run time as Node does.
const absent = "gladly-api-no-such-package";

describe("importOptional", () => {
  it("a package that is not installed becomes a GladlyMissingDependencyError with the install command", async () => {
    const error = await importOptional(absent, "gladly mcp", () => import(absent), "with npx: npx -p gladly-api -p x gladly mcp").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GladlyMissingDependencyError);
    expect((error as GladlyMissingDependencyError).dependency).toBe(absent);
    expect((error as Error).message).toBe(
      `gladly mcp needs ${absent}, an optional peer dependency of gladly-api that is not installed: npm install ${absent} (with npx: npx -p gladly-api -p x gladly mcp)`,
    );
    expect(isMissingPackage((error as Error).cause, absent)).toBe(true);
  });

  it("an installed package loads, and any other failure is passed on unchanged", async () => {
    const sdk = await importOptional("@modelcontextprotocol/sdk", "gladly mcp", () => import("@modelcontextprotocol/sdk/server/stdio.js"));
    expect(typeof sdk.StdioServerTransport).toBe("function");
    const other = Object.assign(new Error("Cannot find module './lib.js' imported from /x/node_modules/@modelcontextprotocol/sdk"), {
      code: "ERR_MODULE_NOT_FOUND",
    });
    await expect(importOptional("ajv", "the fake", () => Promise.reject(other))).rejects.toBe(other);
    const boom = new SyntaxError("Unexpected token");
    await expect(importOptional("ajv", "the fake", () => Promise.reject(boom))).rejects.toBe(boom);
  });
});
