// Node, Bun and Deno: runs check.mjs with what the runner passed in GLADLY_RUNTIME_CHECK (JSON).
import { check } from "./check.mjs";

const env = JSON.parse(globalThis.Deno ? globalThis.Deno.env.get("GLADLY_RUNTIME_CHECK") : process.env.GLADLY_RUNTIME_CHECK);
try {
  console.log(JSON.stringify({ passed: await check(env) }));
} catch (error) {
  console.log(JSON.stringify({ error: String(error?.stack ?? error) }));
}
