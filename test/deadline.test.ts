/**
 * How a timed-out attempt is ended on the wire. On Node's own fetch in Node 20/22 (undici 6) the
 * deadline rides on a dispatcher instead of an AbortSignal (src/pipeline/deadline.ts); these tests
 * hold it to what a signal did: the socket is closed at the deadline, before or after the headers,
 * and a fetch that ignores dispatchers falls back to signals.
 */
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GladlyConnectionError, createGladlyClient } from "../src/index.ts";
import { Deadline } from "../src/pipeline/deadline.ts";

const creds = { agentEmail: "a@example.com", apiToken: "secret-token" };
const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");
const undiciMajor = Number((process.versions.undici ?? "0").split(".")[0]);
/** Where the dispatcher is used: Node's undici 5 and 6; elsewhere the signal is already cheap. */
const dispatcherExpected = undiciMajor >= 5 && undiciMajor <= 7;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler = (_req, res) => res.end("{}");
const closedSockets: Socket[] = [];
const server = createServer((req, res) => handler(req, res));
let baseUrl = "";

beforeAll(async () => {
  server.on("connection", (socket: Socket) => socket.once("close", () => closedSockets.push(socket)));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Node loads its fetch, and the global dispatcher, on the first call.
  await (await fetch(`${baseUrl}/warm`)).text();
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Records what the client hands fetch, then calls Node's fetch with exactly that. */
function recordingFetch(): { inits: RequestInit[]; restore(): void } {
  const original = globalThis.fetch;
  const inits: RequestInit[] = [];
  globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
    if (init) inits.push(init);
    return original(input, init);
  }) as typeof fetch;
  return {
    inits,
    restore: () => {
      globalThis.fetch = original;
    },
  };
}

function client(timeout: number) {
  return createGladlyClient({ baseUrl, ...creds, retry: false, rateLimit: false, timeout });
}

async function closedWithin(socket: () => Socket | undefined, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const open = socket();
    if (open && closedSockets.includes(open)) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}

describe("a timed-out attempt", () => {
  it("is ended on the wire when no answer comes: the server sees its socket close at the deadline", async () => {
    let socket: Socket | undefined;
    handler = (req) => {
      socket = req.socket;
    };
    const recorded = recordingFetch();
    try {
      const started = Date.now();
      const error = await client(150)
        .agents.getAgents()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GladlyConnectionError);
      expect(String(error)).toMatch(/timed out/);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await closedWithin(() => socket, 5_000)).toBe(true);
      const init = recorded.inits.at(-1)!;
      // The cheap way where it applies; a signal everywhere else.
      expect("dispatcher" in init).toBe(dispatcherExpected);
      expect(init.signal !== undefined).toBe(!dispatcherExpected);
    } finally {
      recorded.restore();
    }
  });

  it("is ended on the wire when the body stalls after the headers", async () => {
    let socket: Socket | undefined;
    handler = (req, res) => {
      socket = req.socket;
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      res.write('{"partial":');
    };
    const error = await client(150)
      .agents.getAgents()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GladlyConnectionError);
    expect(String(error)).toMatch(/timed out/);
    expect(await closedWithin(() => socket, 5_000)).toBe(true);
  });

  it("leaves an answered request's keep-alive sockets open for the next ones", async () => {
    const sockets = new Set<Socket>();
    handler = (req, res) => {
      sockets.add(req.socket);
      res.writeHead(200, { "content-type": "application/json" }).end("[]");
    };
    const gladly = client(150);
    for (let i = 0; i < 5; i++) expect(await gladly.agents.getAgents()).toEqual([]);
    // Longer than the deadline: a timer left behind would have cut the connection by now.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await gladly.agents.getAgents()).toEqual([]);
    expect([...sockets].filter((s) => closedSockets.includes(s))).toEqual([]);
  });

  it("goes through a global dispatcher the caller installed (a proxy agent) instead of bypassing it", async () => {
    const global = globalThis as unknown as Record<symbol, { dispatch(options: unknown, handler: unknown): boolean }>;
    const installed = global[GLOBAL_DISPATCHER]!;
    let dispatched = 0;
    global[GLOBAL_DISPATCHER] = {
      dispatch(options, h) {
        dispatched++;
        return installed.dispatch(options, h);
      },
    };
    handler = (_req, res) => res.writeHead(200, { "content-type": "application/json" }).end("[]");
    try {
      expect(await client(1_000).agents.getAgents()).toEqual([]);
      expect(dispatched).toBe(1);
    } finally {
      global[GLOBAL_DISPATCHER] = installed;
    }
  });
});

describe("Deadline", () => {
  it("aborts a request that connects after the deadline passed, with the deadline's reason", () => {
    const global = globalThis as unknown as Record<symbol, unknown>;
    const installed = global[GLOBAL_DISPATCHER];
    const aborted: unknown[] = [];
    global[GLOBAL_DISPATCHER] = {
      dispatch: (_options: unknown, h: { onConnect(abort: (reason: Error) => void): void }) => {
        h.onConnect((reason) => aborted.push(reason));
        return true;
      },
    };
    try {
      const deadline = new Deadline();
      const reason = new Error("no answer within 10ms");
      deadline.expire(reason);
      const dispatcher = deadline.dispatcher();
      if (!dispatcherExpected) return expect(dispatcher).toBeUndefined();
      let connected = false;
      dispatcher!.dispatch(
        {},
        {
          onConnect: () => {
            connected = true;
          },
        },
      );
      expect(connected).toBe(true);
      expect(aborted).toEqual([reason]);
    } finally {
      global[GLOBAL_DISPATCHER] = installed;
    }
  });

  it("hands fetch a signal that is already aborted when asked after the deadline", () => {
    const deadline = new Deadline();
    const reason = new Error("late");
    deadline.expire(reason);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.signal.reason).toBe(reason);
  });
});

// Last in this file: it turns the dispatcher off for the rest of the process (this test file).
describe("a fetch that ignores the dispatcher option", () => {
  it("is noticed on its first answer, and later attempts carry a signal, so a timeout still ends them", async () => {
    const original = globalThis.fetch;
    const inits: RequestInit[] = [];
    // A wrapper that drops what it does not know, as some instrumentation does.
    globalThis.fetch = ((input: string, init: RequestInit) => {
      inits.push(init);
      const { dispatcher: _, ...standard } = init as RequestInit & { dispatcher?: unknown };
      return original(input, standard);
    }) as typeof fetch;
    try {
      handler = (_req, res) => res.writeHead(200, { "content-type": "application/json" }).end("[]");
      expect(await client(1_000).agents.getAgents()).toEqual([]);
      let socket: Socket | undefined;
      handler = (req) => {
        socket = req.socket;
      };
      await expect(client(150).agents.getAgents()).rejects.toThrow(/timed out/);
      expect(inits.at(-1)!.signal).toBeDefined();
      expect(await closedWithin(() => socket, 5_000)).toBe(true);
    } finally {
      globalThis.fetch = original;
    }
  });
});

describe("a fetch that never settles", () => {
  it("cannot hold a call past its timeout, whatever it does with the signal", async () => {
    const gladly = createGladlyClient({ baseUrl, ...creds, retry: false, rateLimit: false, timeout: 100, fetch: () => new Promise<Response>(() => undefined) });
    const started = Date.now();
    await expect(gladly.agents.getAgents()).rejects.toThrow(/timed out/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
