/** Receiving webhooks over real HTTP on loopback, and the client's webhook helpers against the fake. */
import { Agent, createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spec } from "../src/testing/spec.ts";
import { GladlyInputError, GladlyWebhookLimitError, MAX_WEBHOOKS, createGladlyClient } from "../src/index.ts";
import { type FakeGladly, schemaProblems, startFakeGladly } from "../src/testing/index.ts";
import { type WebhookEvent, constantTimeEqual, createWebhookHandler, isWebhookEvent, verifyWebhook, webhookEventTypes } from "../src/webhooks.ts";

type Schema = {
  $ref?: string;
  example?: unknown;
  properties?: Record<string, Schema>;
  items?: Schema;
  oneOf?: Schema[];
  allOf?: Schema[];
  type?: string;
  enum?: unknown[];
};
const schemas = spec.components.schemas as Record<string, Schema>;

/** An event assembled from the spec's own `example` values, as its documentation shows it. */
function example(schema: Schema, depth = 0): unknown {
  if (schema.$ref) return example(schemas[schema.$ref.split("/").pop()!]!, depth + 1);
  if (schema.example !== undefined) return schema.example;
  if (schema.enum) return schema.enum[0];
  if (schema.oneOf) return example(schema.oneOf[0]!, depth + 1);
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s) => example(s, depth + 1)));
  if (schema.type === "array" && schema.items) return [example(schema.items, depth + 1)];
  if (schema.properties) return Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, example(v, depth + 1)]));
  return schema.type === "boolean" ? true : schema.type === "integer" || schema.type === "number" ? 1 : "x";
}

const members = (schemas.WebhookEvent!.oneOf ?? []).map((m) => m.$ref!.split("/").pop()!);
const examples = members.map((name) => ({ name, event: example(schemas[name]!) as WebhookEvent }));

describe("the 48 event types", () => {
  it("every type of the union has an example built from the spec that is a valid event", () => {
    expect(examples).toHaveLength(48);
    expect(examples.map((e) => e.event.type).sort()).toEqual([...webhookEventTypes].sort());
    for (const { name, event } of examples) {
      expect(schemaProblems(name, event), name).toEqual([]);
      expect(isWebhookEvent(event), name).toBe(true);
      expect(isWebhookEvent(event, event.type), name).toBe(true);
    }
  });

  it("isWebhookEvent tells types apart and rejects what is not an event", () => {
    const closed = examples.find((e) => e.event.type === "CONVERSATION/CLOSED")!.event;
    expect(isWebhookEvent(closed, "CONVERSATION/CREATED")).toBe(false);
    expect(isWebhookEvent({ type: "CONVERSATION/CLOSED" })).toBe(false);
    expect(isWebhookEvent({ type: "SOMETHING/NEW", id: "1", timestamp: "t" })).toBe(false);
    expect(isWebhookEvent({ type: "PING" })).toBe(true);
    expect(isWebhookEvent(null)).toBe(false);
  });
});

describe("verification", () => {
  const secrets = { credentials: { username: "gladly", password: "s3cret" }, headers: { "X-Gladly-Token": "tok-123" } };
  const auth = `Basic ${Buffer.from("gladly:s3cret").toString("base64")}`;

  it("accepts the configured credentials and header, and nothing less", async () => {
    expect(await verifyWebhook({ headers: new Headers({ authorization: auth, "x-gladly-token": "tok-123" }) }, secrets)).toBe(true);
    expect(await verifyWebhook({ headers: { authorization: auth, "x-gladly-token": "tok-124" } }, secrets)).toBe(false);
    expect(await verifyWebhook({ headers: { authorization: auth } }, secrets)).toBe(false);
    expect(await verifyWebhook({ headers: { authorization: `${auth}x`, "x-gladly-token": "tok-123" } }, secrets)).toBe(false);
    expect(await verifyWebhook({ headers: {} }, { headers: { "X-Gladly-Token": "tok-123" } })).toBe(false);
  });

  it("compares in constant time, whatever the lengths", async () => {
    expect(await constantTimeEqual("abc", "abc")).toBe(true);
    expect(await constantTimeEqual("abc", "abd")).toBe(false);
    expect(await constantTimeEqual("abc", "abcdef")).toBe(false);
    expect(await constantTimeEqual("", "")).toBe(true);
  });
});

