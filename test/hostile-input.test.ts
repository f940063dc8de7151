/**
 * Hostile or mistaken input the client must refuse or report truly: a header value that would
 * split the request, a conflict hidden behind a retried create, a redirect that downgrades to
 * plain http on loopback; and the fake Gladly's connection after a body it refused.
 */
import { Agent, request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GladlyConflictError, GladlyError, GladlyInputError, createGladlyClient } from "../src/index.ts";
import { type FakeGladly, startFakeGladly } from "../src/testing/index.ts";
import { type TestServer, json, startServer } from "./helpers/server.ts";

let fake: FakeGladly;
let server: TestServer;
beforeAll(async () => {
  fake = await startFakeGladly({ rateLimit: false });
  server = await startServer((_req, res) => json(res, 200, []));
});
afterAll(async () => {
  await Promise.all([fake.close(), server.close()]);
});

describe("a header value with CR or LF", () => {
  it("is a GladlyInputError before any request: the server sees nothing, nothing is retried", async () => {
    const attempts: unknown[] = [];
    const hooks = { onRequest: (info: unknown) => attempts.push(info), onRetry: (info: unknown) => attempts.push(info) };
    const base = { baseUrl: server.url, agentEmail: "a@example.com", apiToken: "t", rateLimit: false as const, retry: { initialDelayMs: 1 }, hooks };
    const seenBefore = server.requests.length;

    const perCall = createGladlyClient(base).teams.getTeams(undefined, { headers: { "X-Trace": "abc\r\nX-Injected: 1" } });
    await expect(perCall).rejects.toBeInstanceOf(GladlyInputError);
    await expect(perCall).rejects.toMatchObject({ param: "headers.x-trace" });
    await expect(createGladlyClient(base).teams.getTeams(undefined, { headers: { "X-Trace": "abc\ndef" } })).rejects.toBeInstanceOf(GladlyInputError);
    // The client's own headers are checked the same way, once, when the client is made.
    expect(() => createGladlyClient({ ...base, headers: { "X-Team": "a\rb" } })).toThrow(GladlyInputError);
    expect(() => createGladlyClient({ ...base, headers: { "X-Team": "a\rb" } })).toThrow(/headers\.x-team/);

    expect(server.requests.length).toBe(seenBefore);
    expect(attempts).toEqual([]);
  });
});

describe("a retried create that gets a 409 on another attribute", () => {
  it("surfaces as GladlyConflictError with that detail, not a read-back", async () => {
    const client = createGladlyClient({ ...fake.clientOptions(), rateLimit: false, retry: { initialDelayMs: 5 } });
    await client.customers.createCustomer({ body: { name: "First", emails: [{ original: "shared@example.com", primary: true }] } });
    const since = fake.requests.length;
    // The first attempt is lost before the fake processes it, so the retry is what meets the taken email.
    fake.inject({ resetConnection: "before", match: { operationId: "createCustomer" } });
    const error = await client.customers
      .createCustomer({ body: { name: "Second", emails: [{ original: "shared@example.com", primary: true }] } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GladlyConflictError);
    expect((error as GladlyConflictError).errors).toEqual([expect.objectContaining({ attr: "emails", code: "taken" })]);
    // Two attempts of the create, and no read-back of the id it chose.
    expect(fake.requests.slice(since).map((r) => [r.operationId, r.status])).toEqual([
      ["createCustomer", 0],
      ["createCustomer", 409],
    ]);
  });
});

describe("a redirect to plain http on loopback", () => {
  it("is refused from an https origin (nothing reaches the loopback target), followed between loopback hosts", async () => {
    const target = await startServer((_req, res) => json(res, 200, [{ id: "from-loopback" }]));
    const seenBefore = target.requests.length;
    // The client's fetch stands in for https://acme.gladly.com, without any network: its answer is a 303 to loopback.
    const productionFetch = async (request: Request): Promise<Response> =>
      request.url.startsWith("https://acme.gladly.com/")
        ? new Response(null, { status: 303, headers: { Location: `${target.url}/api/v1/teams` } })
        : fetch(request);
    const production = createGladlyClient({ organization: "acme", agentEmail: "a@example.com", apiToken: "t", rateLimit: false, fetch: productionFetch });
    const refused = await production.teams.getTeams().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GladlyError);
    expect((refused as Error).message).toMatch(/refused a redirect to a non-https URL/);
    expect(target.requests.length).toBe(seenBefore);

    // A local fake on loopback may still redirect to another loopback port.
    const local = await startServer((_req, res) => {
      res.writeHead(303, { Location: `${target.url}/api/v1/teams` }).end();
    });
    const followed = createGladlyClient({ baseUrl: local.url, agentEmail: "a@example.com", apiToken: "t", rateLimit: false });
    await expect(followed.teams.getTeams()).resolves.toEqual([{ id: "from-loopback" }]);
    expect(target.requests.length).toBe(seenBefore + 1);
    await Promise.all([target.close(), local.close()]);
  });
});

describe("the fake Gladly after a 413", () => {
  it("answers the next request on the same keep-alive connection instead of resetting it", async () => {
    const small = await startFakeGladly({ rateLimit: false, maxBodyBytes: 10_000 });
    const { port } = new URL(small.url);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const authorization = `Basic ${Buffer.from(`${small.agentEmail}:${small.apiToken}`).toString("base64")}`;
    /** One request through the keep-alive agent; a connection error is the answer, not a throw. */
    const call = (method: string, path: string, body?: Buffer, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; connection: string | undefined } | { error: string }>((resolve) => {
        const req = httpRequest(
          { host: "127.0.0.1", port, method, path, agent, headers: { Authorization: authorization, "Content-Type": "application/json", ...headers } },
          (res) => {
            res.resume();
            res.on("end", () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
          },
        );
        req.on("error", (error) => resolve({ error: String(error) }));
        req.end(body);
      });
    const big = Buffer.from(JSON.stringify({ name: "x".repeat(2 << 20) }));
    try {
      // A body past the limit is read to its end and discarded: the 413 keeps the connection.
      expect(await call("POST", "/api/v1/customer-profiles", big)).toMatchObject({ status: 413 });
      expect(await call("GET", "/api/v1/teams")).toMatchObject({ status: 200 });
      // Chunked (no Content-Length), so the limit is found while reading.
      expect(await call("POST", "/api/v1/customer-profiles", big, { "Transfer-Encoding": "chunked" })).toMatchObject({ status: 413 });
      expect(await call("GET", "/api/v1/teams")).toMatchObject({ status: 200 });
      // Refused before the body is read (bad credentials): the connection is still fine afterwards.
      expect(await call("POST", "/api/v1/customer-profiles", big, { Authorization: "Basic d3Jvbmc6d3Jvbmc=" })).toMatchObject({ status: 401 });
      expect(await call("GET", "/api/v1/teams")).toMatchObject({ status: 200 });
      // Far too large to drain (> 16 MiB past the limit): the 413 closes the connection (the client may
      // see it reset while still sending); either way the next request goes out on a new one and is answered.
      const huge = await call("POST", "/api/v1/customer-profiles", Buffer.alloc(20 << 20, 120), { "Transfer-Encoding": "chunked" });
      if ("status" in huge) expect(huge).toMatchObject({ status: 413, connection: "close" });
      expect(await call("GET", "/api/v1/teams")).toMatchObject({ status: 200 });
    } finally {
      agent.destroy();
      await small.close();
    }
  });
});
