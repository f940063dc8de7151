import { type Json, type JsonObject, type Spec, collectRefs, decodePointer, isObject, pascalCase, resolvePointer, transform } from "../lib/spec.ts";
import type { Repair } from "./types.ts";

interface Target {
  ref: string;
  tokens: string[];
  node: JsonObject;
  kind: "schemas" | "examples";
  name?: string;
}

const MAX_TITLE_WORDS = 5;

function titleName(node: JsonObject): string | undefined {
  if (typeof node.title !== "string") return undefined;
  const words = node.title
    .replace(/\([^)]*\)/g, " ")
    .trim()
    .split(/\s+/);
  return words.length <= MAX_TITLE_WORDS ? pascalCase(node.title) : undefined;
}

function singular(word: string): string {
  return word.endsWith("ies") ? `${word.slice(0, -3)}y` : word.endsWith("s") ? word.slice(0, -1) : word;
}

/** `getAnswerContentByLanguageAndType` → `AnswerContent`; `sendSMS` → `SendSMS`. */
function operationBase(spec: Spec, tokens: string[]): string {
  const op = resolvePointer(spec, tokens.slice(0, 3));
  const id = isObject(op) && typeof op.operationId === "string" ? op.operationId : pascalCase(`${tokens[2]} ${tokens[1]}`);
  const stripped = id.replace(/^(get|find)(?=[A-Z])/, "").replace(/By[A-Z].*$/, "");
  return pascalCase(stripped === id ? id : stripped);
}

/**
 * Readable, deterministic names: a short title wins; otherwise the enclosing name plus the
 * property (singular for array items); otherwise the operation the schema belongs to.
 */
function deriveName(spec: Spec, target: Target, named: Map<JsonObject, string>): string[] {
  const { tokens, node } = target;
  if (target.kind === "examples") return [pascalCase(tokens[tokens.length - 1]!)];
  const candidates: string[] = [];
  const title = titleName(node);
  if (title) candidates.push(title);

  // The nearest enclosing object that has a name of its own: hoisted, or titled and not a mere property.
  let parent = "";
  for (let depth = tokens.length - 1; depth > 3 && !parent; depth--) {
    const ancestor = resolvePointer(spec, tokens.slice(0, depth));
    if (!isObject(ancestor)) continue;
    const isProperty = tokens[depth - 2] === "properties";
    parent = named.get(ancestor) ?? (!isProperty && (ancestor.type || ancestor.properties) ? titleName(ancestor) : undefined) ?? "";
  }
  const last = tokens[tokens.length - 1]!;
  const beforeLast = tokens[tokens.length - 2];
  const property = beforeLast === "properties" ? last : last === "items" && tokens[tokens.length - 3] === "properties" ? singular(beforeLast!) : undefined;
  const base = operationBase(spec, tokens);
  if (property) candidates.push((parent || base) + pascalCase(property));
  const where = tokens[3] === "requestBody" ? "Request" : tokens[2] === "get" ? "" : "Response";
  if (tokens[tokens.length - 1] === "schema") candidates.push(base + where);
  if (parent) candidates.push(parent + pascalCase(last));
  candidates.push(
    base +
      pascalCase(
        tokens
          .slice(3)
          .filter((t) => !/^(content|schema|properties|application\/.*)$/.test(t))
          .join(" "),
      ),
  );
  return candidates;
}

/** Hoists every `$ref` target that lives under `paths` into `components`, and points all references there. */
export const hoistPathRefs: Repair = {
  name: "hoist-path-refs",
  reason: "references into #/paths/… (some URL-encoded) are not valid component references and break openapi-typescript",
  apply(spec) {
    const refs = collectRefs(spec).filter((r) => r.ref.startsWith("#/paths/"));
    const byRef = new Map<string, Target>();
    for (const { ref } of refs) {
      if (byRef.has(ref)) continue;
      const tokens = decodePointer(ref);
      const node = resolvePointer(spec, tokens);
      if (!isObject(node)) throw new Error(`hoist-path-refs: ${ref} does not resolve to an object`);
      if (typeof node.$ref === "string") throw new Error(`hoist-path-refs: ${ref} points at another reference`);
      byRef.set(ref, { ref, tokens, node, kind: tokens[tokens.length - 2] === "examples" ? "examples" : "schemas" });
    }

    // Parents are named before their children, and operations before webhook payloads, so
    // the API's own objects get the short names (Conversation, Customer, …).
    const isWebhook = (t: Target) => (t.tokens[1]!.startsWith("/api/") ? 0 : 1);
    const targets = [...byRef.values()].sort(
      (a, b) => isWebhook(a) - isWebhook(b) || a.tokens.length - b.tokens.length || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0),
    );
    const named = new Map<JsonObject, string>();
    for (const target of targets) {
      spec.components[target.kind] ??= {};
      const bucket = spec.components[target.kind] as JsonObject;
      if (named.has(target.node)) {
        target.name = named.get(target.node);
        continue;
      }
      const candidates = deriveName(spec, target, named);
      let name = candidates.find((c) => c && !(c in bucket));
      for (let n = 2; !name; n++) if (!(`${candidates[0]}${n}` in bucket)) name = `${candidates[0]}${n}`;
      target.name = name;
      named.set(target.node, name);
      bucket[name] = target.node;
    }

    const component = (node: JsonObject) => {
      const target = targets.find((t) => t.node === node)!;
      return { $ref: `#/components/${target.kind}/${target.name}` };
    };
    let rewritten = 0;
    for (const key of ["paths", "components"] as const) {
      const root = spec[key] as Json;
      transform(root, (value, at) => {
        if (typeof value.$ref === "string" && value.$ref.startsWith("#/paths/")) {
          rewritten++;
          return component(byRef.get(value.$ref)!.node);
        }
        // A hoisted node stays in place only as its own component.
        const isOwnComponent = key === "components" && at.length === 2 && named.get(value) === at[1];
        if (named.has(value) && !isOwnComponent) return component(value);
        return undefined;
      });
    }
    return {
      count: rewritten,
      details: [`${rewritten} references to ${targets.length} targets`, `named: ${targets.map((t) => t.name).join(", ")}`],
    };
  },
};
