/**
 * Doc comments for generated/: every generated export carries one, so the API reference (TypeDoc,
 * `npm run docs`) documents it and editors show it on hover.
 */
import { isObject, type Json } from "./spec.ts";

/** Where the spec's relative links (`index.html#tag/…`, `#section/…`, `assets/…`) resolve: Gladly's REST API reference. */
export const GLADLY_REST_DOCS = "https://developer.gladly.com/rest/";

/**
 * The spec's descriptions link relative to Gladly's own reference page; copied into doc comments those
 * links lead nowhere (and TypeDoc rejects them), so they are made absolute.
 */
export function absoluteLinks(markdown: string): string {
  return markdown.replace(/\]\((?![a-z][a-z0-9+.-]*:)([^)\s]+)\)/gi, (_, target: string) => `](${new URL(target, GLADLY_REST_DOCS).href})`);
}

/** `/** text *\/`, one line or several, indented; `*\/` inside the text cannot end it early. */
export function docComment(text: string, indent = ""): string {
  const lines = text.replace(/\*\//g, "*\\/").trim().split("\n");
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((line) => `${indent} *${line ? ` ${line}` : ""}`).join("\n")}\n${indent} */\n`;
}

/** What a named schema is: the first paragraph of its description, else its title when that says more than its name. */
export function schemaSummary(name: string, schema: Json | undefined): string {
  const plain = (value: unknown) => (typeof value === "string" ? value.trim() : "");
  const description = isObject(schema) ? plain(schema.description) : "";
  const title = isObject(schema) ? plain(schema.title) : "";
  const squash = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, "");
  const summary = description ? description.split(/\n\s*\n/)[0]!.replace(/\s*\n\s*/g, " ") : squash(title) !== squash(name) ? title : "";
  const where = `The \`${name}\` schema of Gladly's REST API (\`components["schemas"]["${name}"]\`)`;
  return summary ? `${where}: ${absoluteLinks(summary)}${/[.!?:]$/.test(summary) ? "" : "."}` : `${where}.`;
}

/** The doc comment of each top-level declaration openapi-typescript emits. */
const SCHEMA_DECLARATIONS: [declaration: string, doc: string][] = [
  ["export interface paths {", "Every path of Gladly's REST API with its operations, as openapi-typescript types them (what `openapi-fetch` takes)."],
  ["export type webhooks = ", "The spec's top-level `webhooks` (none: Gladly documents its webhook events as schemas, see `WebhookEvent`)."],
  ["export interface components {", "The spec's reusable parts: `schemas` (also exported one by one under their own names), `responses`, `parameters`."],
  ["export type $defs = ", "The spec's `$defs` (none)."],
  ["export interface operations {", "Every operation by operationId: its parameters, request body and responses (exported as `OperationTypes`)."],
];

/** openapi-typescript's output with a doc comment on each top-level declaration and absolute links in every comment. */
export function documentSchema(source: string): string {
  const lines = source.split("\n").map((line) => (/^\s*\*/.test(line) ? absoluteLinks(line) : line));
  for (const [declaration, doc] of SCHEMA_DECLARATIONS) {
    const found = lines.filter((line) => line.startsWith(declaration)).length;
    if (found !== 1) throw new Error(`openapi-typescript output has ${found} \`${declaration}\` declarations, expected 1: update SCHEMA_DECLARATIONS`);
    const at = lines.findIndex((line) => line.startsWith(declaration));
    lines.splice(at, 0, docComment(doc).trimEnd());
  }
  const out = lines.join("\n");
  return out;
}
