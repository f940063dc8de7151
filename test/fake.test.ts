/** The fake's own behaviour, spoken to over plain HTTP the way Gladly would be. */
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeGladly, startFakeGladly } from "../src/testing/index.ts";

let fake: FakeGladly;
let auth: string;

beforeAll(async () => {
  fake = await startFakeGladly({ rateLimit: false, corsOrigins: ["http://allowed.test"] });
  auth = `Basic ${Buffer.from(`${fake.agentEmail}:${fake.apiToken}`).toString("base64")}`;
});
afterAll(() => fake.close());

function call(method: string, path: string, init: { body?: unknown; headers?: Record<string, string>; auth?: string | null } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.auth !== null) headers.Authorization = init.auth ?? auth;
  if (init.body !== undefined) headers["Content-Type"] = "application/json";
  return fetch(`${fake.url}/api/v1${path}`, {
    method,
    headers,
    ...(init.body !== undefined && { body: typeof init.body === "string" ? init.body : JSON.stringify(init.body) }),
    redirect: "manual",
  });
}

const errorsOf = async (response: Response) => ((await response.json()) as { errors: { attr?: string; code: string; detail: string }[] }).errors;

describe("validation", () => {
  it("answers 400 with blank for a missing required field", async () => {
    const response = await call("POST", "/topics", { body: {} });
    expect(response.status).toBe(400);
    expect(await errorsOf(response)).toEqual([{ attr: "name", code: "blank", detail: "name cannot be blank" }]);
  });

  it("answers 400 with invalid for a wrong type and a wrong enum, naming the nested attribute", async () => {
    const response = await call("POST", "/customer-profiles", {
      body: { name: 12, phones: [{ original: "+1", regionCode: "US", primary: true, type: "PAGER" }] },
    });
    expect(response.status).toBe(400);
    const errors = await errorsOf(response);
    expect(errors).toContainEqual({ attr: "name", code: "invalid", detail: "name must be string" });
    expect(errors).toContainEqual(expect.objectContaining({ attr: "phones.type", code: "invalid" }));
  });

  it("validates query parameters: required, enum and arrays", async () => {
    const missing = await call("GET", "/events?entities=TASK");
    expect(missing.status).toBe(400);
    expect(await errorsOf(missing)).toEqual([{ attr: "startAt", code: "blank", detail: "startAt cannot be blank" }]);
    const wrong = await call("GET", `/events?entities=TASK&entities=NOPE&startAt=${new Date().toISOString()}`);
    expect(wrong.status).toBe(400);
    expect((await errorsOf(wrong))[0]).toMatchObject({ attr: "entities", code: "invalid" });
  });

  it("answers 400 for a body that is not JSON", async () => {
    const response = await call("POST", "/topics", { body: "{nope" });
    expect(response.status).toBe(400);
    expect((await errorsOf(response))[0]!.detail).toBe("request body is not valid JSON");
  });

  it("answers 413 for an oversized body", async () => {
    const response = await call("POST", "/topics", { body: { name: "x".repeat(1_100_000) } });
    expect(response.status).toBe(413);
  });
});

describe("unknown body properties", () => {
  it("are warnings by default: fake.warnings names the property and what was probably meant", async () => {
    const before = fake.warnings.length;
    const created = await call("POST", "/customer-profiles", { body: { id: "typo-1", name: "Typo", emailAddresses: [{ original: "typo@example.com" }] } });
    expect(created.status).toBe(201);
    expect(fake.warnings.slice(before)).toEqual([
      expect.objectContaining({
        method: "POST",
        path: "/api/v1/customer-profiles",
        operationId: "createCustomer",
        attr: "emailAddresses",
        detail: expect.stringContaining("did you mean emails?"),
      }),
    ]);
    // Nested, through $ref, allOf and arrays; declared properties and free-form maps are not reported.
    await call("POST", "/customer-profiles", {
      body: { id: "typo-2", name: "Typo", emails: [{ original: "t2@example.com", primry: true }], customAttributes: { anything: "goes" } },
    });
    expect(fake.warnings.slice(before + 1).map((w) => w.attr)).toEqual(["emails.primry"]);
    expect(fake.warnings.slice(before + 1)[0]!.detail).toContain("did you mean emails.primary?");
  });

  it("are Gladly-shaped 400s with strict: true, and nothing is created", async () => {
    const strict = await startFakeGladly({ rateLimit: false, strict: true });
    try {
      const authorization = `Basic ${Buffer.from(`${strict.agentEmail}:${strict.apiToken}`).toString("base64")}`;
      const post = (body: unknown) =>
        fetch(`${strict.url}/api/v1/customer-profiles`, {
          method: "POST",
          headers: { Authorization: authorization, "Content-Type": "application/json" },
          body: JSON.stringify(body),
        });
      const refused = await post({ id: "typo-3", name: "Typo", emailAddresses: [{ original: "typo@example.com" }] });
      expect(refused.status).toBe(400);
      const errors = await errorsOf(refused);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ attr: "emailAddresses", code: "invalid" });
      expect(errors[0]!.detail).toMatch(/^emailAddresses is not a property of the body; did you mean emails\?/);
      expect(strict.state.customers.has("typo-3")).toBe(false);
      expect(strict.warnings).toEqual([]);
      expect((await post({ id: "typo-4", name: "Fine", emails: [{ original: "fine@example.com" }] })).status).toBe(201);
    } finally {
      await strict.close();
    }
  });
});

