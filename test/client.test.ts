import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GladlyAbortError,
  GladlyAuthenticationError,
  GladlyConflictError,
  GladlyConnectionError,
  GladlyCustomerMergedError,
  GladlyError,
  GladlyInputError,
  GladlyNotFoundError,
  GladlyPermissionError,
  GladlyRateLimitError,
  GladlyServerError,
  GladlyValidationError,
  createGladlyClient,
} from "../src/index.ts";
import type { ServerResponse } from "node:http";
import { type SeenRequest, type TestServer, json, startServer } from "./helpers/server.ts";

const TOKEN = "tok_SuperSecret_9f8e7d";
const EMAIL = "api@example.com";
let server: TestServer;
let other: TestServer;

// Routes by path; each test sets what it needs.
const routes = new Map<string, (req: SeenRequest, res: ServerResponse) => void>();

beforeAll(async () => {
  server = await startServer((req, res) => {
    const path = req.url.split("?")[0]!;
    const handler = routes.get(`${req.method} ${path}`) ?? routes.get(path);
    if (handler) return handler(req, res);
    json(res, 404, { errors: [{ code: "not_exist", detail: `nothing at ${path}` }] });
  });
  other = await startServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "application/octet-stream" }).end("file-bytes");
  });
});
afterAll(async () => {
  await server.close();
  await other.close();
});

const client = (options: Parameters<typeof createGladlyClient>[0] = {}) =>
  createGladlyClient({ baseUrl: server.url, agentEmail: EMAIL, apiToken: TOKEN, rateLimit: false, retry: false, ...options });

async function caught(promise: Promise<unknown>): Promise<GladlyError> {
  try {
    await promise;
  } catch (error) {
    return error as GladlyError;
  }
  throw new Error("expected the call to throw");
}

describe("path parameters", () => {
  it("are percent-encoded so an id cannot change the route", async () => {
    routes.set("/api/v1/customer-profiles/..%2Forganization", (_req, res) => json(res, 200, { id: "odd" }));
    await expect(client().customers.getCustomer({ customerId: "../organization" })).resolves.toEqual({ id: "odd" });
    expect(server.requests.at(-1)!.url).toBe("/api/v1/customer-profiles/..%2Forganization");
  });

  it.each(["..", ".", ""])("rejects %j before sending anything", async (customerId) => {
    const before = server.requests.length;
    const error = await caught(client().customers.getCustomer({ customerId }));
    expect(error).toBeInstanceOf(GladlyInputError);
    expect((error as unknown as GladlyInputError).param).toBe("customerId");
    expect(server.requests.length).toBe(before);
  });

  it("rejects the same in the raw openapi-fetch style", async () => {
    await expect(client().GET("/customer-profiles/{customerId}", { params: { path: { customerId: ".." } } })).rejects.toBeInstanceOf(GladlyInputError);
  });

  it("rejects unknown and missing parameters by name", async () => {
    const gladly = client() as unknown as { customers: { getCustomer(a: object): Promise<unknown> }; events: { getEvents(a: object): Promise<unknown> } };
    await expect(gladly.customers.getCustomer({ customerID: "x" })).rejects.toThrow(/customerID: is not a parameter of getCustomer \(it takes customerId\)/);
    await expect(gladly.events.getEvents({ entities: ["TASK"] })).rejects.toThrow(/startAt: query parameter is required/);
  });
});

describe("query parameters", () => {
  it("repeats arrays and serializes dates", async () => {
    routes.set("/api/v1/events", (_req, res) => res.writeHead(200, { "Content-Type": "application/x-jsonlines" }).end('{"id":"1"}\n'));
    const text = await client().events.getEvents({ entities: ["TASK", "CONVERSATION"], startAt: new Date("2026-11-25T10:00:00Z") as unknown as string });
    expect(text).toBe('{"id":"1"}\n');
    const url = new URL(server.requests.at(-1)!.url, server.url);
    expect(url.searchParams.getAll("entities")).toEqual(["TASK", "CONVERSATION"]);
    expect(url.searchParams.get("startAt")).toBe("2026-11-25T10:00:00.000Z");
    expect(server.requests.at(-1)!.headers.accept).toBe("application/x-jsonlines");
  });
});

