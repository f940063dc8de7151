import { typedBody } from "../body-errors.ts";
import { GladlyError } from "../errors.ts";
import { type CallOptions, type OperationContext, openStream } from "../operations.ts";
import { fileSystem, writeBody } from "./files.ts";

type Options = Pick<CallOptions, "signal" | "priority" | "timeout">;

export function createMediaHelpers(ctx: OperationContext) {
  /** A call recording (audio/mpeg) as it streams in. */
  async function openRecording(args: { itemId: string }, options: Options = {}): Promise<ReadableStream<Uint8Array>> {
    const response = await openStream(ctx, "getMedia", args, options);
    return response.body
      ? typedBody(response.body, { method: "GET", url: response.url, signal: options.signal })
      : new ReadableStream({ start: (controller) => controller.close() });
  }

  /** Saves a recording to `path`, atomically: a temporary file renamed once complete. */
  async function saveRecording(args: { itemId: string }, target: string, options: Options = {}): Promise<void> {
    const { fs, path } = await fileSystem("conversations.saveRecording", "Read the stream of conversations.openRecording() instead.");
    const random = [...crypto.getRandomValues(new Uint8Array(6))].map((byte) => byte.toString(16).padStart(2, "0")).join("");
    const temporary = path.join(path.dirname(target), `.${random}.partial`);
    try {
      const response = await openStream(ctx, "getMedia", args, options);
      const handle = await fs.open(temporary, "w");
      try {
        const body = response.body ?? new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
        await writeBody(body, handle, () => undefined, { method: "GET", url: response.url, signal: options.signal });
      } finally {
        await handle.close();
      }
      await fs.rename(temporary, target);
    } catch (error) {
      await fs.rm(temporary, { force: true });
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
    if (!location)
      throw new GladlyError(`GET attachment ${args.attachmentId}: no redirect to the file`, { status: response.status, method: "GET", url: response.url });
    return new URL(location, response.url || ctx.baseUrl).toString();
  }

  return { openRecording, saveRecording, attachmentLocation };
}
