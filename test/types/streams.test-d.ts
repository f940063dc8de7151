/** The stream helpers' types, and the README's stream examples, compiled. */
import { describe, expectTypeOf, it } from "vitest";
import type { Agent, EventOf, GladlyClient, ReportStream } from "../../src/index.ts";

declare const gladly: GladlyClient;
declare const signal: AbortSignal;

describe("stream helpers", () => {
  it("type events by entity, records by file, rows as strings", async () => {
    for await (const event of gladly.events.iterate({ entities: ["TASK"], startAt: new Date() })) {
      expectTypeOf(event).toEqualTypeOf<EventOf<"TASK">>();
      if (event.type === "TASK/CREATED") expectTypeOf(event.content.taskId).toEqualTypeOf<string>();
    }
    for await (const agent of gladly.export.readFile("job", "agents.jsonl")) expectTypeOf(agent).toEqualTypeOf<Agent>();
    for await (const customer of gladly.export.readFile("job", "customers.jsonl")) expectTypeOf(customer.emailAddresses).toEqualTypeOf<string[] | undefined>();
    const report = await gladly.reports.open({ body: { metricSet: "AgentSummary", startAt: "2026-11-01", endAt: "2026-11-02" } });
    expectTypeOf(report).toEqualTypeOf<ReportStream>();
    for await (const row of report.rows()) expectTypeOf(row).toEqualTypeOf<Record<string, string>>();
    const tail = gladly.events.tail({ entities: ["CONVERSATION"], signal });
    expectTypeOf(tail.cursor).toEqualTypeOf<string>();
    // @ts-expect-error not an entity
    void gladly.events.iterate({ entities: ["TICKET"], startAt: new Date() });
    await gladly.export.waitForJob("job", { signal });
    await gladly.export.downloadJob("job", "out/", { onProgress: ({ file, bytes }) => void [file, bytes] });
    for await (const job of gladly.export.jobsBetween({ startAt: "2026-10-01" })) expectTypeOf(job.id).toEqualTypeOf<string>();
    await gladly.conversations.saveRecording({ itemId: "i" }, "call.mp3");
    expectTypeOf(gladly.conversations.attachmentLocation({ itemId: "i", attachmentId: "a" })).resolves.toEqualTypeOf<string>();
    const raw = await gladly.conversations.getConversations({ customerId: "c" }, { raw: true });
    expectTypeOf(raw.truncated).toEqualTypeOf<boolean | undefined>();
  });
});