describe("errors", () => {
  const cases = [
    [400, GladlyValidationError],
    [401, GladlyAuthenticationError],
    [403, GladlyPermissionError],
    [404, GladlyNotFoundError],
    [409, GladlyConflictError],
    [429, GladlyRateLimitError],
    [500, GladlyServerError],
    [503, GladlyServerError],
    [418, GladlyError],
  ] as const;

  it.each(cases.map(([status, ErrorClass]) => [status, ErrorClass.name, ErrorClass] as const))(
    "%i → %s with Gladly's errors parsed",
    async (status, _name, ErrorClass) => {
      routes.set(`/api/v1/tasks/t${status}`, (_req, res) =>
        json(res, status, { errors: [{ attr: "status", code: "invalid", detail: "status is not valid" }] }, { "X-Request-Id": `req-${status}` }),
      );
      const error = await caught(client().tasks.getTask({ taskId: `t${status}` }));
      expect(error).toBeInstanceOf(ErrorClass);
      expect(error).toBeInstanceOf(GladlyError);
      expect(error.name).toBe(ErrorClass.name);
      expect(error.status).toBe(status);
      expect(error.method).toBe("GET");
      expect(error.url).toBe(`${server.url}/api/v1/tasks/t${status}`);
      expect(error.requestId).toBe(`req-${status}`);
      expect(error.errors).toEqual([{ attr: "status", code: "invalid", detail: "status is not valid" }]);
      expect(error.message).toBe(`GET /api/v1/tasks/t${status} → ${status}: status: status is not valid (invalid)`);
    },
  );

  it("429 carries Retry-After in seconds, from seconds or an HTTP date", async () => {
    routes.set("/api/v1/tasks/slow", (_req, res) => json(res, 429, { errors: [{ code: "rate_limited", detail: "slow down" }] }, { "Retry-After": "3" }));
    expect(((await caught(client().tasks.getTask({ taskId: "slow" }))) as GladlyRateLimitError).retryAfter).toBe(3);
    const when = new Date(Date.now() + 10_000).toUTCString();
    routes.set("/api/v1/tasks/slowdate", (_req, res) => json(res, 429, {}, { "Retry-After": when }));
    const retryAfter = ((await caught(client().tasks.getTask({ taskId: "slowdate" }))) as GladlyRateLimitError).retryAfter!;
    expect(retryAfter).toBeGreaterThan(7);
    expect(retryAfter).toBeLessThanOrEqual(10);
  });

  it("reads the single-object form of errors that parts of the API use", async () => {
    routes.set("/api/v1/custom-attributes/ca1", (_req, res) =>
      json(res, 404, { errors: { code: "not_exist", detail: "custom attribute ca1 does not exist" } }),
    );
    const error = await caught(client().freeformTopics.getCustomAttribute({ customAttributeId: "ca1" }));
    expect(error).toBeInstanceOf(GladlyNotFoundError);
    expect(error.errors).toEqual([{ code: "not_exist", detail: "custom attribute ca1 does not exist" }]);
  });

  it("reads the bare list of errors that deleteJob's 400 sends", async () => {
    const detail = "unable to delete job with status [IN_PROGRESS]. Please try again after it has finished";
    routes.set("DELETE /api/v1/export/jobs/busy", (_req, res) => json(res, 400, [{ attr: "status", code: "temporary_failure", detail }]));
    const error = await caught(client().export.deleteJob({ jobId: "busy" }));
    expect(error).toBeInstanceOf(GladlyValidationError);
    expect(error.errors).toEqual([{ attr: "status", code: "temporary_failure", detail }]);
    expect(error.message).toBe(`DELETE /api/v1/export/jobs/busy → 400: status: ${detail} (temporary_failure)`);
  });

  it("a non-JSON error body still gives a typed error with an excerpt", async () => {
    routes.set("/api/v1/tasks/html", (_req, res) =>
      res.writeHead(502, { "Content-Type": "text/html" }).end(`<html><body>Bad gateway ${"x".repeat(500)}</body></html>`),
    );
    const error = await caught(client().tasks.getTask({ taskId: "html" }));
    expect(error).toBeInstanceOf(GladlyServerError);
    expect(error.errors).toEqual([]);
    expect(error.message).toMatch(/→ 502: <html><body>Bad gateway x+…$/);
    expect(error.message.length).toBeLessThan(300);
  });

  it("an empty error body gives the status text", async () => {
    routes.set("/api/v1/tasks/empty", (_req, res) => res.writeHead(500).end());
    const error = await caught(client().tasks.getTask({ taskId: "empty" }));
    expect(error).toBeInstanceOf(GladlyServerError);
    expect(error.message).toBe("GET /api/v1/tasks/empty → 500: Internal Server Error");
  });

  it("a truncated body is a connection error, not a crash", async () => {
    routes.set("/api/v1/tasks/cut", (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": "500" });
      res.write('{"id":"cut","bo');
      setTimeout(() => res.destroy(), 20);
    });
    const error = await caught(client().tasks.getTask({ taskId: "cut" }));
    expect(error).toBeInstanceOf(GladlyConnectionError);
    expect(error.status).toBeUndefined();
  });

  it("a truncated error body still gives a typed error", async () => {
    routes.set("/api/v1/tasks/cuterr", (_req, res) => {
      res.writeHead(400, { "Content-Type": "application/json", "Content-Length": "500" });
      res.write('{"errors":[{"co');
      setTimeout(() => res.destroy(), 20);
    });
    const error = await caught(client().tasks.getTask({ taskId: "cuterr" }));
    expect(error).toBeInstanceOf(GladlyError);
  });

  it("invalid JSON in a success body is a GladlyError naming the problem", async () => {
    routes.set("/api/v1/tasks/badjson", (_req, res) => res.writeHead(200, { "Content-Type": "application/json" }).end("{not json"));
    const error = await caught(client().tasks.getTask({ taskId: "badjson" }));
    expect(error).toBeInstanceOf(GladlyError);
    expect(error.message).toContain("response body is not valid JSON");
  });

  it("a refused connection is a GladlyConnectionError", async () => {
    const closed = await startServer(() => undefined);
    await closed.close();
    const error = await caught(createGladlyClient({ baseUrl: closed.url, agentEmail: EMAIL, apiToken: TOKEN, retry: false }).organization.getOrganization());
    expect(error).toBeInstanceOf(GladlyConnectionError);
    expect(error.message).toContain("GET /api/v1/organization: request failed");
  });

  it("the caller's abort is a GladlyAbortError, not a connection failure, carrying the signal's reason", async () => {
    routes.set("/api/v1/tasks/hang", () => undefined);
    const controller = new AbortController();
    const pending = client().tasks.getTask({ taskId: "hang" }, { signal: controller.signal });
    const reason = new Error("superseded by a newer query");
    setTimeout(() => controller.abort(reason), 20);
    const error = await caught(pending);
    expect(error).toBeInstanceOf(GladlyAbortError);
    expect(error).not.toBeInstanceOf(GladlyConnectionError);
    expect(error.message).toBe("GET /api/v1/tasks/hang: aborted by the caller");
    expect(error.cause).toBe(reason);
  });

  it("openapi-fetch methods: an HTTP error comes back as { error, response }, its body unread by the client", async () => {
    for (const status of [404, 500, 429]) {
      routes.set(`/api/v1/tasks/e${status}`, (_req, res) => json(res, status, { errors: [{ code: "some_code", detail: `status ${status}` }] }));
      const result = await client().GET("/tasks/{taskId}", { params: { path: { taskId: `e${status}` } } });
      expect(result.response.status).toBe(status);
      expect(result.error).toEqual({ errors: [{ code: "some_code", detail: `status ${status}` }] });
      expect(result.data).toBeUndefined();
    }
  });

  it("a body that stalls after its headers is bounded by the timeout, for calls that read it", async () => {
    routes.set("/api/v1/tasks/stall", (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write('{"id":"st');
    });
    const error = await caught(client({ timeout: 300 }).tasks.getTask({ taskId: "stall" }));
    expect(error).toBeInstanceOf(GladlyConnectionError);
    expect(error.message).toMatch(/timed out/);
  });

  it("openapi-fetch methods: no answer at all is a typed GladlyConnectionError, not fetch's TypeError", async () => {
    const closed = await startServer(() => undefined);
    await closed.close();
    const gladly = createGladlyClient({ baseUrl: closed.url, agentEmail: EMAIL, apiToken: TOKEN, retry: false, rateLimit: false });
    const error = await caught(gladly.GET("/organization"));
    expect(error).toBeInstanceOf(GladlyConnectionError);
    expect(error.message).toContain("GET /api/v1/organization: request failed");
  });
});

