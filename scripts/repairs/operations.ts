import { type Json, type JsonObject, isObject, operations } from "../lib/spec.ts";
import type { Repair } from "./types.ts";

/**
 * operationIds become public method names, so a missing one is named here by a person once,
 * not invented by a rule that could rename a method on the next spec update.
 */
export const MISSING_OPERATION_IDS: Record<string, string> = {
  "GET /events": "getEvents",
  "POST /reports": "generateReport",
  "POST /reports/work-session-events": "generateWorkSessionReport",
  "POST /customer-history/{customerId}/conversations/{conversationId}/custom-attributes": "updateConversationFreeformTopics",
};

export const missingOperationIds: Repair = {
  name: "missing-operation-ids",
  reason: "four operations have no operationId, and the client's method names come from operationIds",
  apply(spec) {
    const named: string[] = [];
    for (const { path, method, op } of operations(spec)) {
      if (typeof op.operationId === "string" && op.operationId) continue;
      const key = `${method.toUpperCase()} ${path}`;
      const id = MISSING_OPERATION_IDS[key];
      if (!id) throw new Error(`missing-operation-ids: ${key} has no operationId; name it in scripts/repairs/operations.ts`);
      op.operationId = id;
      named.push(`${key} → ${id}`);
    }
    return { count: named.length, details: named };
  },
};

const CANONICAL_SCHEME = "basicAuth";

export const singleBasicAuthScheme: Repair = {
  name: "single-basic-auth-scheme",
  reason: "BasicAuth and basicAuth describe the same agent-email:API-token credentials; two schemes would mean two credentials",
  apply(spec) {
    spec.components.securitySchemes ??= {};
    const schemes = spec.components.securitySchemes;
    const basic = Object.keys(schemes).filter((name) => {
      const scheme = schemes[name];
      return isObject(scheme) && scheme.type === "http" && String(scheme.scheme).toLowerCase() === "basic";
    });
    const others = basic.filter((name) => name !== CANONICAL_SCHEME);
    if (others.length === 0) return { count: 0 };
    // Keep the richer description (the one with the curl example).
    schemes[CANONICAL_SCHEME] = basic.map((n) => schemes[n]!).sort((a, b) => JSON.stringify(b).length - JSON.stringify(a).length)[0]!;
    for (const name of others) delete schemes[name];
    const rewrite = (requirements: Json | undefined) => {
      if (!Array.isArray(requirements)) return;
      for (const requirement of requirements) {
        if (!isObject(requirement)) continue;
        for (const name of others) {
          if (name in requirement) {
            requirement[CANONICAL_SCHEME] = requirement[name]!;
            delete requirement[name];
          }
        }
      }
    };
    rewrite(spec.security);
    for (const { op } of operations(spec)) rewrite(op.security);
    return { count: others.length, details: [`${others.join(", ")} → ${CANONICAL_SCHEME}`] };
  },
};

export const PUBLIC_TAG = "Public Answers";

export const publicAnswersWithoutAuth: Repair = {
  name: "public-answers-without-auth",
  reason: "the spec's prose says Public Answer endpoints need no credentials, but they inherit the global basicAuth requirement",
  apply(spec) {
    let count = 0;
    for (const { op } of operations(spec)) {
      const tags = Array.isArray(op.tags) ? op.tags : [];
      if (!tags.includes(PUBLIC_TAG)) continue;
      if (Array.isArray(op.security) && op.security.length === 0) continue;
      op.security = [];
      count++;
    }
    return { count };
  },
};

export const consistentTagNames: Repair = {
  name: "consistent-tag-names",
  reason: "`Public Answer` is the one singular tag among plural ones; tags name the client's method groups (gladly.publicAnswers)",
  apply(spec) {
    let count = 0;
    const rename = (tag: Json) => {
      if (tag !== "Public Answer") return tag;
      count++;
      return PUBLIC_TAG;
    };
    for (const { op } of operations(spec)) if (Array.isArray(op.tags)) op.tags = op.tags.map(rename);
    if (Array.isArray(spec.tags)) {
      for (const tag of spec.tags) if (isObject(tag) && tag.name === "Public Answer") (tag as JsonObject).name = PUBLIC_TAG;
    }
    return { count };
  },
};
