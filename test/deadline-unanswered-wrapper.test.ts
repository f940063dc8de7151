/**
 * Its own file: it turns the dispatcher off for the rest of the process (src/pipeline/deadline.ts).
 * A fetch wrapper that drops the `dispatcher` option, against a server that never answers: the
 * fallback to signals must not wait for an answer that never comes, or no timed-out request is
 * ever ended on the wire and each one keeps its socket open.
 */
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGladlyClient } from "../src/index.ts";

const open = new Set<Socket>();
const server = createServer(() => undefined);
let baseUrl = "";

beforeAll(async () => {
  server.on("connection", (socket: Socket) => {
    open.add(socket);
    socket.once("close", () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Node loads its fetch, and the global dispatcher, on the first call.
  await fetch(`${baseUrl}/warm`, { signal: AbortSignal.timeout(50) }).catch(() => undefined);
  server.closeAllConnections();
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return condition();
}

describe("a fetch wrapper that drops the dispatcher, before any request was answered", () => {
  it("has timed-out requests after the first one ended on the wire", async () => {
    const original = globalThis.fetch;
    globalThis.fetch = ((input: string, init: RequestInit) => {
      const { dispatcher: _, ...standard } = init as RequestInit & { dispatcher?: unknown };
      return original(input, standard);
    }) as typeof fetch;
    try {
      expect(await until(() => open.size === 0, 15_000)).toBe(true);
      const gladly = createGladlyClient({ baseUrl, agentEmail: "a@example.com", apiToken: "t", retry: false, rateLimit: false, timeout: 100 });
      // The first one was handed only the dropped dispatcher: nothing can end it on the wire.
      await expect(gladly.agents.getAgents()).rejects.toThrow(/timed out/);
      expect(await until(() => open.size === 1, 5_000)).toBe(true);
      const first = [...open][0];
      // Its deadline noticed the dispatcher was never used: later ones carry a signal, and their
      // sockets are closed by the client, none left for the server to time out.
      for (let i = 0; i < 3; i++) await expect(gladly.agents.getAgents()).rejects.toThrow(/timed out/);
      // Node 20's fetch lets go of a socket aborted by a signal only when undici's keep-alive timer
      // (4 s) fires: a wide margin for a loaded machine.
      expect(await until(() => open.size === 1 && open.has(first!), 15_000)).toBe(true);
    } finally {
      globalThis.fetch = original;
    }
  }, 45_000);
});