describe("merged customers (301)", () => {
  const moved = (res: ServerResponse) =>
    json(res, 301, { errors: [{ attr: "customerId", code: "moved", detail: "customer id has changed", meta: { old: "old-id", new: "new-id" } }] });

  beforeAll(() => {
    routes.set("/api/v1/customer-profiles/old-id", (_req, res) => moved(res));
    routes.set("/api/v1/customer-profiles/new-id", (_req, res) => json(res, 200, { id: "new-id", name: "Survivor" }));
    routes.set("POST /api/v1/customers/old-id/conversation-items", (_req, res) => moved(res));
    routes.set("POST /api/v1/customers/new-id/conversation-items", (req, res) => json(res, 200, { id: "item-1", echoed: JSON.parse(req.body) }));
  });

  it("are followed by default", async () => {
    const { data, response } = await client().customers.getCustomer({ customerId: "old-id" }, { raw: true });
    expect(data).toEqual({ id: "new-id", name: "Survivor" });
    expect(response.url).toBe(`${server.url}/api/v1/customer-profiles/new-id`);
  });

  it("re-send a create to the surviving customer with the same body", async () => {
    const body = { id: "item-1", content: { type: "CUSTOMER_ACTIVITY", title: "hi" } } as never;
    await expect(client().conversations.createCustomerItem({ customerId: "old-id", body })).resolves.toEqual({ id: "item-1", echoed: body });
  });

  it("are not followed by a delete, which would delete the surviving customer", async () => {
    let survivorDeleted = false;
    routes.set("DELETE /api/v1/customer-profiles/old-id", (_req, res) => moved(res));
    routes.set("DELETE /api/v1/customer-profiles/new-id", (_req, res) => {
      survivorDeleted = true;
      res.writeHead(204).end();
    });
    const error = await caught(client().customers.deleteCustomer({ customerId: "old-id" }));
    expect(error).toBeInstanceOf(GladlyCustomerMergedError);
    expect((error as GladlyCustomerMergedError).newCustomerId).toBe("new-id");
    expect(survivorDeleted).toBe(false);
  });

  it("surface the surviving id when following is off", async () => {
    const error = await caught(client({ followMergedCustomers: false }).customers.getCustomer({ customerId: "old-id" }));
    expect(error).toBeInstanceOf(GladlyCustomerMergedError);
    expect((error as GladlyCustomerMergedError).newCustomerId).toBe("new-id");
    expect((error as GladlyCustomerMergedError).oldCustomerId).toBe("old-id");
    expect(error.status).toBe(301);
  });
});

