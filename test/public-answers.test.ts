/** gladly-api/public-answers in Node, against the fake: no credentials, typed answers and errors, cache, abort. */
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../src/index.ts";
import { GladlyConnectionError, GladlyInputError, GladlyNotFoundError, PUBLIC_ANSWER_PATHS, createPublicAnswersClient } from "../src/public-answers.ts";
import { type FakeGladly, startFakeGladly } from "../src/testing/index.ts";
import { bundlePublicAnswers } from "../scripts/size.ts";

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
    await expect(answers.search({ q: "returns" }, { signal: controller.signal })).rejects.toBeInstanceOf(GladlyConnectionError);
  });

  it("bundles for the browser, with no Node built-ins, within 5 KB gzipped", async () => {
    const code = await bundlePublicAnswers();
    expect(code).not.toMatch(/from\s*"node:|require\("node:/);
    expect(code).not.toContain("bottleneck");
    expect(gzipSync(code, { level: 9 }).length).toBeLessThanOrEqual(5 * 1024);
  });
});
