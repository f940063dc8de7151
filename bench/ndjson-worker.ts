/**
 * Streams NDJSON export files in a fresh process, so its memory is measured alone:
 * peak RSS growth over 1 GB, and records/s against text() + split + JSON.parse (5 × 64 MB a side).
 */
import { createGladlyClient } from "../src/index.ts";

const [url] = process.argv.slice(2) as [string];
const gladly = createGladlyClient({ baseUrl: url, agentEmail: "bench@example.com", apiToken: "t", rateLimit: false, timeout: 0 });
const MB = 1024 * 1024;

async function streamed(bytes: number): Promise<{ records: number; seconds: number; peakGrowthMb: number }> {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const started = performance.now();
  let records = 0;
  for await (const record of gladly.export.readFile(String(bytes), "agents.jsonl")) if (record.id) records++;
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { records, seconds, peakGrowthMb: (peak - baseline) / MB };
}

async function naive(bytes: number): Promise<{ records: number; seconds: number }> {
  const started = performance.now();
  const text = await (await fetch(`${url}/api/v1/export/jobs/${bytes}/files/agents.jsonl`)).text();
  let records = 0;
  for (const line of text.split("\n")) if (line && (JSON.parse(line) as { id?: string }).id) records++;
  return { records, seconds: (performance.now() - started) / 1000 };
}

const big = await streamed(1024 * MB);
// Five rounds of 64 MB a side, alternating which goes first, and the median round's ratio: this
// shared machine's speed drifts too much within seconds for one timing of each side to compare.
const ratios: number[] = [];
for (let round = 0; round < 5; round++) {
  const [first, second] = round % 2 ? [naive, streamed] : [streamed, naive];
  const a = await first(64 * MB);
  const b = await second(64 * MB);
  const [ours, theirs] = round % 2 ? [b, a] : [a, b];
  ratios.push(ours.records / ours.seconds / (theirs.records / theirs.seconds));
}
ratios.sort((x, y) => x - y);
process.send?.({
  ndjson_peak_rss_mb: Math.round(big.peakGrowthMb * 10) / 10,
  ndjson_records_streamed: big.records,
  ndjson_throughput_ratio: Math.round(ratios[2]! * 1000) / 1000,
});
process.disconnect?.();
