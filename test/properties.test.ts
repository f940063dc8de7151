/**
 * Property-based tests where input is adversarial: the line splitter, path and query encoding, the
 * webhook handler and the fake's router. Seeded and bounded, so a run is repeatable and quick; a
 * failure prints the shrunk counterexample and the seed to replay it.
 */
import { request as httpRequest } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations, type OperationEntry } from "../generated/operations.ts";
import { GladlyInputError, GladlyStreamError } from "../src/index.ts";
import { pathSerializer } from "../src/path-params.ts";
import { BASE_PATH, matchRoute } from "../src/routes.ts";
import { lines } from "../src/streams/lines.ts";
import { type FakeGladly, startFakeGladly } from "../src/testing/index.ts";
import { serializeQuery } from "../src/query.ts";
import { createWebhookHandler } from "../src/webhooks.ts";

const settings = { seed: 14, numRuns: 300 };
const entries = Object.values(operations) as OperationEntry[];

describe("the line splitter", () => {
  type Outcome = { records: { text: string; number: number }[]; error?: { line: number; reason: string; excerpt: string } };

  async function split(chunks: Uint8Array[], maxLineBytes: number | undefined): Promise<Outcome> {
    const queue = [...chunks];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = queue.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const records: Outcome["records"] = [];
    try {
      for await (const line of lines(body, maxLineBytes === undefined ? {} : { maxLineBytes })) records.push(line);
      return { records };
    } catch (error) {
      if (!(error instanceof GladlyStreamError)) throw error;
      return { records, error: { line: error.line, reason: error.reason, excerpt: error.excerpt } };
    }
  }

  /** What the lines are, from the whole body at once: decoded as one text, split on "\n". */
  function model(bytes: Uint8Array, maxLineBytes: number | undefined): Pick<Outcome, "records"> & { errorLine?: number } {
    const texts = new TextDecoder().decode(bytes).split("\n");
    // Line lengths in bytes: 0x0A in the bytes and "\n" in the text are the same boundaries.
    const sizes: number[] = [];
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i === bytes.length || bytes[i] === 10) {
        sizes.push(i - start);
        start = i + 1;
      }
    }
    const records: Outcome["records"] = [];
    for (const [index, raw] of texts.entries()) {
      if (maxLineBytes !== undefined && sizes[index]! > maxLineBytes) return { records, errorLine: index + 1 };
      const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
      if (text.trim()) records.push({ text, number: index + 1 });
    }
    return { records };
  }

  // Text rich in what splitters get wrong: CR, LF, blank lines, multi-byte characters, a BOM.
  const piece = fc.oneof(fc.constantFrom("\n", "\r\n", "\r", " ", "\uFEFF", "é", "日本", "😀", '{"a":1}', "x"), fc.string({ unit: "grapheme", maxLength: 12 }));
  const textBody = fc.array(piece, { maxLength: 40 }).map((parts) => new TextEncoder().encode(parts.join("")));
  // Any bytes at all, invalid UTF-8 included.
  const rawBody = fc.uint8Array({ maxLength: 200 }).map((bytes) => bytes.map((b) => (b % 7 === 0 ? 10 : b)));
  const body = fc.oneof(textBody, rawBody);

  /** Cut points: any chunking, from one chunk to one byte per chunk. */
  const chunked = (bytes: Uint8Array) =>
    fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, bytes.length - 1) }), { maxLength: Math.min(bytes.length, 30) }).map((cuts) => {
      const points = [0, ...cuts.filter((c) => c < bytes.length).sort((a, b) => a - b), bytes.length];
      const chunks: Uint8Array[] = [];
      for (let i = 1; i < points.length; i++) if (points[i]! > points[i - 1]!) chunks.push(bytes.slice(points[i - 1], points[i]));
      return chunks;
    });

  it("any chunking of any body gives the records of a whole-text split, or the same typed error at the same line", async () => {
    await fc.assert(
      fc.asyncProperty(
        body.chain((bytes) => fc.tuple(fc.constant(bytes), chunked(bytes), fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }))),
        async ([bytes, chunks, maxLineBytes]) => {
          const whole = await split([bytes], maxLineBytes);
          const pieces = await split(chunks, maxLineBytes);
          expect(pieces).toEqual(whole);
          const expected = model(bytes, maxLineBytes);
          expect(whole.records).toEqual(expected.records);
          expect(whole.error?.line).toBe(expected.errorLine);
          if (whole.error) expect(whole.error.reason).toBe("too-long");
        },
      ),
      settings,
    );
  });
});

