/**
 * A 303 to a signed file URL (another origin, `?X-Amz-Signature=…&X-Amz-Security-Token=…`): the
 * query string is a secret, so no hook payload, debug line, error url or message may carry it.
 * Queries on Gladly's own origin stay, they say which call it was.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { GladlyConnectionError, GladlyError, GladlyNotFoundError, GladlyStreamError, createGladlyClient, reportedUrl } from "../src/index.ts";
import { type TestServer, json, startServer } from "./helpers/server.ts";

const SIGNATURE = "c2lnbmF0dXJlLXNlY3JldA";
const TOKEN = "FwoGZXIvYXdzEJr-session-token";
const signed = `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=${SIGNATURE}&X-Amz-Security-Token=${TOKEN}`;

let api: TestServer;
let files: TestServer;
/** What the file server does for each path. */
const behaviour = new Map<string, "404" | "403-echo" | "cut" | "not-json" | "ok">();

beforeAll(async () => {
  files = await startServer((req, res) => {
    const path = req.url.split("?")[0]!;
    switch (behaviour.get(path)) {
      case "404":
        json(res, 404, { errors: [{ code: "NoSuchKey", detail: "The specified key does not exist." }] });
        return;
      case "403-echo":
        // S3's answer to a signature it rejects echoes what it was given.
        res
          .writeHead(403, { "Content-Type": "application/xml" })
          .end(
            `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><SignatureProvided>${SIGNATURE}</SignatureProvided><CanonicalRequest>GET ${path} ${signed}</CanonicalRequest></Error>`,
          );
        return;
      case "cut":
        res.writeHead(200, { "Content-Type": "application/x-ndjson" });
        res.write('{"id":"a"}\n{"id":');
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      case "not-json":
        res.writeHead(200, { "Content-Type": "application/x-ndjson" }).end("not json\n");
        return;
      default:
        res.writeHead(200, { "Content-Type": "application/octet-stream" }).end('{"id":"a"}\n');
    }
  });
  // Gladly's answer for files and attachments: a 303 to a signed link on the storage origin.
  api = await startServer((req, res) => {
    const path = req.url.split("?")[0]!;
    const file = path.endsWith("/attachments/att-1") ? "/bucket/attachment.png" : `/bucket/${path.split("/").pop()}`;
    if (path.includes("/files/") || path.includes("/attachments/")) res.writeHead(303, { Location: `${files.url}${file}?${signed}` }).end();
    else if (path.endsWith("/events")) res.writeHead(200, { "Content-Type": "application/x-jsonlines" }).end("");
    else json(res, 404, { errors: [{ code: "not_found", detail: "no such route" }] });
  });
});
afterAll(async () => {
  await Promise.all([api.close(), files.close()]);
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** A client whose hooks record every payload and whose DEBUG log is captured. */
function observed() {
  const payloads: unknown[] = [];
  const debug: string[] = [];
  vi.spyOn(console, "error").mockImplementation((line: unknown) => {
    debug.push(String(line));
  });
  const record = (info: unknown) => payloads.push(info);
  const gladly = createGladlyClient({
    baseUrl: api.url,
    agentEmail: "a@example.com",
    apiToken: "t",
    rateLimit: false,
    retry: { initialDelayMs: 1, maxRetries: 1 },
    env: { DEBUG: "gladly-api" },
    hooks: { onRequest: record, onResponse: record, onRetry: record, onRateLimited: record },
  });
  return { gladly, payloads, debug };
}

async function failure(work: Promise<unknown>): Promise<GladlyError> {
  try {
    await work;
  } catch (error) {
    if (error instanceof GladlyError) return error;
    throw error;
  }
  throw new Error("expected a GladlyError");
}

async function drain(iterable: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of iterable);
}

/** Everything the client reported, as text. */
function reported(error: GladlyError, payloads: unknown[], debug: string[]): string {
  return [error.url, error.message, String(error), JSON.stringify(error), JSON.stringify(payloads), ...debug].join("\n");
}

describe("a signed file URL's query string is never reported", () => {
  it("an error answer from the file's origin: error url and message, hooks and DEBUG lines carry the path only", async () => {
    behaviour.set("/bucket/attachment.png", "404");
    const { gladly, payloads, debug } = observed();
    const error = await failure(gladly.conversations.getAttachment({ itemId: "item-1", attachmentId: "att-1" }));
    expect(error).toBeInstanceOf(GladlyNotFoundError);
    expect(error.url).toBe(`${files.url}/bucket/attachment.png`);
    // The hop to the file's origin was reported, by its path.
    expect(payloads).toContainEqual(expect.objectContaining({ url: `${files.url}/bucket/attachment.png`, status: 404 }));
    expect(debug.some((line) => line.includes("/bucket/attachment.png"))).toBe(true);
    const text = reported(error, payloads, debug);
    expect(text).not.toContain(SIGNATURE);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain("X-Amz");
  });

  it("an error body from the file's origin that echoes the signature and token (S3's SignatureDoesNotMatch)", async () => {
    behaviour.set("/bucket/echo.jsonl", "403-echo");
    const { gladly, payloads, debug } = observed();
    const error = await failure(gladly.export.getFile({ jobId: "job-1", filename: "echo.jsonl" }));
    expect(error.status).toBe(403);
    expect(String(error.body)).toContain("SignatureDoesNotMatch");
    const text = [reported(error, payloads, debug), String(error.body)].join("\n");
    expect(text).not.toContain(SIGNATURE);
    expect(text).not.toContain(TOKEN);
  });

  it("a stream helper's body cut short, or a line that is not JSON, on the file's origin", async () => {
    behaviour.set("/bucket/cut.jsonl", "cut");
    behaviour.set("/bucket/garbled.jsonl", "not-json");
    for (const [filename, type] of [
      ["cut.jsonl", GladlyConnectionError],
      ["garbled.jsonl", GladlyStreamError],
    ] as const) {
      const { gladly, payloads, debug } = observed();
      const error = await failure(drain(gladly.export.readFile("job-1", filename)));
      expect(error).toBeInstanceOf(type);
      expect(error.url).toBe(`${files.url}/bucket/${filename}`);
      const text = reported(error, payloads, debug);
      expect(text).not.toContain(SIGNATURE);
      expect(text).not.toContain(TOKEN);
      vi.restoreAllMocks();
    }
  });

  it("keeps the query string of Gladly's own URLs", async () => {
    const { gladly, payloads, debug } = observed();
    await drain(gladly.events.iterate({ entities: ["TASK"], startAt: new Date(Date.now() - 60_000) }));
    expect(payloads).toContainEqual(expect.objectContaining({ url: expect.stringMatching(/\/api\/v1\/events\?entities=TASK&startAt=/) }));
    expect(debug.some((line) => /\/api\/v1\/events\?entities=TASK/.test(line))).toBe(true);
  });
});

describe("reportedUrl", () => {
  it("drops userinfo and fragment everywhere, and the query string off the API origin", () => {
    const origin = "https://acme.gladly.com";
    expect(reportedUrl("https://acme.gladly.com/api/v1/events?startAt=x#frag", origin)).toBe("https://acme.gladly.com/api/v1/events?startAt=x");
    expect(reportedUrl(`https://u:p@files.example.com/bucket/a.png?${signed}#x`, origin)).toBe("https://files.example.com/bucket/a.png");
    // Another port is another origin.
    expect(reportedUrl("https://acme.gladly.com:8443/a?secret=1", origin)).toBe("https://acme.gladly.com:8443/a");
    expect(reportedUrl("not a url", origin)).toBe("(invalid url)");
  });
});
