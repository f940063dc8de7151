// @ts-check
/**
 * The API reference (`npm run docs` → api-docs/, not committed). Warnings are errors, and every
 * declaration a user can reach must carry a doc comment, so an undocumented export fails CI.
 */
import { OptionDefaults } from "typedoc";

/** @type {Partial<import("typedoc").TypeDocOptions>} */
export default {
  // The package's entry points, as package.json "exports" names them.
  entryPoints: ["src/index.ts", "src/public-answers.ts", "src/webhooks.ts", "src/testing/index.ts", "src/mcp.ts", "src/bulk/index.ts"],
  out: "api-docs",
  // The README is the guide, read on GitHub and npm; it links into the repository (folders TypeDoc
  // cannot copy). The reference starts from the entry points' module comments.
  readme: "none",
  plugin: [
    // Types the exports use but do not export (the stream helpers behind `gladly.events`, …) are
    // documented under "<internal>" instead of being missing from the reference.
    "typedoc-plugin-missing-exports",
    "./scripts/typedoc/shorthand-docs.mjs",
  ],
  treatWarningsAsErrors: true,
  // No links to sources: they need a GitHub remote, which a fresh clone (CI's) does not have.
  disableSources: true,
  // openapi-typescript writes the spec's descriptions as @description (generated/schema.ts).
  blockTags: [...OptionDefaults.blockTags, "@description"],
  // Every declaration kind a user names or calls. Not Property: the generated schema types hold
  // thousands of properties the spec leaves undescribed, and generated/ is never edited by hand;
  // its exports themselves are documented by the generator (scripts/lib/docs.ts).
  requiredToBeDocumented: ["Enum", "EnumMember", "Variable", "Function", "Class", "Interface", "TypeAlias", "Method", "Accessor"],
  validation: { notExported: true, notDocumented: true, invalidLink: true, invalidPath: true, rewrittenLink: true, unusedMergeModuleWith: true },
};
