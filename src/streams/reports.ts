import type { OperationArgs } from "../operations.ts";
import { type CallOptions, type OperationContext, openStream } from "../operations.ts";
import { typedBody } from "../body-errors.ts";
import { csvRows } from "./csv.ts";

/** A report as it arrives: its file name, the raw CSV bytes, and its rows parsed on demand. */
export interface ReportStream {
  /** From Content-Disposition, when Gladly names the file. */
  filename: string | undefined;
  /** The CSV as it streams in; read it or `rows()`, not both. Fails with the client's typed errors. */
  body: ReadableStream<Uint8Array>;
  /** One object per row, keyed by the header row; quoted fields and embedded newlines handled. */
  rows(): AsyncIterable<Record<string, string>>;
}

/** `attachment; filename="x.csv"` (or RFC 5987 `filename*=UTF-8''x.csv`) → `x.csv`. */
export function filenameFromDisposition(header: string | null): string | undefined {
  if (!header) return undefined;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (extended) {
    try {
      return decodeURIComponent(extended[1]!.trim());
    } catch {
      // fall back to the plain parameter
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/.exec(header);
  return plain ? (plain[1] ?? plain[2])!.replace(/\\(.)/g, "$1") : undefined;
}

function toReportStream(response: Response, signal: AbortSignal | undefined): ReportStream {
  return {
    filename: filenameFromDisposition(response.headers.get("content-disposition")),
    body: response.body
      ? typedBody(response.body, { method: "POST", url: response.url, signal })
      : new ReadableStream<Uint8Array>({ start: (controller) => controller.close() }),
    rows: () => csvRows(response, "POST", signal),
  };
}

export function createReportHelpers(ctx: OperationContext) {
  return {
    /** Generates a report (through the Reports limits) and streams its CSV. */
    async open(args: OperationArgs<"generateReport">, options: Pick<CallOptions, "signal" | "priority" | "timeout"> = {}): Promise<ReportStream> {
      return toReportStream(await openStream(ctx, "generateReport", args as Record<string, unknown>, options), options.signal);
    },
    /** The work-session events report, streamed the same way. */
    async openWorkSessionEvents(
      args: OperationArgs<"generateWorkSessionReport">,
      options: Pick<CallOptions, "signal" | "priority" | "timeout"> = {},
    ): Promise<ReportStream> {
      return toReportStream(await openStream(ctx, "generateWorkSessionReport", args as Record<string, unknown>, options), options.signal);
    },
  };
}
