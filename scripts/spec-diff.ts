/**
 * `npm run spec:diff <old> <new>`: what changed between two published specs, in the terms users
 * feel (operations added, removed or changed; schemas added, removed or changed), as Markdown,
 * plus the changeset bump it calls for: major for removals, minor for additions, patch otherwise.
 * Both specs go through the same repairs as `generate`, so only real API changes show.
 */
import { readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import YAML from "yaml";
import { buildManifest, type OperationEntry } from "./lib/manifest.ts";
import { normalize } from "./lib/normalize.ts";
import type { Json } from "./lib/spec.ts";

export interface SpecDiff {
  added: string[];
  removed: string[];
  changed: { operationId: string; what: string[] }[];
  schemasAdded: string[];
  schemasRemoved: string[];
  schemasChanged: string[];
  bump: "major" | "minor" | "patch" | "none";
}

function describeChanges(before: OperationEntry, after: OperationEntry): string[] {
  const what: string[] = [];
  if (before.method !== after.method || before.path !== after.path) what.push(`${before.method} ${before.path} → ${after.method} ${after.path}`);
  const names = (op: OperationEntry) => op.queryParams.map((q) => `${q.name}${q.required ? " (required)" : ""}`);
  const [was, now] = [names(before), names(after)];
  for (const q of now.filter((n) => !was.includes(n))) what.push(`query parameter ${q} added`);
  for (const q of was.filter((n) => !now.includes(n))) what.push(`query parameter ${q} removed`);
  if (before.requestContentType !== after.requestContentType || before.bodyRequired !== after.bodyRequired) what.push("request body changed");
  if (before.responseContentType !== after.responseContentType)
    what.push(`response ${before.responseContentType ?? "none"} → ${after.responseContentType ?? "none"}`);
  if (before.auth !== after.auth) what.push(after.auth ? "now needs credentials" : "no longer needs credentials");
  return what;
}

export function diffSpecs(oldText: string, newText: string): SpecDiff {
  const before = normalize(YAML.parse(oldText) as Json).spec;
  const after = normalize(YAML.parse(newText) as Json).spec;
  const operationsOf = (spec: typeof before) => new Map(buildManifest(spec).map((op) => [op.operationId, op]));
  const oldOps = operationsOf(before);
  const newOps = operationsOf(after);
  const added = [...newOps.keys()].filter((id) => !oldOps.has(id)).sort();
  const removed = [...oldOps.keys()].filter((id) => !newOps.has(id)).sort();
  const changed = [...newOps.keys()]
    .filter((id) => oldOps.has(id))
    .map((id) => ({ operationId: id, what: describeChanges(oldOps.get(id)!, newOps.get(id)!) }))
    .filter((c) => c.what.length > 0);
  const oldSchemas = before.components.schemas ?? {};
  const newSchemas = after.components.schemas ?? {};
  const schemasAdded = Object.keys(newSchemas)
    .filter((n) => !(n in oldSchemas))
    .sort();
  const schemasRemoved = Object.keys(oldSchemas)
    .filter((n) => !(n in newSchemas))
    .sort();
  const schemasChanged = Object.keys(newSchemas)
    .filter((n) => n in oldSchemas && JSON.stringify(oldSchemas[n]) !== JSON.stringify(newSchemas[n]))
    .sort();
  const breaking = removed.length > 0 || schemasRemoved.length > 0 || changed.some((c) => c.what.some((w) => /removed|→|now needs|required\) added/.test(w)));
  const bump = breaking ? "major" : added.length || schemasAdded.length ? "minor" : changed.length || schemasChanged.length ? "patch" : "none";
  return { added, removed, changed, schemasAdded, schemasRemoved, schemasChanged, bump };
}

export function formatDiff(diff: SpecDiff): string {
  const lines = [`## Gladly API changes (changeset: ${diff.bump})`, ""];
  const list = (title: string, items: string[]) => {
    if (items.length) lines.push(`### ${title}`, "", ...items.map((i) => `- ${i}`), "");
  };
  list(
    "Operations added",
    diff.added.map((id) => `\`${id}\``),
  );
  list(
    "Operations removed",
    diff.removed.map((id) => `\`${id}\``),
  );
  list(
    "Operations changed",
    diff.changed.map((c) => `\`${c.operationId}\`: ${c.what.join("; ")}`),
  );
  list(
    "Schemas added",
    diff.schemasAdded.map((n) => `\`${n}\``),
  );
  list(
    "Schemas removed",
    diff.schemasRemoved.map((n) => `\`${n}\``),
  );
  list(
    "Schemas changed",
    diff.schemasChanged.map((n) => `\`${n}\``),
  );
  if (diff.bump === "none") lines.push("No change to operations or schemas.", "");
  return lines.join("\n");
}

/** A changeset for the regenerated client: the bump the API change calls for, and its summary. */
export function changesetFor(diff: SpecDiff): string | undefined {
  if (diff.bump === "none") return undefined;
  return `---\n"gladly-api": ${diff.bump}\n---\n\n${formatDiff(diff).replace(/^## .*\n\n/, "Regenerated from Gladly's newly published API spec.\n\n")}`;
}

if (process.argv[1]?.endsWith("spec-diff.ts")) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { changeset: { type: "string" } } });
  const [oldFile, newFile] = positionals;
  if (!oldFile || !newFile) {
    console.error("usage: npm run spec:diff <old-spec> <new-spec> [--changeset .changeset/name.md]");
    process.exit(2);
  }
  const diff = diffSpecs(await readFile(oldFile, "utf8"), await readFile(newFile, "utf8"));
  console.log(formatDiff(diff));
  const changeset = changesetFor(diff);
  if (values.changeset && changeset) await writeFile(values.changeset, changeset);
}
