/**
 * Public Answers from a real page in Debian's Chromium (driven by playwright-core; no browser
 * download): the demo page on one loopback port, the fake Gladly with CORS on another.
 */
import { mkdir } from "node:fs/promises";
import { type Browser, type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { servePage } from "../examples/public-answers/serve.ts";
import { createPublicAnswersClient } from "../src/public-answers.ts";
import { type FakeGladly, startFakeGladly } from "../src/testing/index.ts";
import { requireService } from "./helpers/services.ts";

// Found on the PATH or through CHROMIUM_PATH; absent, this file is skipped with one line.
const CHROMIUM = requireService("chromium", "test/browser.test.ts");
let browser: Browser;
let fake: FakeGladly;
let allowed: Awaited<ReturnType<typeof servePage>>;
let other: Awaited<ReturnType<typeof servePage>>;

async function setUp(executablePath: string): Promise<void> {
  allowed = await servePage();
  other = await servePage();
  fake = await startFakeGladly({ corsOrigins: [allowed.origin] });
  browser = await chromium.launch({
    executablePath,
    // playwright-core gives every launch a fresh, empty --user-data-dir of its own.
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

async function tearDown(): Promise<void> {
  // Only what set-up got as far as starting: a failed launch leaves no second error here.
  await browser?.close();
  await Promise.all([fake?.close(), allowed?.close(), other?.close()]);
}

async function openDemo(
  origin: string,
): Promise<{ context: BrowserContext; page: Awaited<ReturnType<BrowserContext["newPage"]>>; sent: Record<string, string>[] }> {
  const context = await browser.newContext();
  // A cookie on the API's host that must never be sent with these calls.
  await context.addCookies([{ name: "session", value: "secret-cookie", url: fake.url }]);
  const page = await context.newPage();
  const sent: Record<string, string>[] = [];
  page.on("request", (request) => {
    if (request.url().startsWith(fake.url)) sent.push(request.headers());
  });
  await page.goto(`${origin}/?api=${encodeURIComponent(fake.url)}&orgId=${encodeURIComponent(fake.orgId)}`);
  return { context, page, sent };
}

describe.skipIf(!CHROMIUM)("Public Answers in Chromium", () => {
  beforeAll(() => setUp(CHROMIUM!), 60_000);
  afterAll(tearDown);

  it("a search box lists matching answers, with no credentials or cookies sent", async () => {
    const { context, page, sent } = await openDemo(allowed.origin);
    await page.locator("#q").pressSequentially("password", { delay: 20 });
    await page.locator("#results li").first().waitFor({ timeout: 10_000 });
    expect(await page.locator("#results li").allTextContents()).toEqual(["How to reset your password"]);
    expect(await page.locator("#error").textContent()).toBe("");
    expect(sent.length).toBeGreaterThan(0);
    for (const headers of sent) {
      expect(headers.authorization).toBeUndefined();
      expect(headers.cookie).toBeUndefined();
    }
    await mkdir(new URL("./artifacts/", import.meta.url), { recursive: true });
    await page.screenshot({ path: new URL("./artifacts/public-answers.png", import.meta.url).pathname });
    await context.close();
  }, 30_000);

  it("type-ahead: each keystroke aborts the stale query, yet no error is shown and the results are the full word's", async () => {
    const word = "refunds";
    const expected = (await createPublicAnswersClient({ baseUrl: fake.url, orgId: fake.orgId }).search({ q: word })).map((hit) => hit.name);
    const { context, page } = await openDemo(allowed.origin);
    // Every query but the full word's is held unanswered, so only the next keystroke's abort can end
    // it: each stale query is then superseded mid-flight, however fast or slow the machine.
    await page.route(
      (url) => url.pathname.endsWith("/answers-search"),
      (route) => {
        if (new URL(route.request().url()).searchParams.get("q") === word) void route.continue();
      },
    );
    const aborted: string[] = [];
    page.on("requestfailed", (request) => {
      if (request.url().includes("/answers-search")) aborted.push(new URL(request.url()).searchParams.get("q")!);
    });
    await page.locator("#q").pressSequentially(word, { delay: 20 });
    await page.locator("#results li").first().waitFor({ timeout: 10_000 });
    // The test exercised what it claims: every prefix was sent and aborted.
    const prefixes = [...word].map((_, i) => word.slice(0, i + 1)).slice(0, -1);
    await expect.poll(() => aborted, { timeout: 10_000 }).toEqual(prefixes);
    expect(await page.locator("#results li").allTextContents()).toEqual(expected);
    expect(await page.locator("#error").textContent()).toBe("");
    await context.close();
  }, 30_000);

  it("an origin Gladly does not allow gets a typed connection error that says CORS", async () => {
    const { context, page } = await openDemo(other.origin);
    await page.locator("#q").fill("shipping");
    await page.locator("#error").filter({ hasText: /\S/ }).waitFor({ timeout: 10_000 });
    const error = (await page.locator("#error").textContent())!;
    expect(error).toMatch(/^GladlyConnectionError: /);
    expect(error).toContain("CORS");
    expect(await page.locator("#results li").count()).toBe(0);
    await context.close();
  }, 30_000);
});
