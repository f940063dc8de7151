#!/usr/bin/env node
import { exitQuietlyWhenReaderLeaves } from "./pipe.ts";
import { runCli } from "./program.ts";

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
