/**
 * `gladly-api/webhooks`: receive Gladly's webhook deliveries. Web-standard at the core
 * (`(request: Request) => Promise<Response>`: Node ≥ 20, workers, Deno, Bun, Next.js route
 * handlers), with adapters for Node's `http` and Express-style `(req, res)`.
 *
 * @module gladly-api/webhooks
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
  /** The Basic credentials the webhook was created with. */
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

/** A handler per event type, each given the event of its type. */
type Handlers = { [T in WebhookEventType]?: (event: WebhookEventOf<T>) => unknown };

/** Settings of {@link createWebhookHandler}: how deliveries are checked, and what handles each event type. */
export interface WebhookHandlerOptions {
  /** The secrets to check, or your own check; omit only behind another layer that authenticates. */
  verify?: WebhookSecrets | ((request: Request) => boolean | Promise<boolean>);
  /** A handler per event type (`"CONVERSATION/CLOSED": (event) => …`); Gladly gets 200 once it resolves, 500 if it throws. */
  on: Handlers;
  /** An event type this code does not know yet (default: answered 200, reported to onError, so Gladly keeps the webhook). */
  onUnknown?: (event: { type: string } & Record<string, unknown>) => unknown;
  /**
   * Everything that went wrong on your side: a handler, `onUnknown` or `verify` that threw (answered
   * 500, so Gladly retries), unknown event types and slow handlers. Its own failures are ignored.
   */
  onError?: (error: Error, event?: { type: string }) => void;
  /** Largest body accepted (default 1 MiB) → 413. */
  maxBodyBytes?: number;
  /** Report (via onError) handlers slower than this, in ms; Gladly gives up after 15 s (default 10 000). */
  budgetMs?: number;
}

/** Reported to `onError` when a handler runs longer than `budgetMs` (Gladly gives up on a delivery after 15 s). */
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

/**
 * A webhook receiver made by {@link createWebhookHandler}: call it with a web `Request` (workers, Deno,
 * Bun, Next.js route handlers), or use its `node` and `express` adapters.
 */
export interface WebhookHandler {
  /** Answers one delivery; never rejects. */
  (request: Request): Promise<Response>;
  /** For `http.createServer((req, res) => …)`. */
  node(req: NodeRequestLike, res: NodeResponseLike): Promise<void>;
  /** For Express-style frameworks; uses `req.body` when a body parser already read it. */
  express(req: NodeRequestLike & { body?: unknown }, res: NodeResponseLike): Promise<void>;
}

/** The parts of a Node `IncomingMessage` (or an Express request) the adapters use. */
interface NodeRequestLike extends AsyncIterable<Uint8Array | string> {
  method?: string | undefined;
  url?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}
/** The parts of a Node `ServerResponse` (or an Express response) the adapters use. */
interface NodeResponseLike {
  statusCode: number;
  /** Sets one header of the answer. */
  setHeader(name: string, value: string): unknown;
  /** Sends the answer. */
  end(body?: string): unknown;
}

/**
 * Answers Gladly as it needs: 200 for PING and for each handled event (after the handler
 * resolves), 200 for types this code does not know (so the webhook is not deactivated), 400 for
 * a body that is not an event, 401 for bad credentials (checked before the body is read), 405 for
 * a method other than POST, 413 for an oversized body, 500 when the handler, `onUnknown` or
 * `verify` throws (so Gladly retries). It always answers: never rejects, never leaves a request hanging.
 */
