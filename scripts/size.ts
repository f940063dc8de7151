/**
 * `npm run size`: bundles `gladly-api/public-answers` for the browser (esbuild, minified, with
 * everything it pulls in) and fails above the budget. A Node built-in in the bundle fails the
 * build outright (platform: browser). It only reports: `npm run bench` records the same figure in
 * bench/results.json, so CI running this leaves the clone as it found it.
 */
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const BUDGET = 5 * 1024;
const root = fileURLToPath(new URL("..", import.meta.url));

export function bundlePublicAnswers(minify = true): Promise<string> {
  return bundleForBrowser("src/public-answers.ts", minify);
}

/** One entry (a path from the repository root) with everything it imports, as a browser or Workers bundler builds it. */
export async function bundleForBrowser(entry: string, minify = false): Promise<string> {
  const result = await build({
    entryPoints: [`${root}${entry}`],
    bundle: true,
    minify,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

async function main(): Promise<number> {
  const code = await bundlePublicAnswers();
  const gzipped = gzipSync(code, { level: 9 }).length;
  console.log(`gladly-api/public-answers: ${code.length} bytes minified, ${gzipped} bytes gzipped (budget ${BUDGET})`);
  if (gzipped > BUDGET) {
    console.error(`over budget by ${gzipped - BUDGET} bytes`);
    return 1;
  }
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await main();
