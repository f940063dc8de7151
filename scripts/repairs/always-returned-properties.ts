import { mediaExamples } from "../lib/examples.ts";
import { type Json, type JsonObject, type Spec, isObject, operations, transform } from "../lib/spec.ts";
import type { Repair } from "./types.ts";

/**
 * Properties the examples show in every instance but that are in fact sometimes absent. Each
 * names what in the spec says so; the repair reports them as kept optional.
 */
const KEEP_OPTIONAL: Record<string, string> = {
  "Conversation.agentId": "a conversation need not be assigned to an agent (Assignee.agentId is optional)",
};

/** Wording that makes a property's presence conditional: "…if it is within one", "…omitted". */
const CONDITIONAL = /\b(if it is|if any|if present|present if|only if|only when|unless|optional|omitted|when present|when available)\b/i;

/** How many instances of a schema the examples must show before "in every example" means anything. */
const MIN_INSTANCES = 2;

const componentName = (ref: string) => (ref.startsWith("#/components/schemas/") ? ref.slice("#/components/schemas/".length) : undefined);

/** Component schemas a request can carry (bodies and parameters, followed through references). */
function requestComponents(spec: Spec): Set<string> {
  const found = new Set<string>();
  const visit = (node: Json | undefined) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isObject(node)) return;
    const name = typeof node.$ref === "string" ? componentName(node.$ref) : undefined;
    if (name && !found.has(name)) {
      found.add(name);
      visit(spec.components.schemas?.[name]);
    }
    for (const [key, value] of Object.entries(node)) if (key !== "$ref") visit(value);
  };
  for (const { op, item } of operations(spec)) {
    visit(op.requestBody);
    visit(op.parameters);
    visit(item.parameters);
  }
  return found;
}

interface Evidence {
  /** Where the schema is, for the report: `Conversation` or `Conversation.customAttributes[]`. */
  label: string;
  /** The component that holds it (undefined when inline in a path's response). */
  owner: string | undefined;
  instances: string[][];
  /** Why `id` is always returned, when it is: the GETs that answer with this resource. */
  resourceOf: string[];
}

/**
 * Every property of the spec's response schemas is optional, so strict TypeScript users write `!`
 * after every `inboxes[0].id`. A response property becomes required where the spec shows it
 * always present:
 *   - it is in every instance of the schema in the response examples (and its description does
 *     not make it conditional), or
 *   - it is the `id` of a resource a GET answers with (the body, or the items of a list body): a
 *     resource is addressed by its id, so it is always returned.
 * Never for a schema a request can carry: requests must not get stricter. A component shared by
 * requests and responses is split: responses name `<Name>Response`, an allOf of it that requires
 * what they carry, while requests keep `<Name>`. An inline schema inside a shared component is
 * skipped (and reported).
 */
