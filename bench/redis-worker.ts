/** One of the processes that share an organization's budget through Redis. */
import { createGladlyClient } from "../src/index.ts";

const [baseUrl, agentEmail, apiToken, redisUrl, id, count, perSecond] = process.argv.slice(2) as [string, string, string, string, string, string, string];
const gladly = createGladlyClient({ baseUrl, agentEmail, apiToken, retry: false, rateLimit: { perSecond: Number(perSecond), redis: { url: redisUrl }, id } });
let limited = 0;
await Promise.all(
  Array.from({ length: Number(count) }, () =>
    gladly.agents.getAgents().catch((error: { status?: number }) => {
      if (error.status === 429) limited++;
    }),
  ),
);
await gladly.rateLimit.disconnect();
process.send?.({ limited });
process.disconnect?.();
