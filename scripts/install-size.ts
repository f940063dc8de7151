/**
 * `npm run install-size`: what `npm install gladly-api` costs a user. Packs the package as npm
 * would publish it, installs the tarball into an empty project (from the npm registry, as a
 * user would get its dependencies) and counts what landed in node_modules: packages (gladly-api
 * included, as npm's "added N packages" counts) and bytes (the sum of file sizes). Fails above
 * the budget: a client library should cost what Stripe's or openapi-fetch's does.
 */
import { execFile } from "node:child_process";
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));

export const INSTALL_BUDGET = { install_packages: 10, install_bytes: 5_000_000 } as const;

export interface InstallSize {
  /** Packages in node_modules after installing the tarball, gladly-api included. */
  install_packages: number;
  /** Sum of the sizes of every file in node_modules. */
  install_bytes: number;
  /** Each package (path in node_modules) with its bytes, largest first. */
  packages: { name: string; bytes: number }[];
}

async function bytesUnder(path: string): Promise<number> {
  const info = await lstat(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(path)) total += await bytesUnder(join(path, entry));
  return total;
}

/**
 * Packs gladly-api (building dist/ first, unless `build: false`), installs
 * the tarball into an empty temporary project and measures node_modules. Removes what it made.
 */
export async function measureInstallSize(options: { build?: boolean } = {}): Promise<InstallSize> {
  const work = await mkdtemp(join(tmpdir(), "gladly-install-size-"));
  try {
    if (options.build !== false) await run("npm", ["run", "build"], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
    // Built just above (or by the caller): prepack would only build again, and print to stdout.
    const packed = JSON.parse(
      (await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], { cwd: root, maxBuffer: 64 * 1024 * 1024 })).stdout,
    ) as { filename: string }[];
    const tarball = join(work, packed[0]!.filename);
    const app = join(work, "app");
    await mkdir(app);
    await writeFile(join(app, "package.json"), `${JSON.stringify({ name: "empty-project", version: "1.0.0", private: true }, null, 2)}\n`);
    await run("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--no-package-lock", tarball], { cwd: app, maxBuffer: 64 * 1024 * 1024 });
    // npm's own record of what it installed (every package, nested ones too).
    const hidden = JSON.parse(await readFile(join(app, "node_modules", ".package-lock.json"), "utf8")) as { packages: Record<string, unknown> };
    const paths = Object.keys(hidden.packages).filter((path) => path.startsWith("node_modules/"));
    const packages = await Promise.all(paths.map(async (path) => ({ name: path.slice("node_modules/".length), bytes: await bytesUnder(join(app, path)) })));
    return { install_packages: paths.length, install_bytes: await bytesUnder(join(app, "node_modules")), packages: packages.sort((a, b) => b.bytes - a.bytes) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const size = await measureInstallSize({ build: !process.argv.includes("--no-build") });
  for (const { name, bytes } of size.packages) console.log(`  ${name.padEnd(40)} ${(bytes / 1e6).toFixed(2).padStart(6)} MB`);
  console.log(`install_packages ${size.install_packages} (budget ${INSTALL_BUDGET.install_packages})`);
  console.log(`install_bytes ${size.install_bytes} (${(size.install_bytes / 1e6).toFixed(2)} MB, budget ${INSTALL_BUDGET.install_bytes / 1e6} MB)`);
  const over = (Object.keys(INSTALL_BUDGET) as (keyof typeof INSTALL_BUDGET)[]).filter((key) => size[key] > INSTALL_BUDGET[key]);
  if (over.length) console.error(`over budget: ${over.join(", ")}`);
  return over.length ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await main();
