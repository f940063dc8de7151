/** writeBody: a body written to a file as it arrives; an abort while waiting for data rejects with GladlyAbortError. */
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GladlyAbortError } from "../src/errors.ts";
import { fileSystem, writeBody } from "../src/streams/files.ts";

const source = { method: "GET", url: "http://127.0.0.1/api/v1/media/item-1" };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gladly-files-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("writeBody", () => {
  it("writes every chunk and reports each one", async () => {
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of ["one ", "two ", "three"]) controller.enqueue(encoder.encode(part));
        controller.close();
      },
    });
    const file = await open(join(dir, "whole.txt"), "w");
    const sizes: number[] = [];
    await writeBody(body, file, (bytes) => sizes.push(bytes), source);
    await file.close();
    expect(await readFile(join(dir, "whole.txt"), "utf8")).toBe("one two three");
    expect(sizes).toEqual([4, 4, 5]);
  });

  it("an abort while the next chunk is awaited rejects (it does not pass for the end of the body) and cancels it", async () => {
    let cancelled: unknown;
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // The first chunk at once; after that, data that never comes.
        if (pulls++ === 0) controller.enqueue(new Uint8Array([1, 2, 3]));
        return new Promise(() => undefined);
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const controller = new AbortController();
    const file = await open(join(dir, "aborted.bin"), "w");
    const reason = new Error("stop");
    const written = writeBody(body, file, () => setTimeout(() => controller.abort(reason), 10), { ...source, signal: controller.signal });
    const error = (await written.catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(GladlyAbortError);
    expect(error.message).toBe("GET /api/v1/media/item-1: aborted by the caller");
    expect(error.cause).toBe(reason);
    await file.close();
    expect(cancelled).toBe(reason);
    expect([...(await readFile(join(dir, "aborted.bin")))]).toEqual([1, 2, 3]);
  });
});

describe("fileSystem", () => {
  it("gives node:fs/promises and node:path where they exist", async () => {
    const { fs, path } = await fileSystem("test", "");
    expect(typeof fs.open).toBe("function");
    expect(path.join("a", "b")).toBe(join("a", "b"));
  });
});
