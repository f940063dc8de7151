import { FakeHttpError, invalid, notFound } from "../http-error.ts";
import { entityOf, type FakeState } from "../state.ts";
import { type Handlers, type Reply, json, noContent } from "./types.ts";

const DAY_MS = 86_400_000;
const EXPORT_WINDOW_MS = 14 * DAY_MS;

function parseTime(value: unknown, attr: string): number {
  const ms = Date.parse(String(value));
  if (Number.isNaN(ms)) throw invalid(attr, `${attr} must be an ISO 8601 time`);
  return ms;
}

const ndjson = (rows: unknown[], contentType: string): Reply => ({ status: 200, text: rows.map((r) => `${JSON.stringify(r)}\n`).join(""), contentType });

function exportFile(state: FakeState, filename: string): unknown[] | undefined {
  switch (filename) {
    case "agents.jsonl":
      return [...state.agents.values()];
    case "topics.jsonl":
      return [...state.topics.values()];
    case "conversation_items.jsonl":
      return [...state.items.values()];
    case "customers.jsonl":
      return [...state.customers.values()].map((c) => ({
        id: c.id,
        name: c.name,
        address: c.address,
        emailAddresses: (c.emails ?? []).map((e) => e.original),
        phoneNumbers: (c.phones ?? []).map((p) => p.original),
        ...(c.externalCustomerId && { externalCustomerId: c.externalCustomerId }),
      }));
    default:
      return undefined;
  }
}

const csvCell = (value: unknown) => {
  const text = String(value ?? "");
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};
const csv = (rows: unknown[][]) => `${rows.map((r) => r.map(csvCell).join(",")).join("\n")}\n`;

export const dataHandlers: Handlers = {
  getEvents({ state, query, op }) {
    const now = state.clock.now();
    const startAt = parseTime(query.startAt, "startAt");
    const endAt = query.endAt === undefined ? now : parseTime(query.endAt, "endAt");
    if (startAt < now - DAY_MS) throw invalid("startAt", "startAt must be within the last 24 hours");
    if (endAt < startAt) throw invalid("endAt", "endAt must not be before startAt");
    const entities = new Set(query.entities as string[]);
    const visibleUntil = Math.min(endAt, now - state.eventLagMs);
    const events = state.events.filter((e) => {
      const at = Date.parse(e.timestamp);
      return entities.has(entityOf(e.type)) && at >= startAt && at <= visibleUntil;
    });
    return ndjson(events, op.responseContentType!);
  },

  findSchedules: ({ state }) => json([...state.exportSchedules.values()]),

  findJobs({ state, query }) {
    const now = state.clock.now();
    const startAt = query.startAt === undefined ? now - EXPORT_WINDOW_MS : parseTime(query.startAt, "startAt");
    const endAt = query.endAt === undefined ? now : parseTime(query.endAt, "endAt");
    if (endAt - startAt > EXPORT_WINDOW_MS) throw invalid("endAt", "the window between startAt and endAt cannot exceed 14 days");
    const jobs = [...state.exportJobs.values()].filter((j) => {
      const at = Date.parse(j.updatedAt ?? "");
      return (query.status === undefined || j.status === query.status) && at >= startAt && at <= endAt;
    });
    return json(jobs);
  },

  getJob({ state, params }) {
    const job = state.exportJobs.get(params.jobId!);
    if (!job) throw notFound("job", params.jobId!, "jobId");
    return json(job);
  },

  deleteJob({ state, params }) {
    if (!state.exportJobs.delete(params.jobId!)) throw notFound("job", params.jobId!, "jobId");
    return noContent();
  },

  getFile({ state, params, op, headers }): Reply {
    const job = state.exportJobs.get(params.jobId!);
    if (!job) throw notFound("job", params.jobId!, "jobId");
    const rows = job.files?.includes(params.filename!) ? exportFile(state, params.filename!) : undefined;
    if (!rows) throw notFound("file", params.filename!, "filename");
    const whole = ndjson(rows, op.responseContentType!);
    // Files are served like a file host would: byte ranges, so an interrupted download can resume.
    const range = /^bytes=(\d+)-$/.exec(String(headers.range ?? ""));
    const bytes = Buffer.from(whole.text!);
    if (!range) return { ...whole, headers: { "Accept-Ranges": "bytes" } };
    const from = Number(range[1]);
    if (from >= bytes.length) return { status: 416, headers: { "Content-Range": `bytes */${bytes.length}` } };
    return {
      status: 206,
      bytes: bytes.subarray(from),
      contentType: op.responseContentType!,
      headers: { "Content-Range": `bytes ${from}-${bytes.length - 1}/${bytes.length}`, "Accept-Ranges": "bytes" },
    };
  },

  generateReport({ state, body }) {
    const rows: unknown[][] = [["Agent", "Email", "Conversations Handled", "Average Handle Time"]];
    for (const agent of state.agents.values())
      rows.push([agent.name, agent.emailAddress, Math.floor(state.random() * 40), `${Math.floor(state.random() * 600)}s`]);
    const filename = `${body.metricSet}.csv`;
    return { status: 200, text: csv(rows), contentType: "text/csv", headers: { "Content-Disposition": `attachment; filename="${filename}"` } };
  },

  generateWorkSessionReport({ state, body }) {
    if (Date.parse(body.endAtTime) < Date.parse(body.startAtTime))
      throw new FakeHttpError(400, [{ attr: "endAtTime", code: "invalid", detail: "endAtTime must be after startAtTime" }]);
    const rows: unknown[][] = [["Agent", "Event", "Timestamp", "Note"]];
    for (const agent of state.agents.values()) rows.push([agent.name, "LOGGED_IN", body.startAtTime, 'start of shift, "early"']);
    return { status: 200, text: csv(rows), contentType: "text/csv", headers: { "Content-Disposition": 'attachment; filename="work-session-events.csv"' } };
  },
};
