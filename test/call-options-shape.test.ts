/**
 * Operation methods are plain functions returning a promise (not async functions): whatever the
 * call options are, a bad call must still be a rejection with a typed error, never a synchronous
 * throw, and never a promise left rejected with no one to handle it (which ends the process).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GladlyInputError, createGladlyClient } from "../src/index.ts";

const unhandled: unknown[] = [];
const record = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on("unhandledRejection", record);
});
afterEach(() => {
  process.off("unhandledRejection", record);
});

// Port 9 on loopback: nothing is expected to be sent, and nothing there would answer.
const gladly = createGladlyClient({ baseUrl: "http://127.0.0.1:9", agentEmail: "a@example.com", apiToken: "t", retry: false, rateLimit: false });
const getAgents = gladly.agents.getAgents as unknown as (args: unknown, options: unknown) => Promise<unknown>;

async function outcome(call: () => Promise<unknown>): Promise<unknown> {
  let promise: Promise<unknown>;
  try {
    promise = call();
  } catch (error) {
    return { threw: error };
  }
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  // Long enough for Node to report a promise rejected and left unhandled during the call.
  await new Promise((resolve) => setTimeout(resolve, 20));
  return error;
}

describe("call options that are not an object", () => {
  it.each([null, "fast", 5])("%j is rejected with a GladlyInputError naming options, and nothing is left unhandled", async (options) => {
    const error = await outcome(() => getAgents(undefined, options));
    expect(error).toBeInstanceOf(GladlyInputError);
    expect((error as GladlyInputError).message).toMatch(/options/);
    expect(unhandled).toEqual([]);
  });
});

describe("a call option getter that throws", () => {
  it("rejects the call instead of throwing from it", async () => {
    const boom = new Error("getter");
    const options = {
      get raw(): boolean {
        throw boom;
      },
    };
    expect(await outcome(() => getAgents(undefined, options))).toBe(boom);
    expect(unhandled).toEqual([]);
  });
});