describe("createWebhookHandler over HTTP", () => {
  const received: WebhookEvent[] = [];
  const errors: string[] = [];
  let url: string;
  let close: () => Promise<void>;
  const token = { "X-Gladly-Token": "tok-123" };

  beforeAll(async () => {
    const handler = createWebhookHandler({
      verify: { headers: token },
      on: {
        "CONVERSATION/CLOSED": async (event) => {
          expect(event.type).toBe("CONVERSATION/CLOSED");
          received.push(event);
        },
        "TASK/CREATED": () => {
          throw new Error("handler broke");
        },
        "TASK/CLOSED": () => new Promise((resolve) => setTimeout(resolve, 120)),
      },
      onError: (error) => errors.push(error.message),
      maxBodyBytes: 10_000,
      budgetMs: 50,
    });
    const server = createServer((req, res) => void handler.node(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/gladly`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  afterAll(() => close());

  const post = (body: string | object, headers: Record<string, string> = token) =>
    fetch(url, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
  const of = (type: string) => examples.find((e) => e.event.type === type)!.event;

  it("PING → 200", async () => expect((await post({ type: "PING" })).status).toBe(200));
  it("a handled event → 200 after its handler ran", async () => {
    expect((await post(of("CONVERSATION/CLOSED"))).status).toBe(200);
    expect(received.map((e) => e.type)).toEqual(["CONVERSATION/CLOSED"]);
  });
  it("a known event without a handler → 200", async () => expect((await post(of("CUSTOMER/MERGED"))).status).toBe(200));
  it("an unknown type → 200, and reported", async () => {
    expect((await post({ type: "BRAND_NEW/THING", id: "1", timestamp: "t" })).status).toBe(200);
    expect(errors.some((m) => m.includes("BRAND_NEW/THING"))).toBe(true);
  });
  it("malformed JSON or not an event → 400", async () => {
    expect((await post("{nope")).status).toBe(400);
    expect((await post({ hello: "world" })).status).toBe(400);
    expect((await post({ type: "CONVERSATION/CLOSED" })).status).toBe(400);
  });
  it("bad or missing credentials → 401", async () => {
    expect((await post(of("CONVERSATION/CLOSED"), { "X-Gladly-Token": "wrong" })).status).toBe(401);
    expect((await post(of("CONVERSATION/CLOSED"), {})).status).toBe(401);
  });
  it("a handler that throws → 500, so Gladly retries", async () => {
    expect((await post(of("TASK/CREATED"))).status).toBe(500);
    expect(errors).toContain("handler broke");
  });
  it("an oversized body → 413", async () => expect((await post({ type: "PING", pad: "x".repeat(20_000) })).status).toBe(413));
  it("a handler over its time budget is reported", async () => {
    expect((await post(of("TASK/CLOSED"))).status).toBe(200);
    expect(errors.some((m) => m.includes("TASK/CLOSED") && m.includes("50ms"))).toBe(true);
  });

  it("the Web handler and the Express adapter answer the same", async () => {
    const web = createWebhookHandler({ verify: { headers: token }, on: {} });
    expect((await web(new Request("http://x/", { method: "POST", headers: token, body: JSON.stringify({ type: "PING" }) }))).status).toBe(200);
    expect((await web(new Request("http://x/", { method: "POST", body: "{}" }))).status).toBe(401);
    const res = {
      statusCode: 0,
      headers: {} as Record<string, string>,
      body: "",
      setHeader(n: string, v: string) {
        this.headers[n] = v;
      },
      end(b?: string) {
        this.body = b ?? "";
      },
    };
    const req = { method: "POST", url: "/", headers: { "x-gladly-token": "tok-123" }, body: { type: "PING" }, async *[Symbol.asyncIterator]() {} };
    await web.express(req, res);
    expect(res.statusCode).toBe(200);
  });
});

describe("createWebhookHandler always answers", () => {
  const token = { "X-Gladly-Token": "tok-123" };
  const ping = JSON.stringify({ type: "PING" });
  const unknown = JSON.stringify({ type: "BRAND_NEW/THING", id: "1", timestamp: "t" });

  async function serve(handler: ReturnType<typeof createWebhookHandler>) {
    const server = createServer((req, res) => void handler.node(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    /** One request through a keep-alive agent; any connection error is the answer, not a throw. */
    const post = (body: string | Buffer, headers: Record<string, string> = token) =>
      new Promise<{ status: number; text: string; connection: string | undefined } | { error: string }>((resolve) => {
        const req = httpRequest(
          { host: "127.0.0.1", port, method: "POST", path: "/gladly", agent, headers: { "Content-Type": "application/json", ...headers } },
          (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => (text += chunk));
            res.on("end", () => resolve({ status: res.statusCode!, text, connection: res.headers.connection }));
          },
        );
        req.on("error", (error) => resolve({ error: String(error) }));
        req.end(body);
      });
    const close = async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    };
    return { post, close };
  }

  it("an onUnknown or verify that throws → 500 and onError, from the Node and the Web handler", async () => {
    const errors: string[] = [];
    const throwing = createWebhookHandler({
      verify: { headers: token },
      on: {},
      onUnknown: () => {
        throw new Error("onUnknown broke");
      },
      onError: (error) => errors.push(error.message),
    });
    const brokenCheck = createWebhookHandler({
      verify: async () => {
        throw new Error("verify broke");
      },
      on: {},
      onError: (error) => errors.push(error.message),
    });
    const a = await serve(throwing);
    const b = await serve(brokenCheck);
    expect(await a.post(unknown)).toMatchObject({ status: 500 });
    expect(await b.post(ping)).toMatchObject({ status: 500 });
    // Still serving, on the same agents.
    expect(await a.post(ping)).toMatchObject({ status: 200 });
    expect(await b.post(ping)).toMatchObject({ status: 500 });
    await Promise.all([a.close(), b.close()]);
    expect(errors).toEqual(["onUnknown broke", "verify broke", "verify broke"]);

    const web = (handler: ReturnType<typeof createWebhookHandler>, body: string) => handler(new Request("http://x/", { method: "POST", headers: token, body }));
    expect((await web(throwing, unknown)).status).toBe(500);
    expect((await web(brokenCheck, ping)).status).toBe(500);
    const res = {
      statusCode: 0,
      body: "",
      setHeader() {},
      end(b?: string) {
        this.body = b ?? "";
      },
    };
    await brokenCheck.express({ method: "POST", url: "/", headers: {}, body: { type: "PING" }, async *[Symbol.asyncIterator]() {} }, res);
    expect(res.statusCode).toBe(500);
    await throwing.express(
      { method: "POST", url: "/", headers: { "x-gladly-token": "tok-123" }, body: { type: "SOMETHING/ELSE" }, async *[Symbol.asyncIterator]() {} },
      res,
    );
    expect(res.statusCode).toBe(500);
    expect(errors.slice(3)).toEqual(["onUnknown broke", "verify broke", "verify broke", "onUnknown broke"]);
  });

  it("after a 413 the keep-alive connection is closed cleanly: the next request is answered, not reset", async () => {
    const handler = createWebhookHandler({ verify: { headers: token }, on: {}, maxBodyBytes: 10_000 });
    const server = await serve(handler);
    const big = Buffer.alloc(2 << 20, 120);
    const refused = await server.post(big);
    expect(refused).toMatchObject({ status: 413, connection: "close" });
    expect(await server.post(ping)).toMatchObject({ status: 200, text: "pong" });
    // Chunked (no Content-Length), so the limit is found while reading.
    const chunked = await server.post(big, { ...token, "Transfer-Encoding": "chunked" });
    expect(chunked).toMatchObject({ status: 413, connection: "close" });
    expect(await server.post(ping)).toMatchObject({ status: 200, text: "pong" });
    await server.close();
  });

  it("checks credentials before reading the body: an unauthenticated 2 MB POST → 401", async () => {
    let verified = 0;
    const handler = createWebhookHandler({
      verify: (request) => {
        verified++;
        return request.headers.get("x-gladly-token") === "tok-123";
      },
      on: {},
      maxBodyBytes: 10_000,
    });
    const server = await serve(handler);
    expect(await server.post(Buffer.alloc(2 << 20, 120), { "X-Gladly-Token": "wrong" })).toMatchObject({ status: 401, connection: "close" });
    expect(await server.post(ping)).toMatchObject({ status: 200 });
    expect(verified).toBe(2);
    await server.close();
    const web = await handler(new Request("http://x/", { method: "POST", body: "x".repeat(2 << 20) }));
    expect(web.status).toBe(401);
  });
});

describe("client helpers against the fake", () => {
  let fake: FakeGladly;
  beforeAll(async () => {
    fake = await startFakeGladly({ rateLimit: false });
  });
  afterAll(() => fake.close());
  const gladly = () => createGladlyClient({ ...fake.clientOptions(), rateLimit: false });

  it("ensureWebhook creates once, then updates by URL and re-enables", async () => {
    const first = await gladly().webhooks.ensureWebhook({ url: "https://hooks.example.com/a", events: ["CONVERSATION/CLOSED"] });
    expect(first.created).toBe(true);
    await gladly().webhooks.updateWebhook({ webhookId: first.webhookId, body: { enabled: false } });
    const again = await gladly().webhooks.ensureWebhook({ url: "https://hooks.example.com/a", events: ["CONVERSATION/CLOSED", "TASK/CREATED"] });
    expect(again).toEqual({ webhookId: first.webhookId, created: false });
    const hook = await gladly().webhooks.getWebhook({ webhookId: first.webhookId });
    expect(hook).toMatchObject({ enabled: true, events: ["CONVERSATION/CLOSED", "TASK/CREATED"] });
    await gladly().webhooks.updateWebhook({ webhookId: first.webhookId, body: { enabled: false } });
    await gladly().webhooks.reactivateWebhook(first.webhookId);
    expect((await gladly().webhooks.getWebhook({ webhookId: first.webhookId })).enabled).toBe(true);
  });

  it("ensureWebhook says clearly when the organization is at Gladly's limit of 20", async () => {
    for (let i = fake.state.webhooks.size; i < MAX_WEBHOOKS; i++)
      await gladly().webhooks.createWebhook({ body: { url: `https://hooks.example.com/${i}`, events: ["TASK/CREATED"], enabled: true } });
    const error = await gladly()
      .webhooks.ensureWebhook({ url: "https://hooks.example.com/one-too-many", events: ["TASK/CREATED"] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GladlyWebhookLimitError);
    expect((error as Error).message).toContain("Gladly's limit is 20");
    expect((error as GladlyWebhookLimitError).url).toBe(`${fake.url}/api/v1/webhooks`);
  });

  it("hydrate fetches what an event refers to", async () => {
    const client = gladly();
    await client.customers.createCustomer({ body: { id: "hyd-c", name: "Hydrated" } });
    await client.tasks.createTask({
      customerId: "hyd-c",
      body: { id: "hyd-t", assignee: { inboxId: fake.state.defaultInboxId }, body: "b", dueAt: "2030-01-01T00:00:00Z" },
    });
    const event = { ...of("TASK/CREATED"), content: { customerId: "hyd-c", taskId: "hyd-t" } } as WebhookEvent;
    const hydrated = await client.hydrate(event);
    expect(hydrated).toMatchObject({ customer: { id: "hyd-c", name: "Hydrated" }, task: { id: "hyd-t" } });
    const gone = await client.hydrate({ ...event, content: { customerId: "nobody", taskId: "hyd-t" } } as WebhookEvent);
    expect((gone as { customer?: unknown }).customer).toBeUndefined();
  });

  it("createToken checks the identity before asking Gladly", async () => {
    const client = gladly();
    expect(await client.userIdentity.createToken({ email: "francis@example.com" })).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(await client.userIdentity.createToken({ phone: "+14155550100" })).toMatch(/\./);
    await expect(client.userIdentity.createToken({ phone: "415-555-0100" })).rejects.toBeInstanceOf(GladlyInputError);
    await expect(client.userIdentity.createToken({ email: "not an email" })).rejects.toThrow(/not an email address/);
  });
});

function of(type: string): WebhookEvent {
  return examples.find((e) => e.event.type === type)!.event;
}

describe("deliveries from the fake Gladly", () => {
  it("PINGs on create, delivers subscribed events with the configured secrets, retries, then deactivates", async () => {
    const fake = await startFakeGladly({ rateLimit: false, deliverWebhooks: { retryDelaysMs: [10, 10, 10, 10] } });
    const got: string[] = [];
    let failing = false;
    const handler = createWebhookHandler({
      verify: { credentials: { username: "gladly", password: "pw" }, headers: { "X-Gladly-Token": "t-1" } },
      on: {
        "CUSTOMER_PROFILE/CREATED": (event) => {
          if (failing) throw new Error("down");
          got.push(event.content.customerId as string);
        },
      },
    });
    const server = createServer((req, res) => void handler.node(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    try {
      const gladly = createGladlyClient({ ...fake.clientOptions(), rateLimit: false });
      const { webhookId } = await gladly.webhooks.ensureWebhook({
        url: endpoint,
        events: ["CUSTOMER_PROFILE/CREATED"],
        credentials: { username: "gladly", password: "pw" },
        headers: { "X-Gladly-Token": "t-1" },
      });
      expect(fake.deliveries[0]).toMatchObject({ webhookId, type: "PING", status: 200 });

      await gladly.customers.createCustomer({ body: { id: "delivered-1" } });
      await fake.webhooksSettled();
      expect(got).toEqual(["delivered-1"]);

      failing = true;
      await gladly.customers.createCustomer({ body: { id: "delivered-2" } });
      await fake.webhooksSettled();
      expect(fake.deliveries.filter((d) => d.type === "CUSTOMER_PROFILE/CREATED" && d.status === 500).map((d) => d.attempt)).toEqual([1, 2, 3, 4, 5]);
      expect(await gladly.webhooks.getWebhook({ webhookId })).toMatchObject({ enabled: false, disabledAtDueToRetryLimit: expect.any(String) });

      // A webhook whose endpoint does not answer the PING is refused, as Gladly refuses it.
      await expect(gladly.webhooks.createWebhook({ body: { url: "http://127.0.0.1:9/nothing", events: ["TASK/CREATED"], enabled: true } })).rejects.toThrow(
        /PING/,
      );
    } finally {
      server.close();
      await fake.close();
    }
  });
});
