import { createHash } from "node:crypto";
import YAML from "yaml";
import { emitManifest, emitNamedTypes, emitRepairsDoc, emitSchema, emitSourceDoc, emitWebhookEvents, type SourceInfo } from "./emit.ts";
import { buildManifest } from "./manifest.ts";
import { type RepairReport, normalize } from "./normalize.ts";
import type { Json } from "./spec.ts";

export const SPEC_FILE = "openapi/gladly-rest-api-openapi.yml";

/** Everything `generate` writes, keyed by repository-relative path; pure, so `--check` can compare. */
export async function renderAll(specText: string): Promise<{ files: Map<string, string>; report: RepairReport[] }> {
  const source: SourceInfo = { file: SPEC_FILE, sha256: createHash("sha256").update(specText).digest("hex") };
  const { spec, report } = normalize(YAML.parse(specText) as Json);
  const files = new Map<string, string>([
    ["generated/openapi.json", `${JSON.stringify(spec, null, 2)}\n`],
    ["generated/schema.ts", await emitSchema(spec, source)],
    ["generated/types.ts", emitNamedTypes(spec, source)],
    ["generated/operations.ts", emitManifest(buildManifest(spec), source)],
    ["generated/webhook-events.ts", emitWebhookEvents(spec, source)],
    ["openapi/REPAIRS.md", emitRepairsDoc(report, source)],
    ["openapi/SOURCE.md", emitSourceDoc(source, Buffer.byteLength(specText))],
  ]);
  return { files, report };
}
