#!/usr/bin/env node
import { setFlagsFromString } from "node:v8";
import { exitQuietlyWhenReaderLeaves } from "./pipe.ts";
import { runCli } from "./program.ts";

// `gladly bulk` reads a file of any size in constant memory, but at tens of thousands of rows a
// second (a dry run) V8 keeps doubling its young generation up to 2 × 16 MB of mostly garbage:
// a million-row dry run peaked at 105-118 MB RSS. Not growing it keeps that at ~87 MB for
// ~10 % more time. Only the growth factor is changed, which V8 reads each time it would grow.
if (process.argv.slice(2).includes("bulk")) setFlagsFromString("--semi-space-growth-factor=1");

exitQuietlyWhenReaderLeaves(process.stdout);
exitQuietlyWhenReaderLeaves(process.stderr);

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const untilInterrupted = () =>
  new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });

// No top-level await: the bin is built as CommonJS, where the bundled commander can require
// Node's modules (an ESM bundle cannot), and it shares the CommonJS library's chunks.
void runCli({
  argv: process.argv.slice(2),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  readStdin,
  stdin: process.stdin,
  untilInterrupted,
}).then((code) => {
  process.exitCode = code;
});
