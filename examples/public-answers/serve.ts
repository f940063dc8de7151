/**
 * Serves the demo page and the browser bundle of gladly-api/public-answers on 127.0.0.1.
 *
 *   npm run demo:browser                 a fake Gladly + the page; prints the URL to open
 *   npm run demo:browser -- --api <url> --org-id <id>   the page against another API
 */
import { readFile } from "node:fs/promises";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { bundlePublicAnswers } from "../../scripts/size.ts";

export async function servePage(port = 0): Promise<{ origin: string; close(): Promise<void> }> {
  const [html, bundle] = await Promise.all([readFile(new URL("./index.html", import.meta.url), "utf8"), bundlePublicAnswers(false)]);
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/" || path === "/index.html") res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(html);
    else if (path === "/public-answers.js") res.writeHead(200, { "Content-Type": "text/javascript; charset=utf-8" }).end(bundle);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

if (process.argv[1]?.endsWith("serve.ts")) {
  const { values } = parseArgs({ options: { api: { type: "string" }, "org-id": { type: "string" }, port: { type: "string" } } });
  const page = await servePage(Number(values.port ?? 0));
  let api = values.api;
  let orgId = values["org-id"];
  if (!api) {
    const { startFakeGladly } = await import("../../src/testing/index.ts");
    const fake = await startFakeGladly({ corsOrigins: [page.origin] });
    api = fake.url;
    orgId = fake.orgId;
  }
  console.log(`open ${page.origin}/?api=${encodeURIComponent(api)}&orgId=${encodeURIComponent(orgId ?? "")}`);
}