export function createWebhookHandler(options: WebhookHandlerOptions): WebhookHandler {
  const limit = options.maxBodyBytes ?? 1 << 20;
  const budget = options.budgetMs ?? 10_000;
  const report = (error: unknown, event?: { type: string }) => {
    try {
      options.onError?.(error instanceof Error ? error : new Error(String(error)), event);
    } catch {
      // A reporter's own failure must not change the answer to Gladly.
    }
  };
  /** Our side failed (not the sender's): 500 so Gladly retries, and the cause goes to onError. */
  const failed = (error: unknown, event?: { type: string }) => {
    report(error, event);
    return text(500, event ? "handler failed" : "webhook receiver failed");
  };

  /** 401 for a failed check; a check that throws is our failure, not a verdict on the credentials. */
  async function checkCredentials(request: Request): Promise<Response | undefined> {
    if (!options.verify) return undefined;
    try {
      const ok = typeof options.verify === "function" ? await options.verify(request) : await verifyWebhook(request, options.verify);
      return ok === true ? undefined : text(401, "bad credentials");
    } catch (error) {
      return failed(error);
    }
  }

  async function handleParsed(event: unknown): Promise<Response> {
    if (typeof event !== "object" || event === null || typeof (event as { type?: unknown }).type !== "string") return text(400, "not a Gladly webhook event");
    const typed = event as { type: string } & Record<string, unknown>;
    if (typed.type === "PING" && !options.on.PING) return text(200, "pong");
    if (!KNOWN.has(typed.type)) {
      try {
        if (options.onUnknown) await options.onUnknown(typed);
        else report(new Error(`unknown webhook event type ${typed.type}`), typed);
      } catch (error) {
        return failed(error, typed);
      }
      return text(200, "ok");
    }
    if (!isWebhookEvent(typed)) return text(400, `not a valid ${typed.type} event`);
    const handler = options.on[typed.type as WebhookEventType] as ((event: WebhookEvent) => unknown) | undefined;
    if (!handler) return text(200, "ok");
    const started = Date.now();
    const slow = setTimeout(
      () => report(new WebhookBudgetExceededError(`handler for ${typed.type} is still running after ${budget}ms; Gladly gives up at 15 s`), typed),
      budget,
    );
    try {
      await handler(typed as WebhookEvent);
      return text(200, "ok");
    } catch (error) {
      return failed(error, typed);
    } finally {
      clearTimeout(slow);
      if (Date.now() - started > budget) report(new WebhookBudgetExceededError(`handler for ${typed.type} took ${Date.now() - started}ms`), typed);
    }
  }

  function parse(bytes: Uint8Array): Promise<Response> {
    let event: unknown;
    try {
      event = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      return Promise.resolve(text(400, "body is not JSON"));
    }
    return handleParsed(event);
  }

  /** Everything that can be said before reading the body: method, credentials, declared size. */
  async function beforeBody(request: Request): Promise<Response | undefined> {
    if (request.method !== "POST") return text(405, "POST only");
    const refused = await checkCredentials(request);
    if (refused) return refused;
    const declared = Number(request.headers.get("content-length") ?? NaN);
    if (declared > limit) return text(413, "body too large");
    return undefined;
  }

  const handle = async (request: Request): Promise<Response> => {
    try {
      const early = await beforeBody(request);
      if (early) return early;
      const bytes = await readLimited(request.body, limit);
      return bytes ? await parse(bytes) : text(413, "body too large");
    } catch (error) {
      return failed(error);
    }
  };

  function headersOf(req: NodeRequestLike): Headers {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      try {
        headers.set(name, Array.isArray(value) ? value.join(",") : value);
      } catch {
        // A name or value Headers cannot hold (Node's parser lets none through) counts as absent.
      }
    }
    return headers;
  }

  /** The request without its body, for the checks made before reading it. */
  function headRequest(req: NodeRequestLike): Request {
    const path = typeof req.url === "string" && req.url.startsWith("/") && !req.url.startsWith("//") ? req.url : "/";
    let url = "http://webhook.local/";
    try {
      url = new URL(path, url).href;
    } catch {
      // keep "/": the path is informational for a custom verify
    }
    // Only a POST gets this far (see node), and Request refuses some other methods outright.
    return new Request(url, { method: "POST", headers: headersOf(req) });
  }

  async function send(res: NodeResponseLike, response: Response, closeConnection = false): Promise<void> {
    res.statusCode = response.status;
    response.headers.forEach((value, name) => {
      res.setHeader(name, value);
    });
    // The rest of a refused body is discarded, not read: the client must not reuse this connection.
    if (closeConnection) res.setHeader("Connection", "close");
    res.end(await response.text());
  }

  // Plain functions, not methods: they are passed around unbound (`createServer(handler.node)`).
  const node = async (req: NodeRequestLike, res: NodeResponseLike) => {
    let response: Response;
    let unread = true;
    try {
      const early = (req.method ?? "POST") === "POST" ? await beforeBody(headRequest(req)) : text(405, "POST only");
      if (early) response = early;
      else {
        const body = await nodeBody(req, limit);
        unread = !body.complete;
        response = body.bytes ? await parse(body.bytes) : text(413, "body too large");
      }
    } catch (error) {
      response = failed(error);
    }
    if (unread) discard(req);
    try {
      await send(res, response, unread);
    } catch (error) {
      report(error);
    }
  };
  return Object.assign(handle, {
    node,
    async express(req: NodeRequestLike & { body?: unknown }, res: NodeResponseLike) {
      if (req.body === undefined) return node(req, res);
      let response: Response;
      try {
        // A body parser already read it: check the credentials, then the parsed event.
        const refused = await checkCredentials(headRequest(req));
        const parsed = typeof req.body === "string" || req.body instanceof Uint8Array ? safeParse(req.body) : req.body;
        response = refused ?? (parsed === undefined ? text(400, "body is not JSON") : await handleParsed(parsed));
      } catch (error) {
        response = failed(error);
      }
      try {
        await send(res, response);
      } catch (error) {
        report(error);
      }
    },
  });
}

