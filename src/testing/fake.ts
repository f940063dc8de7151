import { timingSafeEqual } from "node:crypto";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { OperationEntry } from "../../generated/operations.ts";
import { type Fault, type FaultHandle, FaultQueue } from "./faults.ts";
import { handlerFor, type Reply } from "./handlers/index.ts";
import { type ErrorDetail, FakeHttpError } from "./http-error.ts";
import { seededRandom } from "./ids.ts";
import { SlidingWindow } from "./rate-limit.ts";
import { BASE_PATH, decodeOrUndefined, matchFakeRoute } from "./router.ts";
import { FakeClock, FakeState } from "./state.ts";
import { type DeliveryRecord, WebhookDelivery } from "./webhook-delivery.ts";
import { unknownProperties } from "./unknown-properties.ts";
import { validateBody, validateQuery } from "./validate.ts";

/** Settings of {@link startFakeGladly}; every one is optional. */
export interface FakeGladlyOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Makes ids and generated data repeatable. */
  seed?: number;
  /** Gladly's limits by default: 10 requests/second across all clients, Reports 10/minute and 2 at a time. `false` turns them off. */
  rateLimit?: false | { perSecond?: number; reportsPerMinute?: number; reportsConcurrent?: number };
  /** Origins allowed to call the Public Answers API from a browser (default: any). */
  corsOrigins?: "*" | string[];
  /** How long a report takes to generate, so the concurrency limit can be observed. */
  reportLatencyMs?: number;
  /** How far the events endpoint runs behind real time (Gladly: up to 15 s). Default 0. */
  eventLagMs?: number;
  agentEmail?: string;
  apiToken?: string;
  /** Largest request body accepted, in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /**
   * Deliver events to registered webhooks (loopback URLs only), with a PING on create and on a URL
   * change. Off by default; `true`, or the pauses between the 4 retries (Gladly: over an hour; default 50–400 ms).
   */
  deliverWebhooks?: boolean | { retryDelaysMs?: number[] };
  /**
   * A request body property the spec does not declare (`emailAddresses` for `emails`) is a
   * Gladly-shaped 400 instead of an entry in `fake.warnings` (default false: Gladly itself does not
   * promise to refuse them, and the fake is not stricter than Gladly unless asked).
   */
  strict?: boolean;
}

/** Something the fake accepted but that is probably a mistake, e.g. a body property the spec does not know. */
export interface FakeWarning {
  method: string;
  path: string;
  operationId: string;
  /** Where in the body, e.g. `emailAddresses` or `content.bodyy`. */
  attr: string;
  detail: string;
}

/** One request the fake received, as `fake.requests` lists it. */
export interface FakeRequestRecord {
  method: string;
  path: string;
  operationId: string | undefined;
  /** The status answered; 0 when the fake dropped the connection, 499 when the client did. */
  status: number;
  /** When the answer went out (Date.now()). */
  at: number;
  /** When the request arrived (performance.now(), for measuring spacing). */
  receivedAt: number;
}

/** A running fake Gladly (from {@link startFakeGladly}): its address, credentials, state and controls. */
export interface FakeGladly {
  /** Origin of the server, e.g. http://127.0.0.1:41234; give it to createGladlyClient as `baseUrl`. */
  readonly url: string;
  /** A name for the fake organization (its subdomain, were it real). */
  readonly organization: string;
  /** The organization id the Public Answers API takes as `orgId`. */
  readonly orgId: string;
  readonly agentEmail: string;
  readonly apiToken: string;
  /** Everything the fake holds, to arrange and inspect in tests. */
  readonly state: FakeState;
  /** Time as the fake sees it; `advance(ms)` moves it forward. */
  readonly clock: FakeClock;
  /** Every request answered, in order. */
  readonly requests: FakeRequestRecord[];
  /** Body properties the spec does not declare, one entry each (with `strict: true` they are 400s instead). */
  readonly warnings: FakeWarning[];
  /** Every webhook delivery attempt (with `deliverWebhooks`). */
  readonly deliveries: DeliveryRecord[];
  /** Resolves when the webhook deliveries under way, retries included, are done. */
  webhooksSettled(): Promise<void>;
  /** Options for createGladlyClient that point at this fake. */
  clientOptions(): { baseUrl: string; agentEmail: string; apiToken: string };
  /** Make the next matching requests fail, stall or break (see Fault). */
  inject(fault: Fault): FaultHandle;
  /** Stops the server, closing the connections still open, and withdraws injected faults. */
  close(): Promise<void>;
}

const JSON_TYPE = "application/json; charset=utf-8";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  // Compare equal-length buffers so the time taken does not reveal where they differ.
  const same = timingSafeEqual(left.length === right.length ? left : right, right);
  return same && left.length === right.length;
}

