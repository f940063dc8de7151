/** Its own file: what it checks turns the dispatcher off for the rest of the process (src/pipeline/deadline.ts). */
import { describe, expect, it } from "vitest";
import { Deadline } from "../src/pipeline/deadline.ts";

const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");
const undiciMajor = Number((process.versions.undici ?? "0").split(".")[0]);

describe("a handler without onConnect (a later undici's shape)", () => {
  it("is passed on untouched, and later deadlines fall back to a signal", () => {
    const global = globalThis as unknown as Record<symbol, unknown>;
    const installed = global[GLOBAL_DISPATCHER];
    const seen: object[] = [];
    global[GLOBAL_DISPATCHER] = {
      dispatch: (_options: unknown, handler: object) => {
        seen.push(handler);
        return true;
      },
    };
    try {
      const handler = { onRequestStart() {} };
      const dispatcher = new Deadline().dispatcher();
      // Node's undici 5 to 7 take the dispatcher; any other runtime never offers it.
      if (!(undiciMajor >= 5 && undiciMajor <= 7)) return expect(dispatcher).toBeUndefined();
      dispatcher!.dispatch({}, handler as never);
      expect(seen).toEqual([handler]);
      expect(Object.keys(handler)).toEqual(["onRequestStart"]);
      expect(new Deadline().dispatcher()).toBeUndefined();
    } finally {
      global[GLOBAL_DISPATCHER] = installed;
    }
  });
});
