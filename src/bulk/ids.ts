/**
 * Ids derived from the job and the row: the same row of the same job always creates under the
 * same id, so a create that was sent before a crash but never journaled is sent again under that
 * id and answered with a 409 the client reads back, instead of creating a second resource.
 */

/** 22 URL-safe characters (128 bits of SHA-256), the shape of Gladly's own ids. */
export async function deriveId(jobId: string, rowKey: string, label: string): Promise<string> {
  // NUL separators: no choice of key and label can collide with another split of the same text.
  const input = new TextEncoder().encode(`gladly-api bulk\0${jobId}\0${rowKey}\0${label}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", input)).subarray(0, 16);
  let binary = "";
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A fresh job id, for a job that has no journal to take one from. */
export function newJobId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