function errorBody(errors: ErrorDetail[]): string {
  return JSON.stringify({ errors });
}

/** How much of an oversized body is read and thrown away to keep the connection; past it, it is closed. */
const DRAIN_BYTES = 16 << 20;

/**
 * Reads a request body of at most `limit` bytes; a longer one is a 413. Its rest is read and
 * discarded (up to DRAIN_BYTES) before the answer, so a keep-alive client can send its next request
 * on the same connection; beyond that the 413 closes the connection. Never left unread, nor the
 * stream destroyed (as leaving `for await` early does): the client's next request would be reset.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const refuse = (close: boolean) => {
      req.off("data", collect);
      req.off("end", done);
      // Whatever still arrives goes nowhere until the connection closes after the answer.
      if (close) req.resume();
      const detail = `request body cannot be larger than ${limit} bytes`;
      reject(new FakeHttpError(413, [{ code: "too_long", detail }], close ? { Connection: "close" } : {}));
    };
    const collect = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > limit + DRAIN_BYTES) refuse(true);
      else chunks.length = 0;
    };
    const done = () => (size > limit ? refuse(false) : resolve(Buffer.concat(chunks)));
    // A client that went away (an abort during a delay) ends nothing: the request is answered as gone.
    const gone = () => reject(new Error("the client went away before its body was read"));
    if (req.destroyed) return gone();
    if (Number(req.headers["content-length"]) > limit + DRAIN_BYTES) return refuse(true);
    req.on("data", collect);
    req.once("end", done);
    req.once("error", reject);
    req.once("close", gone);
  });
}

function queryObject(op: OperationEntry, search: URLSearchParams): Record<string, unknown> {
  const query: Record<string, unknown> = {};
  for (const param of op.queryParams) {
    if (!search.has(param.name)) continue;
    query[param.name] = param.array ? search.getAll(param.name) : search.get(param.name);
  }
  return query;
}

/**
 * Starts a fake Gladly on 127.0.0.1: every operation of the spec, validated against its schemas,
 * with Basic auth, rate limits and CORS as Gladly has them, and state that persists between calls.
 */