describe("path parameters", () => {
  const withParams = entries.filter((op) => op.pathParams.length > 0);
  const literalSegments = [...new Set(entries.flatMap((op) => op.path.split("/").filter((s) => s && !s.startsWith("{"))))];
  // Well-formed text (a lone surrogate is the caller's mistake, rejected elsewhere), the route's own
  // words, and the characters that mean something in a URL.
  const value = fc.oneof(
    fc.string({ unit: "grapheme", maxLength: 20 }),
    fc.constantFrom(...literalSegments),
    fc.constantFrom(".", "..", "%2e", "%2E%2e", "/", "?", "#", "a/../b", "%", "%zz", "\\", ";", "&", "=", "+", " ", "\u0000"),
    fc.string({ unit: fc.constantFrom("/", ".", "%", "2", "e", "?", "#", "a", "\\"), maxLength: 8 }),
  );

  it("no value changes the route: the URL a request goes to matches back to the same operation and values", () => {
    fc.assert(
      fc.property(
        fc
          .constantFrom(...withParams)
          .chain((op) => fc.tuple(fc.constant(op), fc.array(value, { minLength: op.pathParams.length, maxLength: op.pathParams.length }))),
        ([op, values]) => {
          const params = Object.fromEntries(op.pathParams.map((name, i) => [name, values[i]!]));
          let path: string;
          try {
            path = pathSerializer(op.path, params);
          } catch (error) {
            // Refusing is allowed (empty, "." and ".."), and only with the typed error.
            expect(error).toBeInstanceOf(GladlyInputError);
            expect(values.some((v) => v === "" || v === "." || v === "..")).toBe(true);
            return;
          }
          // Through the URL parser, as fetch sends it: dot segments and all.
          const sent = new URL(`https://acme.gladly.com${BASE_PATH}${path}`).pathname;
          const match = matchRoute(op.method, sent);
          expect(match.op?.operationId).toBe(op.operationId);
          expect((match as { params?: Record<string, string> }).params).toEqual(params);
        },
      ),
      settings,
    );
  });
});

describe("text that is not valid Unicode", () => {
  // Any UTF-16 code units, lone surrogates included: the caller's mistake, refused with the typed error.
  const anyText = fc.string({ unit: "binary", maxLength: 12 });
  const fromEncoder = (encode: () => unknown, text: string) => {
    let wellFormed = true;
    try {
      encodeURIComponent(text);
    } catch {
      wellFormed = false;
    }
    try {
      encode();
    } catch (error) {
      expect(error).toBeInstanceOf(GladlyInputError);
      // Refused only for what cannot be sent (or the empty/dot values a path refuses anyway).
      if (wellFormed) expect(["", ".", ".."]).toContain(text);
      return;
    }
    expect(wellFormed).toBe(true);
  };

  it("a path parameter is encoded or refused with GladlyInputError, never a raw URIError", () => {
    fc.assert(
      fc.property(anyText, (text) => fromEncoder(() => pathSerializer("/customer-profiles/{customerId}", { customerId: text }), text)),
      settings,
    );
    expect(() => pathSerializer("/customer-profiles/{customerId}", { customerId: "a\ud800" })).toThrow(GladlyInputError);
  });

  it("a query value or name is encoded or refused with GladlyInputError, never a raw URIError", () => {
    fc.assert(
      fc.property(anyText, anyText, (name, value) => fromEncoder(() => serializeQuery({ [name || "q"]: value }), name + value)),
      settings,
    );
    expect(() => serializeQuery({ q: "\udc00" })).toThrow(GladlyInputError);
  });
});

