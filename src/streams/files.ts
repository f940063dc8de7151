/**
 * The file system for the helpers that save files (downloadJob, saveRecording), imported only
 * when one of them runs: the main entry imports no Node built-in, so it runs and bundles for
 * Cloudflare Workers and browsers, while Node, Bun and Deno save files as before.
 */
import { type BodySource, abortError, bodyReadError } from "../body-errors.ts";
import { GladlyMissingDependencyError } from "../errors.ts";

export interface FileSystem {
  fs: typeof import("node:fs/promises");
  path: typeof import("node:path");
}

/** node:fs/promises and node:path, or a typed error naming `feature` and what to do instead. */
export async function fileSystem(feature: string, instead: string): Promise<FileSystem> {
  try {
    // Inside try: bundlers (esbuild, wrangler) leave a failing import here for run time.
    const fs = await import("node:fs/promises");
    const path = await import("node:path");
    return { fs, path };
  } catch (cause) {
    throw new GladlyMissingDependencyError(
      "node:fs/promises",
      `${feature} writes files, which needs node:fs/promises (Node.js, Bun, Deno); this runtime has none. ${instead}`,
      { cause },
    );
  }
}

/**
 * Writes a body to an open file as it arrives, reporting each chunk; an abort or a body that
 * breaks off rejects (GladlyAbortError, GladlyConnectionError), cancelling the body. A failed
 * write to the file rejects with the file system's error.
 */
export async function writeBody(
  body: ReadableStream<Uint8Array>,
  file: import("node:fs/promises").FileHandle,
  onChunk: (bytes: number) => void,
  source: BodySource,
): Promise<void> {
  const { signal } = source;
  const reader = body.getReader();
  const onAbort = () => void reader.cancel(signal?.reason).catch(() => undefined);
  signal?.addEventListener("abort", onAbort, { once: true });
  const stopIfAborted = () => {
    if (signal?.aborted) throw abortError({ ...source, signal });
  };
  try {
    for (;;) {
      stopIfAborted();
      const { done, value } = await reader.read().catch((error: unknown) => {
        throw bodyReadError(error, source);
      });
      // Before `done`: an abort cancels the reader, which then reads as a body that ended.
      stopIfAborted();
      if (done) return;
      for (let offset = 0; offset < value.byteLength; ) offset += (await file.write(value, offset)).bytesWritten;
      onChunk(value.byteLength);
    }
  } catch (error) {
    await reader.cancel(error).catch(() => undefined);
    throw error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    reader.releaseLock();
  }
}
