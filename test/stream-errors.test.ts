/**
 * A body that breaks off after the call returned (the stream helpers, and openapi-fetch, read it
 * later) is a GladlyConnectionError naming the call; the caller's own abort during the read is a
 * GladlyAbortError.
 */
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { GladlyAbortError, GladlyConnectionError, createGladlyClient } from "../src/index.ts";
import { type TestServer, startServer } from "./helpers/server.ts";

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

type Cut = "destroy" | "short-length";

/** Sends `first`, then either destroys the socket or ends with less than the Content-Length it declared. */
function cutShort(res: ServerResponse, how: Cut, contentType: string, first: string): void {
  if (how === "short-length") {
    res.writeHead(200, { "Content-Type": contentType, "Content-Length": String(Buffer.byteLength(first) + 1000) });
    res.write(first);
    // Ending the socket (not the response) leaves the declared length unmet: a Content-Length lie.
    setTimeout(() => res.socket?.end(), 20);
    return;
  }
  res.writeHead(200, { "Content-Type": contentType });
  res.write(first);
  setTimeout(() => res.socket?.destroy(), 20);
}

async function serveCut(how: Cut): Promise<TestServer> {
  const server = await startServer((req, res) => {
    const path = req.url.split("?")[0]!;
    if (path.endsWith("/export/jobs/job-1")) {
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ id: "job-1", status: "COMPLETED", files: ["customers.jsonl"] }));
    } else if (path.endsWith("/events") || path.includes("/files/"))
      cutShort(res, how, "application/x-jsonlines", '{"id":"a","timestamp":"2020-01-01T00:00:00Z"}\n{"id":"b"');
    else if (path.endsWith("/reports")) cutShort(res, how, "text/csv", "a,b\n1,2\n3,");
    else if (path.endsWith("/media/recording")) cutShort(res, how, "audio/mpeg", "ID3 partial");
    else res.writeHead(404).end();
  });
  servers.push(server);
  return server;
}

const clientFor = (server: TestServer) =>
  createGladlyClient({ baseUrl: server.url, agentEmail: "a@example.com", apiToken: "t", rateLimit: false, retry: false });

async function drain<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function failure(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error) {
    return error;
  }
  throw new Error("expected the read to fail");
}

describe.each<Cut>(["destroy", "short-length"])("a body cut short (%s)", (how) => {
  it("events.iterate and events.tail throw GladlyConnectionError with method, url and cause", async () => {
    const server = await serveCut(how);
    const gladly = clientFor(server);
    const startAt = new Date(Date.now() - 60_000);
    const error = await failure(drain(gladly.events.iterate({ entities: ["CONVERSATION"], startAt })));
    expect(error).toBeInstanceOf(GladlyConnectionError);
    expect(error).toMatchObject({ method: "GET", url: expect.stringContaining(`${server.url}/api/v1/events?`) });
    expect((error as Error).message).toMatch(/^GET \/api\/v1\/events: /);
    expect((error as Error).cause).toBeInstanceOf(Error);

    const tail = gladly.events.tail({ entities: ["CONVERSATION"], since: startAt, lagMs: 0, intervalMs: 10 });
    expect(await failure(drain(tail))).toBeInstanceOf(GladlyConnectionError);
  });

  it("export.readFile and export.downloadJob throw GladlyConnectionError", async () => {
    const server = await serveCut(how);
    const gladly = clientFor(server);
    const error = await failure(drain(gladly.export.readFile("job-1", "customers.jsonl")));
    expect(error).toBeInstanceOf(GladlyConnectionError);
    expect(error).toMatchObject({ method: "GET", url: `${server.url}/api/v1/export/jobs/job-1/files/customers.jsonl` });

    const dir = await mkdtemp(join(tmpdir(), "gladly-cut-"));
    expect(await failure(gladly.export.downloadJob("job-1", dir))).toBeInstanceOf(GladlyConnectionError);
    // The partial file stays under its temporary name, for a resumed download.
    expect(await readdir(dir)).toEqual([".customers.jsonl.partial"]);
  });

  it("reports.open rows and body, and openRecording, fail with GladlyConnectionError", async () => {
    const server = await serveCut(how);
    const gladly = clientFor(server);
    const args = { body: { metricSet: "ContactExportReport", timezone: "UTC", startAt: "2020-01-01", endAt: "2020-01-02" } } as never;
    const rows = await failure(drain((await gladly.reports.open(args)).rows()));
    expect(rows).toBeInstanceOf(GladlyConnectionError);
    expect(rows).toMatchObject({ method: "POST", url: `${server.url}/api/v1/reports` });
    expect(await failure(new Response((await gladly.reports.open(args)).body).text())).toBeInstanceOf(GladlyConnectionError);

    const recording = await gladly.conversations.openRecording({ itemId: "item-1" });
    const error = await failure(new Response(recording).arrayBuffer());
    expect(error).toBeInstanceOf(GladlyConnectionError);
    expect(error).toMatchObject({ method: "GET", url: `${server.url}/api/v1/conversation-items/item-1/media/recording` });
  });
});

