/**
 * `gladly-api/webhooks`: receive Gladly's webhook deliveries. Web-standard at the core
 * (`(request: Request) => Promise<Response>`: Node ≥ 20, workers, Deno, Bun, Next.js route
 * handlers), with adapters for Node's `http` and Express-style `(req, res)`.
 */
import type { WebhookEvent } from "../generated/types.ts";
import { type WebhookEventType, webhookEventTypes } from "../generated/webhook-events.ts";

export type { WebhookEvent } from "../generated/types.ts";
export { type WebhookEventType, webhookEventTypes } from "../generated/webhook-events.ts";

/** The event of one type: `WebhookEventOf<"CONVERSATION/CLOSED">`. */
export type WebhookEventOf<T extends WebhookEventType> = Extract<WebhookEvent, { type: T }>;

const KNOWN = new Set<string>(webhookEventTypes);

/** Whether `value` is a webhook event Gladly documents (optionally: of this type). */
export function isWebhookEvent(value: unknown): value is WebhookEvent;
export function isWebhookEvent<T extends WebhookEventType>(value: unknown, type: T): value is WebhookEventOf<T>;
export function isWebhookEvent(value: unknown, type?: WebhookEventType): boolean {
  if (typeof value !== "object" || value === null) return false;
  const event = value as { type?: unknown; id?: unknown; timestamp?: unknown };
  if (typeof event.type !== "string" || !KNOWN.has(event.type) || (type !== undefined && event.type !== type)) return false;
  // PING carries nothing else; every other event has an id and a timestamp.
  return event.type === "PING" || (typeof event.id === "string" && typeof event.timestamp === "string");
}

/** What a webhook was configured to send: Basic credentials and/or header tokens. */
export interface WebhookSecrets {
  credentials?: { username: string; password: string };
  /** e.g. `{ "X-Gladly-Token": "…" }` */
  headers?: Record<string, string>;
}

const encoder = new TextEncoder();

/**
 * Equal or not, in time that does not depend on where two values differ or how long they are:
 * both are hashed (SHA-256, Web Crypto) and the fixed-length digests compared without early exit.
 */
export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([crypto.subtle.digest("SHA-256", encoder.encode(a)), crypto.subtle.digest("SHA-256", encoder.encode(b))]);
  const left = new Uint8Array(x);
  const right = new Uint8Array(y);
  let difference = 0;
  for (let i = 0; i < left.length; i++) difference |= left[i]! ^ right[i]!;
  return difference === 0;
}

