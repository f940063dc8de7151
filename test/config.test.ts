import { describe, expect, it } from "vitest";
import { GladlyInputError, createGladlyClient, organizationProblem } from "../src/index.ts";

const creds = { agentEmail: "a@example.com", apiToken: "tok" };

describe("organization names", () => {
  it.each(["acme", "acme-co", "Acme2", "a", "acme.us-1", "acme-corp.eu-2"])("accepts %j", (name) => {
    expect(organizationProblem(name)).toBeUndefined();
    expect(createGladlyClient({ organization: name, ...creds }).baseUrl).toBe(`https://${name.toLowerCase()}.gladly.com/api/v1`);
  });

  it.each([
    ["acme/evil", "contains '/'"],
    ["evil.com/x", "contains '/'"],
    ["user@acme", "contains '@'"],
    ["acme:443", "contains ':'"],
    ["acme#x", "contains '#'"],
    ["acme?x=1", "contains '?'"],
    ["acme\\x", "contains '\\'"],
    ["ac me", "contains whitespace"],
    ["acme\n", "contains whitespace"],
    ["acme..us", "contains '..'"],
    ["acmé", "non-ASCII"],
    ["аcme", "non-ASCII"], // Cyrillic а
    ["-acme", "letters, digits and hyphens"],
    ["acme-", "letters, digits and hyphens"],
    ["acme.us-1.evil", "letters, digits and hyphens"],
    ["acme_co", "letters, digits and hyphens"],
    ["", "is empty"],
  ])("rejects %j (%s) before any request", (name, problem) => {
    expect(organizationProblem(name)).toContain(problem);
    let error: unknown;
    try {
      createGladlyClient({ organization: name, ...creds });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GladlyInputError);
    expect((error as GladlyInputError).param).toBe("organization");
    expect((error as Error).message).toContain(problem);
  });
});

describe("where requests go", () => {
  it("production and sandbox hosts", () => {
    expect(createGladlyClient({ organization: "acme", ...creds }).baseUrl).toBe("https://acme.gladly.com/api/v1");
    expect(createGladlyClient({ organization: "acme", environment: "sandbox", ...creds }).baseUrl).toBe("https://acme.gladly.qa/api/v1");
    expect(() => createGladlyClient({ organization: "acme", environment: "staging" as "sandbox", ...creds })).toThrow(
      /environment: must be "production" or "sandbox"/,
    );
  });

  it("baseUrl gets /api/v1 exactly once", () => {
    expect(createGladlyClient({ baseUrl: "https://gladly.example.org", ...creds }).baseUrl).toBe("https://gladly.example.org/api/v1");
    expect(createGladlyClient({ baseUrl: "https://gladly.example.org/api/v1/", ...creds }).baseUrl).toBe("https://gladly.example.org/api/v1");
    expect(createGladlyClient({ baseUrl: "http://127.0.0.1:8080", ...creds }).baseUrl).toBe("http://127.0.0.1:8080/api/v1");
    expect(createGladlyClient({ baseUrl: "http://localhost:8080/", ...creds }).baseUrl).toBe("http://localhost:8080/api/v1");
    expect(createGladlyClient({ baseUrl: "http://[::1]:8080", ...creds }).baseUrl).toBe("http://[::1]:8080/api/v1");
  });

  it.each([
    ["http://acme.gladly.com", /must use https/],
    ["ftp://127.0.0.1", /must use https/],
    ["https://user:pw@acme.gladly.com", /must not contain credentials/],
    ["https://acme.gladly.com/?x=1", /query string/],
    ["acme.gladly.com", /not an absolute URL/],
  ])("rejects baseUrl %j", (baseUrl, message) => {
    expect(() => createGladlyClient({ baseUrl, ...creds })).toThrow(message);
  });

  it("rejects organization and baseUrl together", () => {
    expect(() => createGladlyClient({ organization: "acme", baseUrl: "https://x.example", ...creds })).toThrow(/either organization or baseUrl/);
  });
});

describe("environment variables", () => {
  it("reads GLADLY_ORGANIZATION, GLADLY_AGENT_EMAIL, GLADLY_API_TOKEN", () => {
    const env = { GLADLY_ORGANIZATION: "acme", GLADLY_AGENT_EMAIL: "a@example.com", GLADLY_API_TOKEN: "t" };
    expect(createGladlyClient({ env }).baseUrl).toBe("https://acme.gladly.com/api/v1");
    expect(createGladlyClient({ env: { ...env, GLADLY_ENVIRONMENT: "sandbox" } }).baseUrl).toBe("https://acme.gladly.qa/api/v1");
  });

  it("GLADLY_BASE_URL is used when no organization option is given", () => {
    const env = { GLADLY_BASE_URL: "http://127.0.0.1:9999", GLADLY_AGENT_EMAIL: "a@example.com", GLADLY_API_TOKEN: "t" };
    expect(createGladlyClient({ env }).baseUrl).toBe("http://127.0.0.1:9999/api/v1");
    expect(createGladlyClient({ env, organization: "acme" }).baseUrl).toBe("https://acme.gladly.com/api/v1");
  });

  it("options win over the environment", () => {
    const env = { GLADLY_ORGANIZATION: "envorg", GLADLY_AGENT_EMAIL: "env@example.com", GLADLY_API_TOKEN: "t" };
    expect(createGladlyClient({ env, organization: "optorg" }).baseUrl).toBe("https://optorg.gladly.com/api/v1");
  });

  it.each([
    [{}, "organization"],
    [{ GLADLY_ORGANIZATION: "acme" }, "agentEmail"],
    [{ GLADLY_ORGANIZATION: "acme", GLADLY_AGENT_EMAIL: "a@example.com" }, "apiToken"],
  ])("names what is missing: %j → %s", (env, param) => {
    expect(() => createGladlyClient({ env })).toThrow(expect.objectContaining({ name: "GladlyInputError", param }));
  });

  it("rejects an email containing ':' which would corrupt Basic auth", () => {
    expect(() => createGladlyClient({ organization: "acme", agentEmail: "a:b@example.com", apiToken: "t" })).toThrow(/agentEmail: must not contain ':'/);
  });
});

describe("in a browser", () => {
  it("the authenticated client refuses, explaining that the token would be exposed", () => {
    const scope = globalThis as { window?: unknown; document?: unknown };
    scope.window = {};
    scope.document = {};
    try {
      expect(() => createGladlyClient({ organization: "acme", ...creds })).toThrow(/token would be exposed/);
      expect(() => createGladlyClient({ organization: "acme", ...creds })).toThrow(expect.objectContaining({ param: "dangerouslyAllowBrowser" }));
      expect(createGladlyClient({ organization: "acme", ...creds, dangerouslyAllowBrowser: true }).baseUrl).toBe("https://acme.gladly.com/api/v1");
    } finally {
      delete scope.window;
      delete scope.document;
    }
  });
});

describe("timeout", () => {
  it.each([Number.NaN, -1, "5000"])("refuses %j, naming it", (timeout) => {
    expect(() => createGladlyClient({ organization: "acme", ...creds, timeout: timeout as number })).toThrow(GladlyInputError);
    expect(() => createGladlyClient({ organization: "acme", ...creds, timeout: timeout as number })).toThrow(/^timeout: must be a number of milliseconds/);
  });

  it("takes Infinity (and 0) for none", () => {
    expect(() => createGladlyClient({ organization: "acme", ...creds, timeout: Number.POSITIVE_INFINITY })).not.toThrow();
    expect(() => createGladlyClient({ organization: "acme", ...creds, timeout: 0 })).not.toThrow();
  });
});
