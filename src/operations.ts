import { type OperationEntry, type OperationId, operations as manifest } from "../generated/operations.ts";
import type { operations as OperationTypes } from "../generated/schema.ts";
import {
  GladlyCustomerMergedError,
  GladlyError,
  type GladlyErrorDetail,
  GladlyInputError,
  errorFromResponse,
  parseErrorDetails,
  pathOf,
  reportedUrl,
} from "./errors.ts";
import { pathSerializer } from "./path-params.ts";
import type { Answer, BodyKind, PipelineRequest, Priority, Send } from "./pipeline/index.ts";
import type { RetryOptions } from "./pipeline/retry.ts";
import { typedError } from "./pipeline/typed-errors.ts";
import { checkHeaders, serializeQuery } from "./query.ts";
import { isPlainObject } from "./plain-object.ts";

/** The generated manifest's type: every operation's entry, literally. */
type Manifest = typeof manifest;
/** Flattens an intersection into one object type, so editors show its properties. */
type Simplify<T> = { [K in keyof T]: T[K] } & {};
/** `{}` for a part an operation does not have (never or undefined), else the part. */
type OrEmpty<T> = [T] extends [never] ? {} : T extends undefined ? {} : T;

/** An operation's path or query parameters, by name (`{}` when it has none). */
type ParamsIn<Op, Where extends "path" | "query"> = Op extends { parameters: infer P } ? (Where extends keyof P ? OrEmpty<NonNullable<P[Where]>> : {}) : {};
/** `{ body }` (optional when the spec says so) for an operation with a request body, else `{}`. */
type BodyIn<Op> = Op extends { requestBody?: infer B }
  ? [NonNullable<B>] extends [never]
    ? {}
    : NonNullable<B> extends { content: infer C }
      ? {} extends Pick<Op, "requestBody">
        ? { body?: C[keyof C] }
        : { body: C[keyof C] }
      : {}
  : {};

/** One argument object: path and query parameters by name, plus `body`. */
export type OperationArgs<Id extends OperationId> = Simplify<
  ParamsIn<OperationTypes[Id], "path"> & ParamsIn<OperationTypes[Id], "query"> & BodyIn<OperationTypes[Id]>
>;

/** The JSON an operation answers with on success (200, 201 or 202). */
type JsonOf<Op> = Op extends { responses: infer R }
  ? { [S in keyof R]: S extends 200 | 201 | 202 ? (R[S] extends { content: { "application/json": infer T } } ? T : never) : never }[keyof R]
  : never;

/** What a method resolves to: parsed JSON, text (CSV, JSON Lines, NDJSON), bytes, or nothing (204). */
export type OperationData<Id extends OperationId> = Manifest[Id]["responseKind"] extends "json"
  ? [JsonOf<OperationTypes[Id]>] extends [never]
    ? unknown
    : JsonOf<OperationTypes[Id]>
  : Manifest[Id]["responseKind"] extends "text"
    ? string
    : Manifest[Id]["responseKind"] extends "binary"
      ? ArrayBuffer
      : CreatedId<Id>;

/**
 * What a create that Gladly answers with 201 and no body resolves to: the new resource's id. A
 * create that takes an id (customers, tasks, comments, topics) always has it, since the client
 * sends one; the others (notes, replies, webhooks) have it when Gladly's `Location` names it.
 */
export type CreatedId<Id extends OperationId> = Manifest[Id]["successStatuses"] extends readonly [201]
  ? Manifest[Id]["createdResource"] extends null
    ? string | undefined
    : string
  : undefined;

/** Per-call settings, the last argument of every operation method. */
export interface CallOptions {
  /** Abort the call (it rejects with GladlyAbortError); also stops waits for the rate limiter and retries. */
  signal?: AbortSignal;
  /** Extra headers for this call, over the client's; Authorization is always the client's own. */
  headers?: Record<string, string>;
  /** Resolve to `{ data, response }` instead of just the data. */
  raw?: boolean;
  /** Retry settings for this call, over the client's; `false` sends it once. */
  retry?: RetryOptions | false;
  /** Milliseconds an attempt may take, the body included when the call reads it (overrides the client's). */
  timeout?: number;
  /** Place in the rate limiter's queue when the budget is spent: interactive work "high", bulk jobs "low". */
  priority?: Priority;
  /** @internal False to hand back a redirect instead of following it (attachment links). */
  followRedirects?: boolean;
  /**
   * @internal The body's id may have been sent by an earlier run (a bulk job's derived id): a 409
   * about that id alone is that earlier create, read back, even on the first attempt of this run.
   */
  idMayExist?: boolean;
  /** @internal Told each time the request leaves the rate limiter's queue for the network (a bulk job journals a call not safe to repeat then). */
  onSent?: () => void;
}

