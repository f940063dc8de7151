/** The repaired spec, for the fake: it lives in src/spec.ts because gladly-api/mcp reads it too. */
export { spec } from "../spec.ts";