describe.each<Cut>(["destroy", "short-length"])("openapi-fetch's methods, a body cut short (%s)", (how) => {
  it("throw GladlyConnectionError, as for a call that got no answer", async () => {
    const server = await startServer((_req, res) => cutShort(res, how, "application/json", '[{"id":"team-1","name":'));
    servers.push(server);
    const error = await failure(clientFor(server).GET("/teams"));
    expect(error).toBeInstanceOf(GladlyConnectionError);
    expect(error).toMatchObject({ method: "GET", url: `${server.url}/api/v1/teams` });
  });
});

describe("the caller's abort while a stream is read", () => {
  it("is a GladlyAbortError, not a connection failure", async () => {
    // Headers and a first line at once, then nothing: the read waits until the caller aborts.
    const server = await startServer((req, res) => {
      if (req.url.split("?")[0]!.endsWith("/export/jobs/job-1")) {
        res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ id: "job-1", status: "COMPLETED", files: ["customers.jsonl"] }));
        return;
      }
      res.writeHead(200, { "Content-Type": "application/x-jsonlines" });
      res.write('{"id":"a","timestamp":"2020-01-01T00:00:00Z"}\n');
    });
    servers.push(server);
    const gladly = clientFor(server);

    const controller = new AbortController();
    const records: unknown[] = [];
    const read = (async () => {
      for await (const record of gladly.export.readFile("job-1", "customers.jsonl", { signal: controller.signal })) {
        records.push(record);
        controller.abort(new Error("user went away"));
      }
    })();
    const error = await failure(read);
    expect(records).toHaveLength(1);
    expect(error).toBeInstanceOf(GladlyAbortError);
    expect((error as GladlyAbortError).cause).toEqual(new Error("user went away"));

    const downloading = new AbortController();
    const dir = await mkdtemp(join(tmpdir(), "gladly-abort-"));
    const download = gladly.export.downloadJob("job-1", dir, { signal: downloading.signal, onProgress: () => downloading.abort(new Error("stop")) });
    expect(await failure(download)).toBeInstanceOf(GladlyAbortError);

    const saving = new AbortController();
    setTimeout(() => saving.abort(new Error("later")), 50);
    const saved = gladly.conversations.saveRecording({ itemId: "item-1" }, join(dir, "call.mp3"), { signal: saving.signal });
    expect(await failure(saved)).toBeInstanceOf(GladlyAbortError);

    const recording = new AbortController();
    const body = await gladly.conversations.openRecording({ itemId: "item-1" }, { signal: recording.signal });
    const reader = body.getReader();
    await reader.read();
    recording.abort(new Error("enough"));
    expect(await failure(reader.read())).toBeInstanceOf(GladlyAbortError);
  });
});
