import type { Json, JsonObject } from "./json.ts";
import specJson from "../../generated/openapi.json" with { type: "json" };

/** The repaired spec that generated/ was made from: the fake validates and answers by it. */
export const spec = specJson as unknown as JsonObject & { paths: Record<string, JsonObject>; components: { schemas: Record<string, Json> } };