describe("auth", () => {
  it("answers 401 without credentials and with wrong ones", async () => {
    expect((await call("GET", "/organization", { auth: null })).status).toBe(401);
    const wrong = await call("GET", "/organization", { auth: `Basic ${Buffer.from(`${fake.agentEmail}:nope`).toString("base64")}` });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain("Basic");
    expect((await errorsOf(wrong))[0]!.code).toBe("unauthorized");
  });

  it("lets Public Answers through without credentials", async () => {
    const response = await call("GET", `/orgs/${fake.orgId}/answers`, { auth: null });
    expect(response.status).toBe(200);
    expect(((await response.json()) as unknown[]).length).toBeGreaterThan(0);
  });
});

describe("not found and conflicts", () => {
  it("answers 404 in Gladly's shape for unknown routes and ids", async () => {
    const route = await call("GET", "/no-such-thing");
    expect(route.status).toBe(404);
    expect((await errorsOf(route))[0]!.code).toBe("not_exist");
    const id = await call("GET", "/customer-profiles/nobody");
    expect(id.status).toBe(404);
    expect(await errorsOf(id)).toEqual([{ attr: "customerId", code: "not_exist", detail: "customer nobody does not exist" }]);
  });

  it("answers a malformed % escape in Gladly's shape, and stays up", async () => {
    for (const id of ["%zz", "%", "%e0%a4", "%ff", "a%2"]) {
      const response = await call("GET", `/customer-profiles/${id}`);
      expect(response.status, id).toBe(400);
      expect(await errorsOf(response), id).toEqual([{ code: "invalid", detail: `/api/v1/customer-profiles/${id} is not valid percent-encoding` }]);
    }
    expect((await fetch(`${fake.url}/files/attachments/%zz?signature=x`)).status).toBe(404);
    const absolute = await new Promise<number>((resolve, reject) => {
      // An absolute-form target that is not a URL (Node's parser lets it through).
      const req = httpRequest({ host: "127.0.0.1", port: new URL(fake.url).port, path: "http://[::1/x" }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on("error", reject);
      req.end();
    });
    expect(absolute).toBe(400);
    expect((await call("GET", "/customer-profiles/nobody")).status).toBe(404);
  });

  it("answers 409 taken for a duplicate id and a duplicate email", async () => {
    expect((await call("POST", "/customer-profiles", { body: { id: "dup-1", emails: [{ original: "dup@example.com" }] } })).status).toBe(201);
    const sameId = await call("POST", "/customer-profiles", { body: { id: "dup-1" } });
    expect(sameId.status).toBe(409);
    expect((await errorsOf(sameId))[0]).toMatchObject({ attr: "id", code: "taken" });
    const sameEmail = await call("POST", "/customer-profiles", { body: { emails: [{ original: "DUP@example.com" }] } });
    expect(sameEmail.status).toBe(409);
    expect((await errorsOf(sameEmail))[0]).toMatchObject({ attr: "emails", code: "taken" });
  });

  it("answers 301 with the surviving id for a merged customer", async () => {
    await call("POST", "/customer-profiles", { body: { id: "merge-src" } });
    await call("POST", "/customer-profiles", { body: { id: "merge-dst" } });
    fake.state.mergeCustomers("merge-src", "merge-dst");
    const response = await call("GET", "/customer-profiles/merge-src");
    expect(response.status).toBe(301);
    expect(response.headers.get("location")).toBe("/api/v1/customer-profiles/merge-dst");
    expect((await errorsOf(response))[0]).toMatchObject({ code: "moved", meta: { old: "merge-src", new: "merge-dst" } });
  });
});

describe("customers", () => {
  it("finds by email, phone and externalCustomerId", async () => {
    await call("POST", "/customer-profiles", {
      body: {
        id: "find-me",
        externalCustomerId: "ext-9",
        emails: [{ original: "find@example.com" }],
        phones: [{ original: "+14155550123", regionCode: "US", primary: true }],
      },
    });
    for (const query of ["email=find%40example.com", "phoneNumber=%2B14155550123", "externalCustomerId=ext-9"]) {
      const response = await call("GET", `/customer-profiles?${query}`);
      expect(((await response.json()) as { id: string }[]).map((c) => c.id)).toEqual(["find-me"]);
    }
  });
});

describe("events", () => {
  it("serves the writes as JSON Lines, filtered by entity and time", async () => {
    // Earlier tests wrote too; move past them.
    fake.clock.advance(60_000);
    const since = new Date(fake.clock.now() - 1000).toISOString();
    await call("POST", "/customer-profiles", { body: { id: "evt-cust", emails: [{ original: "evt@example.com" }] } });
    await call("POST", "/customers/evt-cust/tasks", {
      body: { id: "evt-task", assignee: { inboxId: fake.state.defaultInboxId }, body: "b", dueAt: "2030-01-01T00:00:00Z" },
    });
    const response = await call("GET", `/events?entities=TASK&startAt=${encodeURIComponent(since)}`);
    expect(response.headers.get("content-type")).toBe("application/x-jsonlines");
    const lines = (await response.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; content: { taskId?: string } });
    expect(lines.map((l) => l.type)).toEqual(["TASK/CREATED"]);
    expect(lines[0]!.content.taskId).toBe("evt-task");
    const both = await call("GET", `/events?entities=TASK&entities=CUSTOMER_PROFILE&startAt=${encodeURIComponent(since)}`);
    expect(
      (await both.text())
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { type: string }).type),
    ).toEqual(["CUSTOMER_PROFILE/CREATED", "TASK/CREATED"]);
    const before = await call("GET", `/events?entities=TASK&startAt=${encodeURIComponent(since)}&endAt=${encodeURIComponent(since)}`);
    expect(before.status).toBe(200);
    expect(await before.text()).toBe("");
  });

  it("rejects a startAt older than 24 hours", async () => {
    const response = await call("GET", `/events?entities=TASK&startAt=${encodeURIComponent(new Date(fake.clock.now() - 25 * 3600_000).toISOString())}`);
    expect(response.status).toBe(400);
    expect((await errorsOf(response))[0]!.detail).toContain("within the last 24 hours");
  });
});