describe("query serialization", () => {
  const item = fc.oneof(
    fc.string({ unit: "grapheme", maxLength: 15 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constantFrom("&", "=", "+", "%", "#", "?", " ", "a=b&c"),
  );
  const name = fc.oneof(fc.string({ unit: "grapheme", maxLength: 10 }), fc.constantFrom("a&b", "x=y", "+", "%20", "startAt"));
  const query = fc.dictionary(name, fc.oneof(item, fc.array(item, { maxLength: 4 }), fc.constantFrom(undefined, null)));

  it("round-trips through URLSearchParams: every value, in order, under its own name, and nothing else", () => {
    fc.assert(
      fc.property(query, (q) => {
        const text = serializeQuery(q);
        expect(text === "" || text.startsWith("?")).toBe(true);
        const back = new URLSearchParams(text.slice(1));
        const sent = Object.entries(q).filter(([, v]) => v !== undefined && v !== null);
        for (const [key, v] of sent) expect(back.getAll(key)).toEqual((Array.isArray(v) ? v : [v]).map(String));
        const names = new Set(sent.filter(([, v]) => !Array.isArray(v) || v.length > 0).map(([key]) => key));
        expect(new Set(back.keys())).toEqual(names);
      }),
      settings,
    );
  });
});

describe("the webhook handler", () => {
  const token = "tok-123";
  const documented = new Set([200, 400, 401, 405, 413, 500]);
  const types = ["PING", "CONVERSATION/CLOSED", "TASK/CREATED", "CUSTOMER/MERGED", "BRAND_NEW/THING", ""];
  const jsonBody = fc.record(
    {
      type: fc.oneof(fc.constantFrom(...types), fc.string({ maxLength: 12 })),
      id: fc.string({ maxLength: 5 }),
      timestamp: fc.constantFrom("2026-11-26T00:00:00Z", "t"),
      content: fc.jsonValue({ maxDepth: 2 }),
    },
    { requiredKeys: [] },
  );
  const body = fc.oneof(
    jsonBody.map((b) => JSON.stringify(b)),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 60 }),
    fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b).toString("latin1")),
    fc.integer({ min: 1900, max: 2100 }).map((n) => JSON.stringify({ type: "PING", pad: "x".repeat(n) })),
  );
  const method = fc.constantFrom("POST", "POST", "POST", "GET", "PUT", "DELETE", "PATCH", "OPTIONS");
  const headers = fc.record(
    {
      "x-gladly-token": fc.oneof(fc.constant(token), fc.string({ maxLength: 10 })),
      "content-type": fc.constantFrom("application/json", "text/plain"),
      "x-other": fc.string({ maxLength: 10 }),
    },
    { requiredKeys: [] },
  );
  // Your code misbehaving is input too: handlers, onUnknown and verify that throw or hang briefly.
  const behaviour = fc.record({ handlerThrows: fc.boolean(), unknownThrows: fc.boolean(), verifyThrows: fc.boolean(), customVerify: fc.boolean() });

  function handlerFor(b: { handlerThrows: boolean; unknownThrows: boolean; verifyThrows: boolean; customVerify: boolean }, errors: Error[]) {
    return createWebhookHandler({
      verify: b.customVerify
        ? async (request) => {
            if (b.verifyThrows) throw new Error("verify broke");
            return request.headers.get("x-gladly-token") === token;
          }
        : { headers: { "X-Gladly-Token": token } },
      on: {
        "TASK/CREATED": () => {
          if (b.handlerThrows) throw new Error("handler broke");
        },
        PING: async () => undefined,
      },
      onUnknown: () => {
        if (b.unknownThrows) return Promise.reject(new Error("onUnknown broke"));
      },
      onError: (error) => errors.push(error),
      maxBodyBytes: 2000,
    });
  }

  let unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeAll(() => {
    process.on("unhandledRejection", onUnhandled);
  });
  afterAll(() => {
    process.off("unhandledRejection", onUnhandled);
  });

  it("the Web handler: any body, headers and method get a documented status; never a rejection", async () => {
    unhandled = [];
    await fc.assert(
      fc.asyncProperty(behaviour, method, headers, body, async (b, m, h, text) => {
        const errors: Error[] = [];
        const handler = handlerFor(b, errors);
        const request = new Request("http://webhook.local/gladly", { method: m, headers: h, ...(m !== "GET" && { body: text }) });
        const response = await handler(request);
        expect(documented.has(response.status), `status ${response.status}`).toBe(true);
        // A 500 is always our side failing, and always reported.
        if (response.status === 500) expect(errors.length).toBeGreaterThan(0);
      }),
      settings,
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
  });

  it("the Node handler over real HTTP: every request answered with a documented status, the server stays up", async () => {
    unhandled = [];
    const { createServer } = await import("node:http");
    let current = handlerFor({ handlerThrows: false, unknownThrows: false, verifyThrows: false, customVerify: false }, []);
    const server = createServer((req, res) => void current.node(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const send = (m: string, h: Record<string, string>, text: string) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest({ host: "127.0.0.1", port, method: m, path: "/gladly", headers: h }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode!));
        });
        req.on("error", reject);
        req.end(text);
      });
    try {
      await fc.assert(
        fc.asyncProperty(behaviour, method, headers, body, async (b, m, h, text) => {
          const errors: Error[] = [];
          current = handlerFor(b, errors);
          const status = await send(m, h, text);
          expect(documented.has(status), `status ${status}`).toBe(true);
          if (status === 500) expect(errors.length).toBeGreaterThan(0);
        }),
        { ...settings, numRuns: 150 },
      );
      current = handlerFor({ handlerThrows: false, unknownThrows: false, verifyThrows: false, customVerify: false }, []);
      expect(await send("POST", { "x-gladly-token": token }, JSON.stringify({ type: "PING" }))).toBe(200);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    expect(unhandled).toEqual([]);
  });
});

