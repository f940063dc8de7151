/**
 * The limiter against an emulator written apart from it, at Gladly's real numbers (10/s): sliding
 * and fixed windows, both readings of Ratelimit-Remaining-Second, another integration taking part
 * of the budget, and 100 ms round trips with ±50 ms jitter each way.
 */
import { createGladlyClient } from "../src/index.ts";
import { type EmulatorOptions, otherIntegration, startEmulator, utilization } from "../test/helpers/emulator.ts";

export interface ScenarioResult {
  utilization: number;
  rejected: number;
  requests: number;
}

export interface Scenario extends EmulatorOptions {
  /** Requests fired at once. */
  burst: number;
  /** Another integration's steady use, per second. */
  others?: number;
  adaptive?: boolean;
}

export async function runScenario(scenario: Scenario): Promise<ScenarioResult> {
  const emulator = await startEmulator(scenario);
  const other = scenario.others ? otherIntegration(emulator.url, scenario.others) : undefined;
  if (other) await new Promise((resolve) => setTimeout(resolve, 1500));
  const from = emulator.seen.length;
  const gladly = createGladlyClient({
    baseUrl: emulator.url,
    agentEmail: "bench@example.com",
    apiToken: "bench-token",
    retry: { maxRetries: 10 },
    rateLimit: { perSecond: scenario.limit, adaptive: scenario.adaptive ?? true, id: `scenario-${Math.random()}` },
  });
  await Promise.all(Array.from({ length: scenario.burst }, () => gladly.agents.getAgents()));
  await other?.stop();
  const seen = emulator.seen.slice(from);
  await emulator.close();
  const share = scenario.others ? scenario.limit - scenario.others : scenario.limit;
  if (process.env.GLADLY_SCENARIO_DEBUG)
    console.log(
      seen
        .filter((s) => s.status === 429)
        .map((s) => `${(s.at - seen[0]!.at).toFixed(0)}${s.other ? "o" : ""}`)
        .join(" "),
    );
  return { utilization: Number(utilization(seen, share).toFixed(3)), rejected: seen.filter((s) => s.status === 429).length, requests: seen.length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const scenarios: Record<string, Scenario> = {
    sliding: { limit: 10, burst: 150 },
    fixed: { limit: 10, burst: 150, window: "fixed" },
    before: { limit: 10, burst: 150, remaining: "before" },
    fixedBefore: { limit: 10, burst: 150, window: "fixed", remaining: "before" },
    others: { limit: 10, burst: 120, others: 4 },
    latency: { limit: 10, burst: 150, latencyMs: 50, jitterMs: 50 },
  };
  const only = process.argv.slice(2);
  for (const [name, scenario] of Object.entries(scenarios)) {
    if (only.length && !only.includes(name)) continue;
    const result = await runScenario(scenario);
    console.log(name, result);
  }
}
