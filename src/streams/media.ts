import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { GladlyError } from "../errors.ts";
import { type CallOptions, type OperationContext, openStream } from "../operations.ts";

type Options = Pick<CallOptions, "signal" | "priority" | "timeout">;

export function createMediaHelpers(ctx: OperationContext) {
  /** A call recording (audio/mpeg) as it streams in. */
  async function openRecording(args: { itemId: string }, options: Options = {}): Promise<ReadableStream<Uint8Array>> {
    const response = await openStream(ctx, "getMedia", args, options);
    return response.body ?? new ReadableStream({ start: (controller) => controller.close() });
  }

  /** Saves a recording to `path`, atomically: a temporary file renamed once complete. */
  async function saveRecording(args: { itemId: string }, path: string, options: Options = {}): Promise<void> {
    const temporary = join(dirname(path), `.${randomBytes(6).toString("hex")}.partial`);
    try {
      await pipeline(Readable.fromWeb((await openRecording(args, options)) as never), createWriteStream(temporary), options.signal ? { signal: options.signal } : {});
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  /**
   * Where an attachment lives: the URL of Gladly's 303, not followed. It is short-lived and
   * needs no credentials (the client never sends them there).
   */
  async function attachmentLocation(args: { itemId: string; attachmentId: string }, options: Options = {}): Promise<string> {
    const response = await openStream(ctx, "getAttachment", args, { ...options, followRedirects: false });
    await response.body?.cancel();
    const location = response.headers.get("location");
    if (!location) throw new GladlyError(`GET attachment ${args.attachmentId}: no redirect to the file`, { status: response.status, method: "GET", url: response.url });
    return new URL(location, response.url || ctx.baseUrl).toString();
  }

  return { openRecording, saveRecording, attachmentLocation };
}