describe("the fake's router", () => {
  let fake: FakeGladly;
  let authorization: string;
  beforeAll(async () => {
    fake = await startFakeGladly({ rateLimit: false });
    authorization = `Basic ${Buffer.from(`${fake.agentEmail}:${fake.apiToken}`).toString("base64")}`;
  });
  afterAll(() => fake.close());

  /** A raw request target, sent as it is (fetch would normalize it first). */
  function send(method: string, path: string): Promise<{ status: number; type: string | undefined; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port: new URL(fake.url).port, method, path, headers: { Authorization: authorization } }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode!, type: res.headers["content-type"], body: text }));
      });
      req.on("error", reject);
      req.end();
    });
  }

  const templates = entries.map((op) => `${BASE_PATH}${op.path}`);
  // Visible ASCII: what a request line can carry; % escapes good and bad, dot segments, separators.
  const segment = fc.oneof(
    fc.string({ unit: fc.constantFrom(..."abcXYZ019-_.~%/?#&=+:@!$'()*,;[]"), maxLength: 10 }),
    fc.constantFrom("%zz", "%", "%e0%a4", "%ff", "%2e%2e", "..", ".", "%00", "%2F", "nobody"),
  );
  const path = fc.oneof(
    // A real route with its parameters replaced by anything.
    fc.tuple(fc.constantFrom(...templates), fc.array(segment, { minLength: 4, maxLength: 4 })).map(([template, values]) => {
      let i = 0;
      return template.replace(/\{[^}]+\}/g, () => values[i++ % values.length]!);
    }),
    fc.array(segment, { maxLength: 6 }).map((parts) => `/${parts.join("/")}`),
    fc.array(segment, { maxLength: 4 }).map((parts) => `${BASE_PATH}/${parts.join("/")}`),
  );
  const method = fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD");

  it("answers any path, errors in Gladly's shape, and stays up", async () => {
    await fc.assert(
      fc.asyncProperty(method, path, async (m, p) => {
        const answer = await send(m, p);
        expect(answer.status).toBeGreaterThanOrEqual(200);
        // A 5xx would be the fake failing on its input rather than judging it.
        expect(answer.status, `${m} ${p}: ${answer.body}`).toBeLessThan(500);
        if (answer.status >= 400 && m !== "HEAD" && answer.type?.includes("json")) {
          const parsed = JSON.parse(answer.body) as { errors?: { code?: unknown; detail?: unknown }[] };
          expect(Array.isArray(parsed.errors) && parsed.errors.every((e) => typeof e.code === "string" && typeof e.detail === "string")).toBe(true);
        }
      }),
      settings,
    );
    expect((await send("GET", `${BASE_PATH}/organization`)).status).toBe(200);
  });
});
