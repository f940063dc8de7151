// The same checks in Node, Bun, Deno and workerd, against the packed tarball installed as a
// consumer installs it, calling the fake Gladly that scripts/test-runtimes.ts started on loopback.
// Plain JavaScript on purpose: every runtime loads it as it is (workerd after esbuild bundles it).
import { GladlyAbortError, GladlyMissingDependencyError, GladlyNotFoundError, createGladlyClient } from "gladly-api";
import { createPublicAnswersClient, GladlyAbortError as PublicAnswersAbortError } from "gladly-api/public-answers";
import { createWebhookHandler } from "gladly-api/webhooks";

function assert(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

/**
 * env: { runtime, url, agentEmail, apiToken, orgId, recordingItemId, saveTo (a file path, or
 * undefined where the runtime has no file system) }. Resolves to the names of the checks passed.
 */
export async function check(env) {
  const passed = [];
  const gladly = createGladlyClient({ baseUrl: env.url, agentEmail: env.agentEmail, apiToken: env.apiToken });

  const org = await gladly.organization.getOrganization();
  assert(org.id === env.orgId, `organization id ${org.id}`);
  passed.push("client call");

  const id = `runtime-${env.runtime}`;
  await gladly.customers.createCustomer({ body: { id, name: `Customer in ${env.runtime}` } });
  const customer = await gladly.customers.getCustomer({ customerId: id });
  assert(customer.name === `Customer in ${env.runtime}`, "created customer read back");
  passed.push("create and read");

  // openapi-fetch reads the body of a Response whose stream fails with typed errors.
  const { data: viaPath } = await gladly.GET("/organization");
  assert(viaPath?.id === env.orgId, `organization by path ${viaPath?.id}`);
  passed.push("openapi-fetch call");

  const missing = await gladly.customers.getCustomer({ customerId: "nobody" }).then(
    () => undefined,
    (error) => error,
  );
  assert(missing instanceof GladlyNotFoundError, `404 is a GladlyNotFoundError, got ${missing}`);
  passed.push("typed errors");

  const job = (await gladly.export.findJobs({ status: "COMPLETED" }))[0];
  let agents = 0;
  for await (const agent of gladly.export.readFile(job.id, "agents.jsonl")) if (agent.emailAddress) agents++;
  assert(agents > 0, "export file records");
  passed.push("NDJSON stream");

  const report = await gladly.reports.openWorkSessionEvents({ body: { startAtTime: "2026-11-01T00:00:00Z", endAtTime: "2026-11-02T00:00:00Z" } });
  const rows = [];
  for await (const row of report.rows()) rows.push(row);
  assert(rows.length > 0 && typeof rows[0].Event === "string", "report CSV rows");
  passed.push("CSV report rows");

  if (env.saveTo) {
    await gladly.conversations.saveRecording({ itemId: env.recordingItemId }, env.saveTo);
    passed.push("recording saved to a file");
  } else {
    const error = await gladly.conversations.saveRecording({ itemId: env.recordingItemId }, "call.mp3").then(
      () => undefined,
      (e) => e,
    );
    assert(error instanceof GladlyMissingDependencyError && error.dependency === "node:fs/promises", `saving a file without a file system: ${error}`);
    const stream = await gladly.conversations.openRecording({ itemId: env.recordingItemId });
    const first = (await stream.getReader().read()).value;
    assert(first && first[0] === 0x49 && first[1] === 0x44 && first[2] === 0x33, "recording streamed (ID3)");
    passed.push("no file system: typed error, recording streamed instead");
  }

  const answers = createPublicAnswersClient({ baseUrl: env.url, orgId: env.orgId });
  const hits = await answers.search({ q: "password" });
  assert(hits.length > 0, "public answers search");
  passed.push("public answers");

  const aborted = AbortSignal.abort(new Error("superseded"));
  const [clientAbort, publicAbort] = await Promise.all(
    [gladly.organization.getOrganization(undefined, { signal: aborted }), answers.search({ q: "password" }, { signal: aborted })].map((call) =>
      call.then(
        () => undefined,
        (e) => e,
      ),
    ),
  );
  assert(clientAbort instanceof GladlyAbortError && clientAbort.cause === aborted.reason, `an aborted call is a GladlyAbortError, got ${clientAbort}`);
  assert(publicAbort instanceof PublicAnswersAbortError && publicAbort.cause === aborted.reason, `an aborted search is a GladlyAbortError, got ${publicAbort}`);
  passed.push("aborts typed");

  const seen = [];
  const handler = createWebhookHandler({
    verify: { credentials: { username: "hook", password: "secret" } },
    on: { "CUSTOMER_PROFILE/CREATED": (event) => void seen.push(event.content.customerId) },
  });
  const delivery = (authorization) =>
    new Request("http://127.0.0.1/webhook", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: authorization },
      body: JSON.stringify({
        id: "e1",
        type: "CUSTOMER_PROFILE/CREATED",
        timestamp: new Date().toISOString(),
        initiator: { id: "a", type: "API" },
        content: { customerId: id },
      }),
    });
  assert((await handler(delivery(`Basic ${btoa("hook:wrong")}`))).status === 401, "webhook with wrong credentials refused");
  assert((await handler(delivery(`Basic ${btoa("hook:secret")}`))).status === 200 && seen[0] === id, "webhook delivered to its handler");
  passed.push("webhook handler");
  return passed;
}