describe("redirects (303 for attachments)", () => {
  it("keep credentials on the same origin", async () => {
    routes.set("/api/v1/conversation-items/i1/attachments/a1", (_req, res) => res.writeHead(303, { Location: "/files/a1" }).end());
    routes.set("/files/a1", (_req, res) => res.writeHead(200, { "Content-Type": "image/png" }).end("png"));
    const bytes = await client().conversations.getAttachment({ itemId: "i1", attachmentId: "a1" });
    expect(new TextDecoder().decode(bytes)).toBe("png");
    expect(server.requests.at(-1)!.headers.authorization).toMatch(/^Basic /);
  });

  it("drop credentials when the redirect leaves the origin", async () => {
    routes.set("/api/v1/conversation-items/i1/attachments/a2", (_req, res) => res.writeHead(303, { Location: `${other.url}/bucket/a2?sig=1` }).end());
    const bytes = await client().conversations.getAttachment({ itemId: "i1", attachmentId: "a2" });
    expect(new TextDecoder().decode(bytes)).toBe("file-bytes");
    const seen = other.requests.at(-1)!;
    expect(seen.url).toBe("/bucket/a2?sig=1");
    expect(seen.headers.authorization).toBeUndefined();
    expect(JSON.stringify(seen.headers)).not.toContain(Buffer.from(`${EMAIL}:${TOKEN}`).toString("base64"));
  });

  it("refuse to leave https for plain http on another host", async () => {
    routes.set("/api/v1/conversation-items/i1/attachments/insecure", (_req, res) => res.writeHead(303, { Location: "http://files.example.invalid/a" }).end());
    await expect(client().conversations.getAttachment({ itemId: "i1", attachmentId: "insecure" })).rejects.toThrow(/refused a redirect to a non-https URL/);
  });

  it("refuse a redirect loop", async () => {
    routes.set("/api/v1/conversation-items/i1/attachments/loop", (_req, res) =>
      res.writeHead(303, { Location: "/api/v1/conversation-items/i1/attachments/loop" }).end(),
    );
    await expect(client().conversations.getAttachment({ itemId: "i1", attachmentId: "loop" })).rejects.toThrow(/more than 5 redirects/);
  });
});