/** What a call with `{ raw: true }` resolves to: the data and the HTTP response it came from. */
export interface RawResult<D> {
  /** What the call resolves to without `raw`. */
  data: D;
  /** The HTTP response, for its status and headers (e.g. Location). */
  response: Response;
  /**
   * For the lists Gladly caps (a customer's 100 conversations, 1000 items, 2000 tasks, 1000
   * task comments, 1000 public answers): true when the answer may have been cut at the cap.
   */
  truncated?: boolean;
}

/** A method's arguments: args (optional when every part is) and options. */
type Call<A, O> = {} extends A ? [args?: A, options?: O] : [args: A, options?: O];
/** A method's arguments with options required (they carry `raw: true`). */
type RawCall<A, O> = {} extends A ? [args: A | undefined, options: O] : [args: A, options: O];

/**
 * One operation of the API as a method: `(args, options)` resolves to the data, or with
 * `{ raw: true }` to a {@link RawResult}.
 *
 * @throws {@link GladlyInputError} for arguments the operation does not take or that are missing
 * or malformed (nothing is sent); a {@link GladlyError} subclass when Gladly answers with an error
 * or no usable answer arrives; {@link GladlyAbortError} when `signal` aborts it.
 */
export interface OperationMethod<A, D> {
  (...call: RawCall<A, CallOptions & { raw: true }>): Promise<RawResult<D>>;
  (...call: Call<A, CallOptions & { raw?: false }>): Promise<D>;
  /** The manifest entry this method calls. */
  readonly operation: OperationEntry;
}

/** A method group's name: the camelCase of an operation tag (`customers`, `conversations`, …). */
type GroupName = Manifest[OperationId]["group"];
/** The methods of one group, by operationId. */
type Group<G extends GroupName> = {
  [Id in OperationId as Manifest[Id]["group"] extends G ? Id : never]: OperationMethod<OperationArgs<Id>, OperationData<Id>>;
};

/** Every callable operation, grouped by tag: `gladly.customers.getCustomer({ customerId })`. */
export type GladlyOperations = { [G in GroupName]: Group<G> };

export { operationIsIdempotent as isIdempotent } from "./pipeline/retry.ts";

/** 22 URL-safe characters, the shape of Gladly's own ids. */
function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** What the operation methods and stream helpers share from their client. */
export interface OperationContext {
  /** Called when a capped list came back full (see RawResult.truncated). */
  onTruncated?: ((info: { operationId: string; count: number; cap: number }) => void) | undefined;
  baseUrl: string;
  /** The request pipeline (src/pipeline). */
  send: Send;
  /** Headers every request carries (User-Agent, the client's own); lower-case names. */
  headers: Record<string, string>;
  followMergedCustomers: boolean;
}

/** Each operation's parameters by name, worked out on its first call instead of every call. */
interface ParameterIndex {
  path: ReadonlySet<string>;
  query: ReadonlyMap<string, OperationEntry["queryParams"][number]>;
}
const parameterIndexes = new WeakMap<OperationEntry, ParameterIndex>();

function parameterIndex(op: OperationEntry): ParameterIndex {
  let index = parameterIndexes.get(op);
  if (!index) {
    index = { path: new Set(op.pathParams), query: new Map(op.queryParams.map((q) => [q.name, q])) };
    parameterIndexes.set(op, index);
  }
  return index;
}

