import { readFileSync } from "node:fs";
import YAML from "yaml";
import type { Json, Spec } from "../../scripts/lib/spec.ts";

export const SPEC_TEXT = readFileSync(new URL("../../openapi/gladly-rest-api-openapi.yml", import.meta.url), "utf8");

/** A fresh, unrepaired copy of the vendored spec. */
export function rawSpec(): Spec {
  return YAML.parse(SPEC_TEXT) as Spec;
}

/** The smallest document the normalizer accepts, for repair fixtures. */
export function miniSpec(paths: Record<string, Json>, extra: Record<string, Json> = {}): Spec {
  return {
    openapi: "3.0.1",
    info: { title: "t", version: "1" },
    servers: [{ url: "https://{organization}.gladly.com/api/v1" }],
    security: [{ basicAuth: [] }],
    paths: paths as Spec["paths"],
    components: { securitySchemes: { basicAuth: { type: "http", scheme: "basic" } }, schemas: {} },
    ...extra,
  } as Spec;
}

export const ok = (operationId: string, extra: Record<string, Json> = {}): Json => ({
  operationId,
  tags: ["Things"],
  responses: { "200": { description: "ok", content: { "application/json": { schema: { type: "object" } } } } },
  ...extra,
});
