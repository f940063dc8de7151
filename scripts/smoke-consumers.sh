#!/usr/bin/env bash
# Packs the package as npm would publish it, installs the tarball into a fresh project, and uses
# it the ways consumers do: Node ESM, Node CommonJS, TypeScript (node16 and bundler resolution),
# and a browser bundle of gladly-api/public-answers. Also checks what the tarball contains.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$root" && npm pack --pack-destination "$work" >/dev/null 2>&1)
tarball="$(ls "$work"/gladly-api-*.tgz)"
echo "packed $(basename "$tarball"): $(wc -c < "$tarball") bytes"

contents="$(tar -tzf "$tarball")"
if grep -qE '^package/(test|src|scripts|bench|openapi|examples)/' <<<"$contents"; then echo "tarball ships sources or tests:"; grep -E '^package/(test|src|scripts|bench|openapi|examples)/' <<<"$contents"; exit 1; fi
if grep -qE '\.map$' <<<"$contents"; then echo "tarball ships source maps"; exit 1; fi

app="$work/app"
mkdir -p "$app" && cd "$app"
npm init -y >/dev/null
npm install --no-audit --no-fund "$tarball" >/dev/null 2>&1

# The lean install: the fake's validator and the CLI's parser are compiled in, the MCP SDK is an
# optional peer dependency; none of them is installed with the client.
for optional in ajv commander @modelcontextprotocol/sdk; do
  if [ -e "node_modules/$optional" ]; then echo "installing gladly-api installed $optional"; exit 1; fi
done
./node_modules/.bin/gladly ops --tag customers | grep -q createCustomer
echo "gladly (the bin, without commander installed): ok"
if ./node_modules/.bin/gladly mcp </dev/null 2>mcp.err; then echo "gladly mcp ran without the MCP SDK"; exit 1; fi
grep -q "npm install @modelcontextprotocol/sdk" mcp.err || { cat mcp.err; exit 1; }
echo "gladly mcp without the MCP SDK: says how to install it"

cat > esm.mjs <<'JS'
import { createGladlyClient, GladlyNotFoundError } from "gladly-api";
import { startFakeGladly } from "gladly-api/testing";
import { createWebhookHandler } from "gladly-api/webhooks";
const fake = await startFakeGladly();
const gladly = createGladlyClient(fake.clientOptions());
const org = await gladly.organization.getOrganization();
if (org.id !== fake.orgId) throw new Error("wrong organization");
await gladly.customers.getCustomer({ customerId: "nobody" }).then(() => { throw new Error("expected 404"); }, (e) => { if (!(e instanceof GladlyNotFoundError)) throw e; });
const ping = await createWebhookHandler({ on: {} })(new Request("http://x/", { method: "POST", body: '{"type":"PING"}' }));
if (ping.status !== 200) throw new Error("webhook handler");
await fake.close();
console.log("node ESM: ok");
JS
node esm.mjs

cat > cjs.cjs <<'JS'
const { createGladlyClient, GladlyInputError } = require("gladly-api");
const { createPublicAnswersClient } = require("gladly-api/public-answers");
const { isWebhookEvent } = require("gladly-api/webhooks");
try { createGladlyClient({ organization: "evil/x", agentEmail: "a@b.c", apiToken: "t" }); throw new Error("expected a GladlyInputError"); } catch (e) { if (!(e instanceof GladlyInputError)) throw e; }
if (createPublicAnswersClient({ organization: "acme", orgId: "o" }).baseUrl !== "https://acme.gladly.com/api/v1") throw new Error("public answers");
if (!isWebhookEvent({ type: "PING" })) throw new Error("webhooks");
console.log("node CommonJS: ok");
JS
node cjs.cjs

cat > usage.ts <<'TS'
import { createGladlyClient, type Customer, type Conversation, type WebhookEvent } from "gladly-api";
import { createPublicAnswersClient } from "gladly-api/public-answers";
export async function demo(): Promise<[Customer, Conversation[], string]> {
  const gladly = createGladlyClient();
  const customer: Customer = await gladly.customers.getCustomer({ customerId: "c" });
  const conversations = await gladly.conversations.getConversations({ customerId: "c" });
  // @ts-expect-error customerID is not a parameter
  await gladly.customers.getCustomer({ customerID: "c" });
  const answers = createPublicAnswersClient({ organization: "acme", orgId: "o" });
  const hits = await answers.search({ q: "x" });
  const on = (event: WebhookEvent) => (event.type === "CONVERSATION/CLOSED" ? event.content.conversationId : "");
  void on;
  return [customer, conversations, hits[0]?.name ?? ""];
}
TS
for resolution in node16 bundler; do
  module=$([ "$resolution" = node16 ] && echo node16 || echo esnext)
  cat > "tsconfig.$resolution.json" <<JSON
{ "compilerOptions": { "strict": true, "noEmit": true, "module": "$module", "moduleResolution": "$resolution", "target": "es2022", "lib": ["es2023", "dom"], "types": [], "skipLibCheck": false }, "files": ["usage.ts"] }
JSON
  node "$root/node_modules/typescript/bin/tsc" -p "tsconfig.$resolution.json"
  echo "TypeScript moduleResolution $resolution: ok"
done

cat > browser.js <<'JS'
import { createPublicAnswersClient } from "gladly-api/public-answers";
window.answers = createPublicAnswersClient({ organization: "acme", orgId: "o" });
JS
"$root/node_modules/.bin/esbuild" browser.js --bundle --minify --platform=browser --format=esm --log-level=error --outfile=browser.bundle.js
echo "browser bundle of gladly-api/public-answers: ok ($(wc -c < browser.bundle.js) bytes)"