function splitArgs(op: OperationEntry, args: Record<string, unknown>) {
  const index = parameterIndex(op);
  const path: Record<string, unknown> = {};
  const query: Record<string, unknown> = {};
  let body: unknown;
  for (const [key, value] of Object.entries(args)) {
    if (key === "body" && op.requestContentType) body = value;
    else if (index.path.has(key)) path[key] = value;
    else if (index.query.has(key)) {
      if (value !== undefined) query[key] = value instanceof Date ? value.toISOString() : value;
    } else {
      const known = [...op.pathParams, ...op.queryParams.map((q) => q.name), ...(op.requestContentType ? ["body"] : [])];
      throw new GladlyInputError(key, `is not a parameter of ${op.operationId} (it takes ${known.join(", ") || "no arguments"})`);
    }
  }
  for (const q of op.queryParams) {
    const given = query[q.name];
    if (given === undefined) {
      if (q.required) throw new GladlyInputError(q.name, `query parameter is required by ${op.operationId}`);
      continue;
    }
    const values = Array.isArray(given) ? (given as unknown[]) : [given];
    const unknown = q.enum ? values.filter((v) => !q.enum!.includes(String(v))) : [];
    if (unknown.length) throw new GladlyInputError(q.name, `${unknown.map((v) => JSON.stringify(v)).join(", ")} is not one of ${q.enum!.join(", ")}`);
    if (q.required && q.array && values.length === 0) throw new GladlyInputError(q.name, `needs at least one value`);
  }
  if (op.bodyRequired && body === undefined) throw new GladlyInputError("body", `is required by ${op.operationId}`);
  return { path, query, body };
}

/** The success data of an answer whose body the pipeline read. */
function successData(op: OperationEntry, args: Record<string, unknown>, answer: Answer, reported: () => string): unknown {
  const body = answer.body;
  switch (body?.kind) {
    case "json":
    case "text":
    case "binary":
      return body.value;
    case "json-invalid": {
      const url = reported();
      throw new GladlyError(`${op.method} ${pathOf(url)} → ${answer.response.status}: response body is not valid JSON`, {
        status: answer.response.status,
        method: op.method,
        url,
        body: body.text.slice(0, 200),
      });
    }
    default:
      return answer.response.status === 201 ? createdId(op, args, answer.response) : undefined;
  }
}

/** The id of what a 201 created: the one the request carried (a create that takes an id), else the last segment of `Location`. */
function createdId(op: OperationEntry, args: Record<string, unknown>, response: Response): string | undefined {
  if (op.createdResource && isPlainObject(args.body) && typeof args.body.id === "string") return args.body.id;
  const location = response.headers.get("location");
  if (!location) return undefined;
  try {
    const segment = new URL(location, "https://gladly.invalid").pathname.split("/").filter(Boolean).at(-1);
    return segment ? decodeURIComponent(segment) : undefined;
  } catch {
    return undefined;
  }
}

