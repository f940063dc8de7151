/** One of the processes that share an organization's budget through Redis. */
import { createGladlyClient } from "../src/index.ts";

const [baseUrl, agentEmail, apiToken, redisUrl, id, count, perSecond] = process.argv.slice(2) as [string, string, string, string, string, string, string];
const gladly = createGladlyClient({
  baseUrl,
  agentEmail,
  apiToken,
  retry: false,
  timeout: 10_000,
  rateLimit: { perSecond: Number(perSecond), redis: { url: redisUrl }, id },
});
let limited = 0;
let failed = 0;
let settled = 0;
// A call that never settles is a defect the bench must report, not wait for.
const watchdog = setTimeout(() => {
  process.send?.({ limited, failed, hung: Number(count) - settled });
  process.exit(0);
}, 90_000);
await Promise.all(
  Array.from({ length: Number(count) }, () =>
    gladly.agents
      .getAgents()
      .catch((error: { status?: number }) => {
        if (error.status === 429) limited++;
        else failed++;
      })
      .finally(() => settled++),
  ),
);
clearTimeout(watchdog);
await gladly.rateLimit.disconnect();
process.send?.({ limited, failed, hung: 0 });
process.disconnect?.();