describe("CORS on the Public Answers API", () => {
  it("allows a listed origin, on preflight and on the answer", async () => {
    const preflight = await fetch(`${fake.url}/api/v1/orgs/${fake.orgId}/answers-search?q=x`, {
      method: "OPTIONS",
      headers: { Origin: "http://allowed.test", "Access-Control-Request-Method": "GET" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("http://allowed.test");
    const response = await call("GET", `/orgs/${fake.orgId}/answers-search?q=password`, { auth: null, headers: { Origin: "http://allowed.test" } });
    expect(response.headers.get("access-control-allow-origin")).toBe("http://allowed.test");
    expect(response.headers.get("vary")).toBe("Origin");
  });

  it("gives no CORS headers to other origins, nor on authenticated routes", async () => {
    const response = await call("GET", `/orgs/${fake.orgId}/answers`, { auth: null, headers: { Origin: "http://evil.test" } });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    const private_ = await call("GET", "/organization", { headers: { Origin: "http://allowed.test" } });
    expect(private_.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("faults", () => {
  it("injects a status for the next matching requests only", async () => {
    const handle = fake.inject({ status: 503, times: 2, match: { operationId: "getOrganization" } });
    expect((await call("GET", "/agents")).status).toBe(200);
    expect((await call("GET", "/organization")).status).toBe(503);
    expect(handle.remaining).toBe(1);
    expect((await call("GET", "/organization")).status).toBe(503);
    expect((await call("GET", "/organization")).status).toBe(200);
  });

  it("resets the connection, before or after processing", async () => {
    fake.inject({ resetConnection: true, match: { path: "/topics", method: "POST" } });
    await expect(call("POST", "/topics", { body: { id: "t-reset", name: "Reset before" } })).rejects.toThrow();
    expect(fake.state.topics.has("t-reset")).toBe(false);
    fake.inject({ resetConnection: "after", match: { path: "/topics", method: "POST" } });
    await expect(call("POST", "/topics", { body: { id: "t-after", name: "Reset after" } })).rejects.toThrow();
    expect(fake.state.topics.has("t-after")).toBe(true);
  });

  it("cuts a body short and sends malformed JSON", async () => {
    fake.inject({ resetConnection: "mid-body", match: { operationId: "getAgents" } });
    const cut = await call("GET", "/agents");
    await expect(cut.text()).rejects.toThrow();
    fake.inject({ malformedBody: true, match: { operationId: "getAgents" } });
    await expect((await call("GET", "/agents")).json()).rejects.toThrow(SyntaxError);
  });

  it("delays", async () => {
    fake.inject({ delayMs: 150, match: { operationId: "getTeams" } });
    const started = performance.now();
    expect((await call("GET", "/teams")).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe("rate limits", () => {
  it("answers 429 past the per-second limit, with the limit headers on every response", async () => {
    const limited = await startFakeGladly({ rateLimit: { perSecond: 3 } });
    const headers = { Authorization: `Basic ${Buffer.from(`${limited.agentEmail}:${limited.apiToken}`).toString("base64")}` };
    try {
      const responses = await Promise.all(Array.from({ length: 5 }, () => fetch(`${limited.url}/api/v1/agents`, { headers })));
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      for (const r of responses) expect(r.headers.get("ratelimit-limit-second")).toBe("3");
      const ok = responses
        .filter((r) => r.status === 200)
        .map((r) => Number(r.headers.get("ratelimit-remaining-second")))
        .sort();
      expect(ok).toEqual([0, 1, 2]);
      const rejected = responses.find((r) => r.status === 429)!;
      expect(Number(rejected.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      await new Promise((resolve) => setTimeout(resolve, 1050));
      expect((await fetch(`${limited.url}/api/v1/agents`, { headers })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it("limits Reports to 2 at a time and 10 a minute", async () => {
    const limited = await startFakeGladly({ rateLimit: { perSecond: 100 }, reportLatencyMs: 200 });
    const headers = {
      Authorization: `Basic ${Buffer.from(`${limited.agentEmail}:${limited.apiToken}`).toString("base64")}`,
      "Content-Type": "application/json",
    };
    const report = () =>
      fetch(`${limited.url}/api/v1/reports`, {
        method: "POST",
        headers,
        body: JSON.stringify({ metricSet: "AgentSummary", startAt: "2026-11-01", endAt: "2026-11-02" }),
      });
    try {
      const concurrent = await Promise.all([report(), report(), report()]);
      expect(concurrent.map((r) => r.status).sort()).toEqual([200, 200, 429]);
      const csv = await concurrent.find((r) => r.status === 200)!.text();
      expect(csv.split("\n")[0]).toBe("Agent,Email,Conversations Handled,Average Handle Time");
      const statuses: number[] = [];
      for (let i = 0; i < 9; i++) statuses.push((await report()).status);
      // 2 admitted above + 8 here reach the 10 per minute; the 9th is refused.
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe("coverage", () => {
  it("every operation of the manifest has a handler: none answers 500 or 501", async () => {
    const { operations } = await import("../src/index.ts");
    const statuses: Record<string, number> = {};
    for (const op of Object.values(operations)) {
      const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => (name === "orgId" ? fake.orgId : `missing-${name}`));
      const query = op.queryParams
        .filter((q) => q.required)
        .map((q) => `${q.name}=${q.name === "startAt" ? encodeURIComponent(new Date(fake.clock.now() - 1000).toISOString()) : "TASK"}`);
      const response = await call(op.method, `${path}${query.length ? `?${query.join("&")}` : ""}`, op.requestContentType ? { body: {} } : {});
      statuses[op.operationId] = response.status;
      await response.body?.cancel();
    }
    expect(Object.keys(statuses)).toHaveLength(80);
    expect(Object.entries(statuses).filter(([, status]) => status >= 500)).toEqual([]);
  });
});
