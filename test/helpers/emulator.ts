/**
 * A rate-limited server written apart from the fake Gladly, to test the limiter against semantics
 * it was not written for: fixed or sliding one-second windows, `Ratelimit-Remaining-Second`
 * counted after or before the request, network latency with jitter each way, and traffic from
 * another integration. Loopback only.
 */
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface EmulatorOptions {
  limit: number;
  window?: "sliding" | "fixed";
  /** "after": remaining counts this request (Gladly's meaning); "before": it does not. */
  remaining?: "after" | "before";
  /** Delay before the server sees a request, and again before the client sees the answer (ms). */
  latencyMs?: number;
  /** Each delay varies by up to ± this much (ms). */
  jitterMs?: number;
}

export interface Emulator {
  url: string;
  /** Every request the server counted or refused, by the time it saw it (ms, performance.now). */
  readonly seen: { at: number; status: number; other: boolean }[];
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const { limit, window = "sliding", remaining = "after", latencyMs = 0, jitterMs = 0 } = options;
  const stamps: number[] = [];
  const seen: Emulator["seen"] = [];
  const delay = () => (latencyMs || jitterMs ? Math.max(0, latencyMs + (Math.random() * 2 - 1) * jitterMs) : 0);
  const wait = (ms: number) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve());
  const count = (now: number) => {
    if (window === "sliding") {
      while (stamps.length && stamps[0]! <= now - 1000) stamps.shift();
    } else {
      const start = Math.floor(now / 1000) * 1000;
      while (stamps.length && stamps[0]! < start) stamps.shift();
    }
    return stamps.length;
  };
  const server: Server = createServer(async (req, res) => {
    req.resume();
    await wait(delay());
    const now = performance.now();
    const used = count(now);
    const other = req.headers["x-other"] === "1";
    const headers: Record<string, string> = { "content-type": "application/json", "ratelimit-limit-second": String(limit) };
    if (used >= limit) {
      seen.push({ at: now, status: 429, other });
      const retryAfter = window === "sliding" ? (stamps[0]! + 1000 - now) / 1000 : (Math.floor(now / 1000) * 1000 + 1000 - now) / 1000;
      headers["retry-after"] = Math.max(0, retryAfter).toFixed(3);
      headers["ratelimit-remaining-second"] = "0";
      await wait(delay());
      res.writeHead(429, headers).end(JSON.stringify({ errors: [{ code: "rate_limited", detail: "too many requests" }] }));
      return;
    }
    stamps.push(now);
    seen.push({ at: now, status: 200, other });
    headers["ratelimit-remaining-second"] = String(remaining === "after" ? limit - used - 1 : limit - used);
    await wait(delay());
    // Gladly's answers to writes: 201 with no body for a create (the client chose the id), 204 for the others.
    if (req.method === "POST" || req.method === "PATCH" || req.method === "PUT" || req.method === "DELETE") {
      delete headers["content-type"];
      res.writeHead(req.method === "POST" ? 201 : 204, headers).end();
      return;
    }
    res.writeHead(200, headers).end(JSON.stringify([{ id: "agent-1", name: "Agent" }]));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Requests per second the server accepted from us after the first second, as a share of `limit`. */
export function utilization(seen: Emulator["seen"], limit: number): number {
  const ok = seen.filter((s) => s.status === 200 && !s.other).map((s) => s.at);
  const start = ok[0]! + 1000;
  const steady = ok.filter((t) => t >= start);
  if (steady.length < 2) return 0;
  return (steady.length - 1) / (((steady.at(-1)! - steady[0]!) / 1000) * limit);
}

/** Another integration, as one is commonly written: a request, then a pause of 1/perSecond, until stopped. */
export function otherIntegration(url: string, perSecond: number): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      void fetch(`${url}/api/v1/teams`, { headers: { "x-other": "1" } }).then(
        (r) => r.arrayBuffer(),
        () => undefined,
      );
      await new Promise((resolve) => setTimeout(resolve, 1000 / perSecond));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
