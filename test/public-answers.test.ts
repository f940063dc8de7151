/** gladly-api/public-answers in Node, against the fake: no credentials, typed answers and errors, cache, abort. */
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../src/index.ts";
import {
  GladlyAbortError,
  GladlyConnectionError,
  GladlyInputError,
  GladlyNotFoundError,
  PUBLIC_ANSWER_PATHS,
  createPublicAnswersClient,
} from "../src/public-answers.ts";
import { type FakeGladly, startFakeGladly } from "../src/testing/index.ts";
import { bundlePublicAnswers } from "../scripts/size.ts";
import { type TestServer, startServer } from "./helpers/server.ts";

let fake: FakeGladly;
beforeAll(async () => {
  fake = await startFakeGladly({ rateLimit: false });
});
afterAll(() => fake.close());

describe("createPublicAnswersClient", () => {
  it("calls the four operations the manifest describes", () => {
    for (const [operationId, path] of Object.entries(PUBLIC_ANSWER_PATHS)) {
      const op = operations[operationId as keyof typeof operations];
      expect(op.path).toBe(path);
      expect(op.auth).toBe(false);
    }
  });

  it("searches, lists, reads titles and answers, sending no credentials", async () => {
    const seen: Headers[] = [];
    const answers = createPublicAnswersClient({
      baseUrl: fake.url,
      orgId: fake.orgId,
      fetch: (input, init) => {
        seen.push(new Headers(init?.headers));
        expect(init?.credentials).toBe("omit");
        return fetch(input, init);
      },
    });
    const hits = await answers.search({ q: "reset password" });
    expect(hits.map((h) => h.name)).toEqual(["How to reset your password"]);
    expect((await answers.list()).length).toBe(4);
    const helpCenterId = [...fake.state.helpCenters.keys()][0]!;
    expect((await answers.answerTitles({ helpCenterId })).length).toBe(4);
    expect((await answers.get({ answerId: hits[0]!.id! })).bodyHtml).toContain("Reset password");
    expect(seen.every((h) => !h.has("authorization") && !h.has("cookie"))).toBe(true);
  });

  it("throws the same typed errors", async () => {
    const answers = createPublicAnswersClient({ baseUrl: fake.url, orgId: fake.orgId });
    await expect(answers.get({ answerId: "nope" })).rejects.toBeInstanceOf(GladlyNotFoundError);
    await expect(answers.get({ answerId: ".." })).rejects.toBeInstanceOf(GladlyInputError);
    expect(() => createPublicAnswersClient({ organization: "evil.com/x", orgId: "o" })).toThrow(/contains '\/'/);
    expect(createPublicAnswersClient({ organization: "acme", orgId: "o" }).baseUrl).toBe("https://acme.gladly.com/api/v1");
  });

  it("caches repeated searches when asked to, and aborts stale ones", async () => {
    let calls = 0;
    const answers = createPublicAnswersClient({
      baseUrl: fake.url,
      orgId: fake.orgId,
      cacheTtlMs: 60_000,
      fetch: (input, init) => {
        calls++;
        return fetch(input, init);
      },
    });
    await answers.search({ q: "shipping" });
    await answers.search({ q: "shipping" });
    expect(calls).toBe(1);
    const controller = new AbortController();
    controller.abort();
    await expect(answers.search({ q: "returns" }, { signal: controller.signal })).rejects.toBeInstanceOf(GladlyAbortError);
    // Not even a cached answer comes back for a call already aborted.
    await expect(answers.search({ q: "shipping" }, { signal: controller.signal })).rejects.toBeInstanceOf(GladlyAbortError);
    expect(calls).toBe(1);
  });

  describe("the caller's abort is a GladlyAbortError carrying the signal's reason, never a connection failure", () => {
    let server: TestServer;
    let reached = () => {};
    beforeAll(async () => {
      server = await startServer((req, res) => {
        if (!req.url.includes("q=hang")) {
          // Headers and the start of the JSON, then nothing more: the abort lands during the body read.
          res.writeHead(req.url.includes("q=missing") ? 404 : 200, { "Content-Type": "application/json" });
          res.write('[{"id":"a1","name":"Ret');
        }
        reached();
      });
    });
    afterAll(() => server.close());

    async function abortedWith(q: string) {
      const answers = createPublicAnswersClient({ baseUrl: server.url, orgId: "org" });
      const controller = new AbortController();
      const reason = new Error("superseded by a newer query");
      const there = new Promise<void>((resolve) => (reached = resolve));
      const pending = answers.search({ q }, { signal: controller.signal }).catch((error: unknown) => error);
      await there;
      controller.abort(reason);
      const error = (await pending) as Error;
      expect(error).toBeInstanceOf(GladlyAbortError);
      expect(error).not.toBeInstanceOf(GladlyConnectionError);
      expect(error.message).toBe("GET /api/v1/orgs/org/answers-search: aborted by the caller");
      expect(error.cause).toBe(reason);
    }

    it("while waiting for the answer", () => abortedWith("hang"));
    it("while the body arrives", () => abortedWith("partial"));
    it("while an error answer's body arrives", () => abortedWith("missing"));
  });

  it("bundles for the browser, with no Node built-ins, within 5 KB gzipped", async () => {
    const code = await bundlePublicAnswers();
    expect(code).not.toMatch(/from\s*"node:|require\("node:/);
    expect(code).not.toContain("bottleneck");
    expect(gzipSync(code, { level: 9 }).length).toBeLessThanOrEqual(5 * 1024);
  });
});