/** The surviving customer id from a merge 301: the error's `meta.new`, else the Location header. */
function mergedCustomerId(body: unknown, response: Response): string | undefined {
  for (const detail of parseErrorDetails(body)) {
    const next = detail.meta?.new;
    if (typeof next === "string" && next) return next;
  }
  const location = response.headers.get("location");
  const match = location ? /\/customer-profiles\/([^/?#]+)/.exec(location) : null;
  return match ? decodeURIComponent(match[1]!) : undefined;
}

const MAX_MERGE_HOPS = 3;

/** Lists Gladly does not paginate but cuts at a documented size. */
export const LIST_CAPS: Readonly<Record<string, number>> = {
  getConversations: 100,
  getConversationItems: 1000,
  getTasks: 2000,
  getTaskComments: 1000,
  listAnswers: 1000,
};

/** Gladly's `Gladly-Limited-Data` header says so where it is sent; otherwise a full list is suspect. */
function possiblyTruncated(op: OperationEntry, data: unknown, response: Response): boolean | undefined {
  const cap = LIST_CAPS[op.operationId];
  if (cap === undefined || !Array.isArray(data)) return undefined;
  const flag = response.headers.get("gladly-limited-data");
  if (flag !== null) return flag.trim().toLowerCase() === "true";
  return data.length >= cap;
}

/**
 * A create that takes a client-chosen id is made safe to retry: the id is chosen here when the
 * caller gave none (see `send` for the 409 that a retry of it may get).
 */
function invoke(ctx: OperationContext, op: OperationEntry, args: Record<string, unknown>, options: CallOptions): Promise<RawResult<unknown>> {
  if (op.createdResource && isPlainObject(args.body) && args.body.id === undefined) args = { ...args, body: { ...args.body, id: newId() } };
  return send(ctx, op, args, options, op.responseKind);
}

/**
 * A 409 about nothing but the id this create chose, after a retry: the first attempt did create
 * it, so the resource is read back instead of reporting a false conflict. A conflict on anything
 * else (an email already taken) is real.
 */
function createdByEarlierAttempt(
  op: OperationEntry,
  args: Record<string, unknown>,
  answer: Answer,
  errors: GladlyErrorDetail[],
  options: CallOptions,
): boolean {
  if (answer.response.status !== 409 || !op.createdResource || ((answer.attempts ?? 1) < 2 && !options.idMayExist)) return false;
  if (!isPlainObject(args.body) || typeof args.body.id !== "string") return false;
  return errors.length > 0 && errors.every((e) => e.attr === "id" || (e.attr === undefined && e.code === "taken"));
}

async function readBack(ctx: OperationContext, op: OperationEntry, args: Record<string, unknown>, options: CallOptions): Promise<RawResult<unknown>> {
  const create = op.createdResource!;
  const reader = (manifest as Record<string, OperationEntry>)[create.operationId]!;
  const readArgs: Record<string, unknown> = { [create.param]: (args.body as Record<string, unknown>).id };
  for (const name of reader.pathParams) if (name !== create.param && args[name] !== undefined) readArgs[name] = args[name];
  const created = await send(ctx, reader, readArgs, options, reader.responseKind);
  return { data: op.responseKind === "json" ? created.data : (args.body as Record<string, unknown>).id, response: created.response };
}

/** The request for one call of an operation: URL, headers and body, with the call's settings. */
function buildRequest(ctx: OperationContext, op: OperationEntry, args: Record<string, unknown>, options: CallOptions, read: BodyKind): PipelineRequest {
  const { path, query, body } = splitArgs(op, args);
  const headers: Record<string, string> = { ...ctx.headers };
  if (options.headers) {
    const own: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.headers)) own[name.toLowerCase()] = value;
    checkHeaders(own);
    Object.assign(headers, own);
  }
  if (body !== undefined) headers["content-type"] = op.requestContentType ?? "application/json";
  return {
    url: `${ctx.baseUrl}${pathSerializer(op.path, path)}${serializeQuery(query)}`,
    method: op.method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    operation: op,
    read,
    signal: options.signal,
    // Set for each attempt by the timeout layer. Present from the start: V8 copies an object that
    // already has the field (the layer's spread) about 25 times faster than one it must add.
    deadline: undefined,
    attempt: 1,
    settings: { retry: options.retry, timeout: options.timeout, priority: options.priority, followRedirects: options.followRedirects, onSent: options.onSent },
  };
}

/**
 * An error body from a URL whose query string is not reported (a signed file link) with that
 * query's values cut out: a storage service's error (S3's SignatureDoesNotMatch) echoes the
 * signature and token it was given. Values shorter than 16 characters (an expiry, a date) stay.
 */
function withoutQueryValues(body: unknown, answeredUrl: string, reported: string): unknown {
  if (body === undefined || !answeredUrl.includes("?") || reported.includes("?")) return body;
  let secrets: string[];
  try {
    const query = new URL(answeredUrl).search.slice(1);
    const raw = query.split("&").map((pair) => pair.slice(pair.indexOf("=") + 1));
    secrets = [...new Set([...raw, ...new URLSearchParams(query).values()])].filter((value) => value.length >= 16);
  } catch {
    return body;
  }
  const scrub = (value: unknown): unknown => {
    if (typeof value === "string") return secrets.reduce((text, secret) => text.split(secret).join("[redacted]"), value);
    if (Array.isArray(value)) return value.map(scrub);
    if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrub(item)]));
    return value;
  };
  return secrets.length ? scrub(body) : body;
}