interface ReadableLike {
  on(event: string, listener: (arg: unknown) => void): unknown;
  off(event: string, listener: (arg: unknown) => void): unknown;
  resume(): unknown;
  readableEnded?: boolean;
}

const isReadable = (req: NodeRequestLike): req is NodeRequestLike & ReadableLike =>
  typeof (req as Partial<ReadableLike>).on === "function" &&
  typeof (req as Partial<ReadableLike>).off === "function" &&
  typeof (req as Partial<ReadableLike>).resume === "function";

/** Lets the rest of a body we will not read flow away, so it neither piles up nor stalls the socket. */
function discard(req: NodeRequestLike): void {
  if (isReadable(req) && !req.readableEnded) req.resume();
}

/**
 * Reads at most `limit` bytes of a Node request. Past the limit it stops collecting but leaves the
 * stream flowing (breaking out of `for await` would destroy it, and the socket with it).
 */
function nodeBody(req: NodeRequestLike, limit: number): Promise<{ bytes?: Uint8Array; complete: boolean }> {
  if (!isReadable(req)) return iterableBody(req, limit);
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const finish = (outcome: { bytes?: Uint8Array; complete: boolean } | Error) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const onData = (chunk: unknown) => {
      const bytes = typeof chunk === "string" ? encoder.encode(chunk) : (chunk as Uint8Array);
      size += bytes.length;
      if (size > limit) finish({ complete: false });
      else chunks.push(bytes);
    };
    const onEnd = () => finish({ bytes: concat(chunks, size), complete: true });
    const onError = (error: unknown) => finish(error instanceof Error ? error : new Error(String(error)));
    const onClose = () => finish(new Error("the request was closed before its body arrived"));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

async function iterableBody(req: AsyncIterable<Uint8Array | string>, limit: number): Promise<{ bytes?: Uint8Array; complete: boolean }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req) {
    const bytes = typeof chunk === "string" ? encoder.encode(chunk) : chunk;
    size += bytes.length;
    if (size > limit) return { complete: false };
    chunks.push(bytes);
  }
  return { bytes: concat(chunks, size), complete: true };
}

function safeParse(body: string | Uint8Array): unknown {
  try {
    return JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body));
  } catch {
    return undefined;
  }
}
