import specJson from "../generated/openapi.json" with { type: "json" };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/**
 * The repaired spec that generated/ was made from. The MCP server reads its schemas and prose;
 * the fake Gladly validates and answers by it. Outside src/testing so that published entries
 * (gladly-api/mcp) never load the testing tree.
 */
export const spec = specJson as unknown as JsonObject & { paths: Record<string, JsonObject>; components: { schemas: Record<string, Json> } };