function basic(credentials: { username: string; password: string }): string {
  const bytes = encoder.encode(`${credentials.username}:${credentials.password}`);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

/**
 * Checks a delivery's Basic credentials and/or header tokens against what the webhook was
 * configured with. Every configured secret must match; comparison is constant-time.
 */
export async function verifyWebhook(request: { headers: Headers | Record<string, string | string[] | undefined> }, secrets: WebhookSecrets): Promise<boolean> {
  if (!secrets.credentials && !secrets.headers) throw new TypeError("verifyWebhook: configure credentials and/or headers to check");
  const get = (name: string): string => {
    const headers = request.headers;
    if (headers instanceof Headers) return headers.get(name) ?? "";
    const value = headers[name.toLowerCase()] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
    return Array.isArray(value) ? value.join(",") : (value ?? "");
  };
  const checks: Promise<boolean>[] = [];
  if (secrets.credentials) checks.push(constantTimeEqual(get("authorization"), basic(secrets.credentials)));
  for (const [name, value] of Object.entries(secrets.headers ?? {})) checks.push(constantTimeEqual(get(name), value));
  // Every comparison runs, so the time taken does not say which one failed.
  const results = await Promise.all(checks);
  return results.every(Boolean);
}

type Handlers = { [T in WebhookEventType]?: (event: WebhookEventOf<T>) => unknown };

export interface WebhookHandlerOptions {
  /** The secrets to check, or your own check; omit only behind another layer that authenticates. */
  verify?: WebhookSecrets | ((request: Request) => boolean | Promise<boolean>);
  on: Handlers;
  /** An event type this code does not know yet (default: answered 200, reported to onError, so Gladly keeps the webhook). */
  onUnknown?: (event: { type: string } & Record<string, unknown>) => unknown;
  /** Failures and slow handlers; never throws back at Gladly. */
  onError?: (error: Error, event?: { type: string }) => void;
  /** Largest body accepted (default 1 MiB) → 413. */
  maxBodyBytes?: number;
  /** Report (via onError) handlers slower than this, in ms; Gladly gives up after 15 s (default 10 000). */
  budgetMs?: number;
}

export class WebhookBudgetExceededError extends Error {
  override name = "WebhookBudgetExceededError";
}

const text = (status: number, body: string) => new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8" } });

/** Reads at most `limit` bytes of a body; undefined when it is larger. */
async function readLimited(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array | undefined> {
  if (!body) return new Uint8Array();
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return concat(chunks, size);
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}

export interface WebhookHandler {
  (request: Request): Promise<Response>;
  /** For `http.createServer((req, res) => …)`. */
  node(req: NodeRequestLike, res: NodeResponseLike): Promise<void>;
  /** For Express-style frameworks; uses `req.body` when a body parser already read it. */
  express(req: NodeRequestLike & { body?: unknown }, res: NodeResponseLike): Promise<void>;
}

interface NodeRequestLike extends AsyncIterable<Uint8Array | string> {
  method?: string | undefined;
  url?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}
interface NodeResponseLike {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

/**
 * Answers Gladly as it needs: 200 for PING and for each handled event (after the handler
 * resolves), 200 for types this code does not know (so the webhook is not deactivated), 400 for
 * a body that is not an event, 401 for bad credentials, 413 for an oversized body, 500 when the
 * handler throws (so Gladly retries).
 */
export function createWebhookHandler(options: WebhookHandlerOptions): WebhookHandler {
  const limit = options.maxBodyBytes ?? 1 << 20;
  const budget = options.budgetMs ?? 10_000;
  const report = (error: Error, event?: { type: string }) => {
    try {
      options.onError?.(error, event);
    } catch {
      // A reporter's own failure must not change the answer to Gladly.
    }
  };

  async function authorized(request: Request): Promise<boolean> {
    if (!options.verify) return true;
    if (typeof options.verify === "function") return options.verify(request);
    return verifyWebhook(request, options.verify);
  }

  async function handleParsed(event: unknown): Promise<Response> {
    if (typeof event !== "object" || event === null || typeof (event as { type?: unknown }).type !== "string") return text(400, "not a Gladly webhook event");
    const typed = event as { type: string } & Record<string, unknown>;
    if (typed.type === "PING" && !options.on.PING) return text(200, "pong");
    if (!KNOWN.has(typed.type)) {
      if (options.onUnknown) await options.onUnknown(typed);
      else report(new Error(`unknown webhook event type ${typed.type}`), typed);
      return text(200, "ok");
    }
    if (!isWebhookEvent(typed)) return text(400, `not a valid ${typed.type} event`);
    const handler = options.on[typed.type as WebhookEventType] as ((event: WebhookEvent) => unknown) | undefined;
    if (!handler) return text(200, "ok");
    const started = Date.now();
    const slow = setTimeout(() => report(new WebhookBudgetExceededError(`handler for ${typed.type} is still running after ${budget}ms; Gladly gives up at 15 s`), typed), budget);
    try {
      await handler(typed as WebhookEvent);
      return text(200, "ok");
    } catch (error) {
      report(error instanceof Error ? error : new Error(String(error)), typed);
      return text(500, "handler failed");
    } finally {
      clearTimeout(slow);
      if (Date.now() - started > budget) report(new WebhookBudgetExceededError(`handler for ${typed.type} took ${Date.now() - started}ms`), typed);
    }
  }

  const handle = async (request: Request): Promise<Response> => {
    if (request.method !== "POST") return text(405, "POST only");
    if (!(await authorized(request))) return text(401, "bad credentials");
    const declared = Number(request.headers.get("content-length") ?? NaN);
    if (declared > limit) return text(413, "body too large");
    const bytes = await readLimited(request.body, limit);
    if (!bytes) return text(413, "body too large");
    let event: unknown;
    try {
      event = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      return text(400, "body is not JSON");
    }
    return handleParsed(event);
  };

  async function toWebRequest(req: NodeRequestLike, body: Uint8Array | undefined): Promise<Request> {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(",") : value);
    return new Request(`http://webhook.local${req.url ?? "/"}`, { method: req.method ?? "POST", headers, ...(body && req.method !== "GET" && { body: body as Uint8Array<ArrayBuffer> }) });
  }

  async function send(res: NodeResponseLike, response: Response): Promise<void> {
    res.statusCode = response.status;
    response.headers.forEach((value, name) => res.setHeader(name, value));
    res.end(await response.text());
  }

  async function nodeBody(req: NodeRequestLike): Promise<Uint8Array | undefined> {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of req) {
      const bytes = typeof chunk === "string" ? encoder.encode(chunk) : chunk;
      size += bytes.length;
      if (size > limit) return undefined;
      chunks.push(bytes);
    }
    return concat(chunks, size);
  }

  // Plain functions, not methods: they are passed around unbound (`createServer(handler.node)`).
  const node = async (req: NodeRequestLike, res: NodeResponseLike) => {
    const body = await nodeBody(req);
    await send(res, body === undefined ? text(413, "body too large") : await handle(await toWebRequest(req, body)));
  };
  return Object.assign(handle, {
    node,
    async express(req: NodeRequestLike & { body?: unknown }, res: NodeResponseLike) {
      if (req.body === undefined) return node(req, res);
      // A body parser already read it: check the credentials, then the parsed event.
      const request = await toWebRequest({ ...req, method: "POST", [Symbol.asyncIterator]: req[Symbol.asyncIterator] }, undefined);
      if (!(await authorized(request))) return send(res, text(401, "bad credentials"));
      const parsed = typeof req.body === "string" || req.body instanceof Uint8Array ? safeParse(req.body) : req.body;
      return send(res, parsed === undefined ? text(400, "body is not JSON") : await handleParsed(parsed));
    },
  });
}

function safeParse(body: string | Uint8Array): unknown {
  try {
    return JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body));
  } catch {
    return undefined;
  }
}
