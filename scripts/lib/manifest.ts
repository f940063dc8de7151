import { type Json, type JsonObject, type Spec, camelCase, isObject, operations } from "./spec.ts";

/** How the client reads a successful response body. */
export type ResponseKind = "json" | "text" | "binary" | "none";

export interface QueryParam {
  name: string;
  required: boolean;
  array: boolean;
  /** The values the spec allows, when it lists them. */
  enum?: string[];
}

export interface OperationEntry {
  operationId: string;
  group: string;
  tag: string;
  method: "GET" | "PUT" | "POST" | "DELETE" | "PATCH";
  path: string;
  summary: string;
  pathParams: string[];
  queryParams: QueryParam[];
  requestContentType: string | null;
  bodyRequired: boolean;
  responseContentType: string | null;
  responseKind: ResponseKind;
  successStatuses: number[];
  auth: boolean;
  /**
   * For a create whose body takes a client-chosen `id`: the operation that reads the created
   * resource back, and which of its path parameters takes that id.
   */
  createdResource: { operationId: string; param: string } | null;
}

function resolveLocal(spec: Spec, node: Json | undefined): Json | undefined {
  if (isObject(node) && typeof node.$ref === "string") {
    const [, kind, name] = node.$ref.split("/").slice(1);
    return (spec.components[kind!] as JsonObject | undefined)?.[name!];
  }
  return node;
}

function kindOf(contentType: string | null): ResponseKind {
  if (contentType === null) return "none";
  if (contentType === "application/json") return "json";
  if (contentType.startsWith("text/") || contentType.includes("json")) return "text";
  return "binary";
}

function requiresAuth(security: Json | undefined): boolean {
  return Array.isArray(security) && security.length > 0;
}

/** The property names of an object schema, through references and allOf. */
function propertiesOf(spec: Spec, node: Json | undefined, seen = new Set<Json>()): JsonObject {
  const schema = resolveLocal(spec, node);
  if (!isObject(schema) || seen.has(schema)) return {};
  seen.add(schema);
  const own = isObject(schema.properties) ? schema.properties : {};
  const inherited = Array.isArray(schema.allOf) ? schema.allOf.map((part) => propertiesOf(spec, part, seen)) : [];
  return Object.assign({}, ...inherited, own);
}

/**
 * The GET that reads back what a POST creates: `POST /topics` → `GET /topics/{topicId}`, or for a
 * nested create, `POST /customers/{customerId}/tasks` → `GET /tasks/{taskId}`.
 */
function createdResource(spec: Spec, path: string, op: JsonObject): OperationEntry["createdResource"] {
  const body = resolveLocal(spec, op.requestBody);
  const media = isObject(body) && isObject(body.content) ? body.content["application/json"] : undefined;
  const id = isObject(media) ? resolveLocal(spec, propertiesOf(spec, media.schema).id) : undefined;
  if (!isObject(id) || id.readOnly === true) return null;
  const last = path.slice(path.lastIndexOf("/"));
  for (const candidate of [path, last]) {
    for (const [other, item] of Object.entries(spec.paths)) {
      const match = new RegExp(`^${candidate.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/\\{([^}]+)\\}$`).exec(other);
      const get = isObject(item.get) ? item.get : undefined;
      if (match && get && typeof get.operationId === "string") return { operationId: get.operationId, param: match[1]! };
    }
  }
  return null;
}

export function buildManifest(spec: Spec): OperationEntry[] {
  const entries: OperationEntry[] = [];
  for (const { path, method, op, item } of operations(spec)) {
    const params = [...(Array.isArray(item.parameters) ? item.parameters : []), ...(Array.isArray(op.parameters) ? op.parameters : [])]
      .map((p) => resolveLocal(spec, p))
      .filter(isObject);
    const tag = (op.tags as string[])[0]!;
    const body = resolveLocal(spec, op.requestBody);
    const requestContent = isObject(body) && isObject(body.content) ? Object.keys(body.content) : [];
    const responses = isObject(op.responses) ? op.responses : {};
    const success = Object.keys(responses)
      .filter((s) => /^[23]\d\d$/.test(s) && s !== "301")
      .map(Number)
      .sort();
    let responseContentType: string | null = null;
    for (const status of success) {
      const response = resolveLocal(spec, responses[String(status)]);
      const types = isObject(response) && isObject(response.content) ? Object.keys(response.content) : [];
      if (types.length) {
        responseContentType = types[0]!;
        break;
      }
    }
    // A 303 (attachments) redirects to the file itself: the body that arrives is binary.
    const redirects = success.some((s) => s >= 300);
    entries.push({
      operationId: op.operationId as string,
      group: camelCase(tag),
      tag,
      method: method.toUpperCase() as OperationEntry["method"],
      path,
      summary: typeof op.summary === "string" ? op.summary.trim() : "",
      pathParams: params.filter((p) => p.in === "path").map((p) => p.name as string),
      queryParams: params
        .filter((p) => p.in === "query")
        .map((p) => {
          const schema = resolveLocal(spec, p.schema);
          const values = isObject(schema)
            ? schema.type === "array"
              ? (resolveLocal(spec, schema.items) as JsonObject | undefined)?.enum
              : schema.enum
            : undefined;
          const param: QueryParam = { name: p.name as string, required: p.required === true, array: isObject(schema) && schema.type === "array" };
          if (Array.isArray(values)) param.enum = values.map(String);
          return param;
        }),
      requestContentType: requestContent[0] ?? null,
      bodyRequired: isObject(body) && body.required === true,
      responseContentType,
      responseKind: redirects && responseContentType === null ? "binary" : kindOf(responseContentType),
      successStatuses: success,
      auth: requiresAuth(op.security ?? spec.security),
      createdResource: method === "post" ? createdResource(spec, path, op) : null,
    });
  }
  return entries;
}