export const alwaysReturnedProperties: Repair = {
  name: "always-returned-properties",
  reason:
    "no response property is required, so strict users write `!` after every id; what every one of two or more examples of a response schema shows, and the id of every resource a GET answers with, become required; requests never get stricter (a schema they share is split off as <Name>Response)",
  apply(spec) {
    const schemas = spec.components.schemas ?? {};
    const inRequests = requestComponents(spec);
    const evidence = new Map<JsonObject, Evidence>();
    // A schema's properties, with those of its allOf members (Customer is CreateCustomerRequest, which is CustomerProfile and an id, and more).
    const flatProperties = (schema: Json | undefined, depth = 0): Map<string, Json> => {
      const found = new Map<string, Json>();
      if (!isObject(schema) || depth > 20) return found;
      if (typeof schema.$ref === "string") return flatProperties(schemas[componentName(schema.$ref) ?? ""], depth + 1);
      for (const member of Array.isArray(schema.allOf) ? schema.allOf : []) for (const [k, v] of flatProperties(member, depth + 1)) found.set(k, v);
      for (const [k, v] of Object.entries(isObject(schema.properties) ? schema.properties : {})) found.set(k, v);
      return found;
    };
    const entry = (node: JsonObject, label: string, owner: string | undefined) => {
      if (!evidence.has(node)) evidence.set(node, { label, owner, instances: [], resourceOf: [] });
      return evidence.get(node)!;
    };

    // Walk each 2xx example through its schema; oneOf/anyOf are not followed (which branch an instance is would be a guess).
    const walk = (schema: Json | undefined, value: Json, label: string, owner: string | undefined, depth: number): void => {
      if (!isObject(schema) || depth > 40) return;
      if (typeof schema.$ref === "string") {
        const name = componentName(schema.$ref);
        if (name) walk(schemas[name], value, name, name, depth + 1);
        return;
      }
      if (Array.isArray(schema.allOf)) for (const member of schema.allOf) walk(member, value, label, owner, depth + 1);
      if (schema.type === "array" || schema.items) {
        if (Array.isArray(value)) for (const v of value) walk(schema.items, v, `${label}[]`, owner, depth + 1);
        return;
      }
      if (!isObject(schema.properties) || !isObject(value)) return;
      entry(schema, label, owner).instances.push(Object.keys(value));
      for (const [name, property] of Object.entries(schema.properties))
        if (value[name] !== undefined) walk(property, value[name] as Json, `${label}.${name}`, owner, depth + 1);
    };
    for (const { where, value, media } of mediaExamples(spec)) if (/^2/.test(where)) walk(media.schema, value, "(inline)", undefined, 0);

    // The resource each GET answers with: follow references, and the items of a list once.
    for (const { method, op } of operations(spec)) {
      if (method !== "get") continue;
      const ok = isObject(op.responses) ? op.responses["200"] : undefined;
      const content = isObject(ok) && isObject(ok.content) ? ok.content["application/json"] : undefined;
      let schema = isObject(content) ? content.schema : undefined;
      let name: string | undefined;
      let list = false;
      for (let hops = 0; isObject(schema) && hops < 10; hops++) {
        if (typeof schema.$ref === "string") {
          name = componentName(schema.$ref);
          schema = name ? schemas[name] : undefined;
        } else if (schema.type === "array" && !list) {
          list = true;
          schema = schema.items;
          name = undefined;
        } else break;
      }
      if (!isObject(schema) || !name) continue;
      if (flatProperties(schema).has("id")) entry(schema, name, name).resourceOf.push(String(op.operationId));
    }

    const made: string[] = [];
    const kept: string[] = [];
    const skipped = new Map<string, Set<string>>();
    const split: string[] = [];
    let count = 0;
    for (const [schema, { label, owner, instances, resourceOf }] of evidence) {
      const properties = flatProperties(schema);
      const already = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
      const why = new Map<string, string>();
      // One example shows what one answer held, not what every answer holds.
      if (instances.length >= MIN_INSTANCES && isObject(schema.properties))
        for (const name of Object.keys(schema.properties))
          if (instances.every((keys) => keys.includes(name))) why.set(name, `in all ${instances.length} examples`);
      if (resourceOf.length && properties.has("id") && !why.has("id"))
        why.set("id", `the resource ${resourceOf.join("/")} answer${resourceOf.length > 1 ? "" : "s"} with`);
      for (const name of [...why.keys()]) {
        if (already.has(name)) {
          why.delete(name);
          continue;
        }
        const property = properties.get(name);
        const description = isObject(property) && typeof property.description === "string" ? property.description : "";
        const keep =
          KEEP_OPTIONAL[`${label}.${name}`] ?? (CONDITIONAL.test(description) ? `its description makes it conditional ("${description.trim()}")` : undefined);
        if (keep) {
          kept.push(`${label}.${name} kept optional: ${keep}`);
          why.delete(name);
        }
      }
      if (!why.size) continue;
      const names = [...why.keys()];
      const require = (names: string[]) => ({
        type: "object",
        required: names,
        properties: Object.fromEntries(names.map((n) => [n, structuredClone(properties.get(n)!)])),
      });
      const reasons = new Map<string, string[]>();
      for (const [name, reason] of why) reasons.set(reason, [...(reasons.get(reason) ?? []), name]);
      const listed = [...reasons].map(([reason, list]) => `${list.join(", ")} (${reason})`).join("; ");
      if (owner && inRequests.has(owner) && label === owner && !(`${owner}Response` in schemas)) {
        // Requests keep the schema as it is; responses get a refinement of it that requires what they always carry.
        schemas[`${owner}Response`] = { title: `${owner} (as returned)`, allOf: [{ $ref: `#/components/schemas/${owner}` }, require(names)] };
        split.push(owner);
        count += names.length;
        made.push(`${owner}Response (split off ${owner}, which request bodies carry and keep): ${listed}`);
        continue;
      }
      if (owner && inRequests.has(owner)) {
        if (!skipped.has(owner)) skipped.set(owner, new Set());
        for (const name of why.keys()) skipped.get(owner)!.add(label === owner ? name : `${label.slice(owner.length + 1)}.${name}`);
        continue;
      }
      // Properties of allOf members live where requests may share them (Customer is CreateCustomerRequest and more): require them in a member of its own.
      if (Array.isArray(schema.allOf)) schema.allOf.push(require(names));
      else schema.required = [...already, ...names];
      count += names.length;
      made.push(`${label}: ${listed}`);
    }
    // Responses, and the schemas only responses carry, now name the split-off refinement.
    const refs = new Map(split.map((name) => [`#/components/schemas/${name}`, `#/components/schemas/${name}Response`]));
    const repoint = (node: Json | undefined) =>
      transform(node ?? null, (value) => {
        if (typeof value.$ref === "string" && refs.has(value.$ref)) value.$ref = refs.get(value.$ref)!;
        return undefined;
      });
    if (refs.size) {
      for (const { op } of operations(spec)) repoint(op.responses);
      for (const [name, schema] of Object.entries(schemas)) if (!inRequests.has(name) && !split.some((s) => name === `${s}Response`)) repoint(schema);
    }
    const details = [
      ...made.sort(),
      ...kept.sort(),
      ...[...skipped]
        .sort()
        .map(
          ([name, list]) =>
            `${name} skipped, a request body carries it too (not split, since the schema is only part of it): would have required ${[...list].join(", ")}`,
        ),
    ];
    return { count, details };
  },
};