export async function startFakeGladly(options: FakeGladlyOptions = {}): Promise<FakeGladly> {
  const clock = new FakeClock();
  const state = new FakeState({ seed: options.seed ?? 1, clock, eventLagMs: options.eventLagMs ?? 0 });
  const agentEmail = options.agentEmail ?? [...state.agents.values()][0]!.emailAddress!;
  const apiToken = options.apiToken ?? `fake-token-${state.newId()}`;
  const expectedAuth = `Basic ${Buffer.from(`${agentEmail}:${apiToken}`).toString("base64")}`;
  const limits = options.rateLimit === false ? undefined : { perSecond: 10, reportsPerMinute: 10, reportsConcurrent: 2, ...options.rateLimit };
  const perSecond = limits && new SlidingWindow(limits.perSecond, 1000);
  const reportsPerMinute = limits && new SlidingWindow(limits.reportsPerMinute, 60_000);
  let reportsInFlight = 0;
  const corsOrigins = options.corsOrigins ?? "*";
  const maxBodyBytes = options.maxBodyBytes ?? 1 << 20;
  const faults = new FaultQueue(seededRandom((options.seed ?? 1) + 1));
  const delivery = new WebhookDelivery(state, (typeof options.deliverWebhooks === "object" && options.deliverWebhooks.retryDelaysMs) || [50, 100, 200, 400]);
  if (options.deliverWebhooks) {
    state.onEvent = (event) => delivery.dispatch(event);
    state.pingWebhook = (webhook) => delivery.ping(webhook);
  }
  const requests: FakeRequestRecord[] = [];
  const warnings: FakeWarning[] = [];
  let origin = "";

  function rateHeaders(res: ServerResponse): void {
    if (!perSecond) return;
    res.setHeader("Ratelimit-Limit-Second", String(perSecond.limit));
    res.setHeader("Ratelimit-Remaining-Second", String(perSecond.remaining()));
  }

  function corsHeaders(req: IncomingMessage, res: ServerResponse): void {
    const requestOrigin = req.headers.origin;
    if (!requestOrigin) return;
    if (corsOrigins !== "*" && !corsOrigins.includes(requestOrigin)) return;
    res.setHeader("Access-Control-Allow-Origin", corsOrigins === "*" ? "*" : requestOrigin);
    res.setHeader("Vary", "Origin");
    res.setHeader("Access-Control-Allow-Methods", "GET, OPTIONS");
    res.setHeader("Access-Control-Allow-Headers", "Accept, Content-Type");
    res.setHeader("Access-Control-Max-Age", "600");
  }

  function send(res: ServerResponse, reply: Reply): void {
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
    if (reply.json !== undefined) {
      res.writeHead(reply.status, { "Content-Type": JSON_TYPE }).end(JSON.stringify(reply.json));
    } else if (reply.text !== undefined) {
      res.writeHead(reply.status, { "Content-Type": reply.contentType ?? "text/plain" }).end(reply.text);
    } else if (reply.bytes !== undefined) {
      res
        .writeHead(reply.status, { "Content-Type": reply.contentType ?? "application/octet-stream", "Content-Length": String(reply.bytes.length) })
        .end(reply.bytes);
    } else {
      res.writeHead(reply.status).end();
    }
  }

  const fail = (error: FakeHttpError): Reply => ({ status: error.status, json: { errors: error.errors }, headers: error.headers });

  async function answer(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
  ): Promise<{ reply?: Reply; operationId?: string; fault?: Fault; dropped?: boolean }> {
    const method = req.method ?? "GET";
    const pathname = url.pathname;

    // The signed file URLs attachments redirect to: no Gladly credentials, as on a file host.
    const file = /^\/files\/attachments\/([^/]+)$/.exec(pathname);
    if (method === "GET" && file) {
      const id = decodeOrUndefined(file[1]!);
      const attachment = id === undefined ? undefined : state.attachments.get(id);
      if (!attachment || !url.searchParams.get("signature")) return { reply: { status: 404, text: "not found" } };
      return {
        reply: {
          status: 200,
          bytes: attachment.bytes,
          contentType: attachment.contentType,
          headers: { "Content-Disposition": `attachment; filename="${attachment.filename}"` },
        },
      };
    }

    const route = matchFakeRoute(method === "OPTIONS" ? String(req.headers["access-control-request-method"] ?? "GET") : method, pathname);
    if ("malformed" in route) return { reply: { status: 400, json: { errors: [{ code: "invalid", detail: route.malformed }] } } };
    const op = route.op;
    if (op && !op.auth) corsHeaders(req, res);
    if (method === "OPTIONS")
      return { reply: op && !op.auth ? { status: 204 } : { status: 404, json: { errors: [{ code: "not_exist", detail: `no route for ${pathname}` }] } } };

    const fault = faults.take({ method, path: pathname, ...(op && { template: op.path, operationId: op.operationId }) });
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault && (fault.resetConnection === true || fault.resetConnection === "before")) {
      req.socket.destroy();
      return { dropped: true, ...(op && { operationId: op.operationId }) };
    }
    rateHeaders(res);
    if (fault?.status !== undefined) {
      const detail = fault.status === 429 ? "rate limit exceeded" : `injected ${fault.status}`;
      const headers = fault.retryAfter !== undefined ? { "Retry-After": String(fault.retryAfter) } : undefined;
      return {
        reply: {
          status: fault.status,
          json: { errors: [{ code: fault.status === 429 ? "rate_limited" : "temporary_failure", detail }] },
          ...(headers && { headers }),
        },
        ...(op && { operationId: op.operationId }),
      };
    }

    if (!op) {
      const detail = route.pathExists ? `${method} is not supported on ${pathname}` : `no route for ${pathname}`;
      return { reply: { status: route.pathExists ? 405 : 404, json: { errors: [{ code: "not_exist", detail }] } } };
    }

    if (perSecond) {
      const admitted = perSecond.take();
      rateHeaders(res);
      if (!admitted.ok) {
        return {
          operationId: op.operationId,
          reply: {
            status: 429,
            json: { errors: [{ code: "rate_limited", detail: `more than ${perSecond.limit} requests per second` }] },
            headers: { "Retry-After": String(Math.max(1, Math.ceil(admitted.retryAfterMs / 1000))) },
          },
        };
      }
    }

    if (op.auth && !safeEqual(req.headers.authorization ?? "", expectedAuth)) {
      return {
        operationId: op.operationId,
        reply: {
          status: 401,
          json: { errors: [{ code: "unauthorized", detail: "missing or invalid credentials" }] },
          headers: { "WWW-Authenticate": 'Basic realm="Gladly"' },
        },
      };
    }

    const isReport = op.group === "reports";
    if (isReport && limits) {
      if (reportsInFlight >= limits.reportsConcurrent) {
        return {
          operationId: op.operationId,
          reply: {
            status: 429,
            json: { errors: [{ code: "rate_limited", detail: `at most ${limits.reportsConcurrent} reports at a time` }] },
            headers: { "Retry-After": "1" },
          },
        };
      }
      const admitted = reportsPerMinute!.take();
      if (!admitted.ok) {
        return {
          operationId: op.operationId,
          reply: {
            status: 429,
            json: { errors: [{ code: "rate_limited", detail: `more than ${limits.reportsPerMinute} reports per minute` }] },
            headers: { "Retry-After": String(Math.ceil(admitted.retryAfterMs / 1000)) },
          },
        };
      }
    }

    try {
      if (isReport) reportsInFlight++;
      const raw = await readBody(req, maxBodyBytes);
      let body: unknown;
      if (raw.length) {
        if (!String(req.headers["content-type"] ?? "").includes("json"))
          throw new FakeHttpError(400, [{ code: "invalid", detail: "request body must be JSON (Content-Type: application/json)" }]);
        try {
          body = JSON.parse(raw.toString("utf8"));
        } catch {
          throw new FakeHttpError(400, [{ code: "invalid", detail: "request body is not valid JSON" }]);
        }
      }
      const query = queryObject(op, url.searchParams);
      const unknown = unknownProperties(op, body);
      if (!options.strict)
        for (const { attr = "body", detail } of unknown) warnings.push({ method, path: pathname, operationId: op.operationId, attr, detail });
      const problems = [...validateQuery(op, query), ...validateBody(op, body), ...(options.strict ? unknown : [])];
      if (problems.length) throw new FakeHttpError(400, problems);
      const handler = handlerFor(op.operationId);
      if (!handler) throw new FakeHttpError(501, [{ code: "temporary_failure", detail: `${op.operationId} is not implemented by the fake` }]);
      if (isReport && options.reportLatencyMs) await sleep(options.reportLatencyMs);
      const reply = await handler({
        state,
        op,
        params: (route as { params: Record<string, string> }).params,
        query,
        body: body as never,
        origin,
        headers: req.headers,
      });
      return { reply, operationId: op.operationId, ...(fault && { fault }) };
    } catch (error) {
      if (error instanceof FakeHttpError) return { reply: fail(error), operationId: op.operationId };
      throw error;
    } finally {
      if (isReport) reportsInFlight--;
    }
  }

  async function serve(req: IncomingMessage, res: ServerResponse, receivedAt: number): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", origin);
    } catch {
      // e.g. an absolute-form target that is not a URL: nothing to route, still an answer.
      res.writeHead(400, { "Content-Type": JSON_TYPE }).end(errorBody([{ code: "invalid", detail: "the request target is not a URL" }]));
      requests.push({ method: req.method ?? "GET", path: req.url ?? "", operationId: undefined, status: 400, at: Date.now(), receivedAt });
      return;
    }
    const record = (status: number, operationId?: string) =>
      requests.push({ method: req.method ?? "GET", path: url.pathname, operationId, status, at: Date.now(), receivedAt });
    try {
      const { reply, operationId, fault, dropped } = await answer(req, res, url);
      if (dropped || !reply) {
        record(0, operationId);
        return;
      }
      if (fault?.resetConnection === "after") {
        record(0, operationId);
        req.socket.destroy();
        return;
      }
      if (fault?.resetConnection === "mid-body") {
        const text = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.text ?? "");
        res.writeHead(reply.status, { "Content-Type": JSON_TYPE, "Content-Length": String(Buffer.byteLength(text) + 64) });
        res.write(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
        setTimeout(() => req.socket.destroy(), 5);
        record(0, operationId);
        return;
      }
      if (fault?.malformedBody) {
        res.writeHead(200, { "Content-Type": JSON_TYPE }).end('{"malformed": ');
        record(200, operationId);
        return;
      }
      send(res, reply);
      record(reply.status, operationId);
    } catch (error) {
      const operationId = matchFakeRoute(req.method ?? "GET", url.pathname).op?.operationId;
      // 499, as nginx logs it: the client went away before the answer.
      if (req.destroyed || res.destroyed) {
        record(499, operationId);
        return;
      }
      if (!res.headersSent)
        res
          .writeHead(500, { "Content-Type": JSON_TYPE })
          .end(errorBody([{ code: "temporary_failure", detail: `fake Gladly failed: ${(error as Error).message}` }]));
      record(500, operationId);
    }
  }

  // A test tool must never die on its input: whatever escapes serve() ends this request, not the process.
  const server = createServer((req, res) => {
    serve(req, res, performance.now()).catch(() => {
      if (!res.headersSent && !res.destroyed)
        res.writeHead(500, { "Content-Type": JSON_TYPE }).end(errorBody([{ code: "temporary_failure", detail: "fake Gladly failed" }]));
      else req.socket.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;

  return {
    url: origin,
    organization: "fake",
    orgId: state.organization.id,
    agentEmail,
    apiToken,
    state,
    clock,
    requests,
    warnings,
    deliveries: delivery.deliveries,
    webhooksSettled: () => delivery.settled(),
    clientOptions: () => ({ baseUrl: origin, agentEmail, apiToken }),
    inject: (fault) => faults.add(fault),
    close: () =>
      new Promise<void>((resolve) => {
        faults.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export { BASE_PATH };