/** Sends one call through the pipeline and turns its answer into data or a typed error. */
async function send(
  ctx: OperationContext,
  op: OperationEntry,
  args: Record<string, unknown>,
  options: CallOptions,
  read: BodyKind,
  hops = 0,
): Promise<RawResult<unknown>> {
  const request = buildRequest(ctx, op, args, options, read);
  const answer = await ctx.send(request);
  const { response } = answer;
  // Fetch implementations that build Responses by hand leave response.url empty. Worked out only
  // when needed: the success of a call that is not a stream does not report its URL.
  const reported = () => reportedUrl(response.url || request.url, new URL(ctx.baseUrl).origin);
  if (answer.body === undefined) {
    // Handed over unread (openStream): whatever reads it reports this URL, not a signed link's query.
    Object.defineProperty(response, "url", { value: reported() });
    return { data: undefined, response };
  }
  if (response.ok) {
    const data = successData(op, args, answer, reported);
    const truncated = possiblyTruncated(op, data, response);
    if (truncated) ctx.onTruncated?.({ operationId: op.operationId, count: (data as unknown[]).length, cap: LIST_CAPS[op.operationId]! });
    return truncated === undefined ? { data, response } : { data, response, truncated };
  }
  const url = reported();
  const errorBody = withoutQueryValues(answer.body.kind === "error" ? answer.body.value : undefined, response.url, url);
  if (createdByEarlierAttempt(op, args, answer, parseErrorDetails(errorBody), options)) return readBack(ctx, op, args, options);
  if (response.status === 301 && op.pathParams.includes("customerId")) {
    const newCustomerId = mergedCustomerId(errorBody, response);
    if (newCustomerId && newCustomerId !== args.customerId) {
      // A delete is never re-aimed: deleting the customer a profile was merged into would delete
      // everything merged into it, which is not what the caller named.
      if (ctx.followMergedCustomers && op.method !== "DELETE" && hops < MAX_MERGE_HOPS)
        return send(ctx, op, { ...args, customerId: newCustomerId }, options, read, hops + 1);
      throw new GladlyCustomerMergedError(`customer ${String(args.customerId)} was merged into ${newCustomerId}`, {
        status: 301,
        method: op.method,
        url,
        errors: parseErrorDetails(errorBody),
        body: errorBody,
        oldCustomerId: typeof args.customerId === "string" ? args.customerId : undefined,
        newCustomerId,
      });
    }
  }
  // Aborted while the error answer's body was read: the abort is what the caller did.
  if (request.signal?.aborted) throw typedError(request.signal.reason, op.method, reported(), request.signal);
  throw errorFromResponse(response, errorBody, op.method, url);
}

const dataOf = (result: RawResult<unknown>) => result.data;

function createMethod(ctx: OperationContext, op: OperationEntry) {
  // Not an async function: one promise hop less on every call, which shows on a fast network.
  const method = (args: Record<string, unknown> | undefined, options: CallOptions = {}): Promise<unknown> => {
    if (args !== undefined && (typeof args !== "object" || args === null || Array.isArray(args))) {
      return Promise.reject(new GladlyInputError("args", `${op.operationId} takes one object of named parameters`));
    }
    if (typeof options !== "object" || options === null) {
      return Promise.reject(
        new GladlyInputError("options", `${op.operationId} takes its call options as one object, got ${options === null ? "null" : typeof options}`),
      );
    }
    try {
      // Read before the call is made: a getter throwing after it would leave its promise unhandled.
      const raw = options.raw;
      const result = invoke(ctx, op, args ?? {}, options);
      return raw ? result : result.then(dataOf);
    } catch (error) {
      // A getter on the caller's arguments or options that throws: still a rejection, never a throw.
      return Promise.reject(error);
    }
  };
  return Object.assign(method, { operation: op });
}

/**
 * Calls an operation but leaves the success body unread, for the stream helpers: the Response
 * is checked (errors throw as usual), retried while nothing was read, and handed over. Reading
 * its body fails with typed errors too (the pipeline's typed-errors layer), and its `url` is the
 * one to report (a file URL Gladly redirected to, without its signed query string).
 */
export async function openStream(
  ctx: OperationContext,
  operationId: OperationId,
  args: Record<string, unknown>,
  options: CallOptions & { followRedirects?: boolean } = {},
): Promise<Response> {
  const op = manifest[operationId] as OperationEntry;
  return (await send(ctx, op, args, options, "stream")).response;
}

/** Builds `{ group: { operationId: method } }` from the generated manifest. */
export function createOperationGroups(ctx: OperationContext): GladlyOperations {
  const groups: Record<string, Record<string, unknown>> = {};
  for (const op of Object.values(manifest) as OperationEntry[]) {
    groups[op.group] ??= {};
    groups[op.group]![op.operationId] = createMethod(ctx, op);
  }
  return groups as unknown as GladlyOperations;
}