describe("both call styles", () => {
  it("raw openapi-fetch and grouped methods hit the same endpoint with auth", async () => {
    routes.set("/api/v1/organization", (_req, res) => json(res, 200, { id: "org-1", name: "Acme" }));
    const gladly = client();
    const raw = await gladly.GET("/organization");
    expect(raw.data).toEqual({ id: "org-1", name: "Acme" });
    expect(server.requests.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString("base64")}`);
    await expect(gladly.organization.getOrganization()).resolves.toEqual({ id: "org-1", name: "Acme" });
    const withResponse = await gladly.organization.getOrganization(undefined, { raw: true });
    expect(withResponse.response.status).toBe(200);
    expect(withResponse.data).toEqual({ id: "org-1", name: "Acme" });
  });

  it("public answers send no Authorization in either style", async () => {
    routes.set("/api/v1/orgs/org-1/answers-search", (_req, res) => json(res, 200, [{ id: "a1", name: "Reset password" }]));
    const gladly = client();
    await gladly.publicAnswers.searchAnswers({ orgId: "org-1", q: "reset password" });
    expect(server.requests.at(-1)!.headers.authorization).toBeUndefined();
    expect(server.requests.at(-1)!.url).toBe("/api/v1/orgs/org-1/answers-search?q=reset%20password");
    await gladly.GET("/orgs/{orgId}/answers-search", { params: { path: { orgId: "org-1" }, query: { q: "x" } } });
    expect(server.requests.at(-1)!.headers.authorization).toBeUndefined();
  });

  it("sends a User-Agent naming the library and the caller", async () => {
    routes.set("/api/v1/organization", (_req, res) => json(res, 200, {}));
    await client({ userAgent: "my-app/1.2" }).organization.getOrganization();
    expect(server.requests.at(-1)!.headers["user-agent"]).toMatch(/^my-app\/1\.2 gladly-api\/\d/);
  });
});

describe("the API token never leaks", () => {
  const basic = Buffer.from(`${EMAIL}:${TOKEN}`).toString("base64");
  const leaks = (text: string) => text.includes(TOKEN) || text.includes(basic);

  it("not from the client", () => {
    const gladly = client();
    expect(leaks(String(gladly))).toBe(false);
    expect(leaks(JSON.stringify(gladly))).toBe(false);
    expect(leaks(inspect(gladly, { depth: Infinity, showHidden: true }))).toBe(false);
  });

  it("not from any error", async () => {
    routes.set("/api/v1/tasks/secret", (_req, res) => json(res, 401, { errors: [{ code: "unauthorized", detail: "bad credentials" }] }));
    const closed = await startServer(() => undefined);
    await closed.close();
    const errors = [
      await caught(client().tasks.getTask({ taskId: "secret" })),
      await caught(createGladlyClient({ baseUrl: closed.url, agentEmail: EMAIL, apiToken: TOKEN, retry: false }).tasks.getTask({ taskId: "x" })),
      await caught(client().customers.getCustomer({ customerId: ".." })),
    ];
    for (const error of errors) {
      expect(leaks(error.message)).toBe(false);
      expect(leaks(String(error))).toBe(false);
      expect(leaks(JSON.stringify(error))).toBe(false);
      expect(leaks(inspect(error, { depth: Infinity, showHidden: true }))).toBe(false);
    }
  });
});
