/** The report CSV reader: RFC 4180 as csv-parse reads it, in pieces split anywhere, on Web streams only. */
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { CsvParser, CsvSyntaxError, csvRows } from "../src/streams/csv.ts";
import { GladlyStreamError } from "../src/streams/lines.ts";

const samples = [
  'Agent,Note\r\n"Amy","line one\nline two"\r\nBen,"say ""hi"""\r\n',
  "\ufeffa,b,c\n1,2,3\n\n4,,6\n",
  "a,b\r1,2\r3,4",
  'a,b\n"x, y",""\n,\n"",z\n',
  "a,b,c\n1\n1,2,3,4\n",
  'h\n"\r\n"\n"a""b"\n',
];

function records(text: string, split: number[]): string[][] {
  const parser = new CsvParser();
  const out: string[][] = [];
  let from = 0;
  for (const at of [...split, text.length]) {
    out.push(...parser.push(text.slice(from, at)));
    from = at;
  }
  return [...out, ...parser.end()];
}

function response(chunks: string[], url = "http://127.0.0.1/reports/generate"): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
  const result = new Response(body, { status: 200 });
  Object.defineProperty(result, "url", { value: url });
  return result;
}

async function rows(chunks: string[]): Promise<Record<string, string>[]> {
  const out: Record<string, string>[] = [];
  for await (const row of csvRows(response(chunks), "POST")) out.push(row);
  return out;
}

describe("CsvParser", () => {
  it("reads every sample as csv-parse does, whole and split at every position", () => {
    for (const text of samples) {
      const expected = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
      expect(records(text, [])).toEqual(expected);
      for (let at = 0; at <= text.length; at++) expect(records(text, [at]), `${JSON.stringify(text)} split at ${at}`).toEqual(expected);
      expect(
        records(
          text,
          Array.from({ length: text.length }, (_, i) => i),
        ),
      ).toEqual(expected);
    }
  });

  it("refuses a stray quote, text after a closing quote and an unclosed quote, naming the line", () => {
    expect(() => records('a,b\n1,x"y\n', [])).toThrow(new CsvSyntaxError("a quote inside a field that does not start with one", 2));
    expect(() => records('a\n"x"y\n', [])).toThrow(/after the closing quote/);
    const unclosed = (() => {
      try {
        records('a\nb\n"never\nclosed', []);
      } catch (error) {
        return error as CsvSyntaxError;
      }
    })();
    expect(unclosed).toBeInstanceOf(CsvSyntaxError);
    expect(unclosed!.line).toBe(3);
  });
});

describe("csvRows", () => {
  it("keys rows by the header, across chunks split inside a character; short rows keep only their keys", async () => {
    const text = 'Agent,Note,Team\nZoë,"a,b",T1\nSam\n';
    const bytes = new TextEncoder().encode(text);
    const cut = bytes.indexOf(0xc3) + 1; // between the two bytes of "ë"
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, cut));
        controller.enqueue(bytes.slice(cut));
        controller.close();
      },
    });
    const result = new Response(body);
    const out: Record<string, string>[] = [];
    for await (const row of csvRows(result, "POST")) out.push(row);
    expect(out).toEqual([{ Agent: "Zoë", Note: "a,b", Team: "T1" }, { Agent: "Sam" }]);
  });

  it("a malformed body is a GladlyStreamError with the line", async () => {
    const error = await rows(["a,b\n1,2\n", '3,x"\n']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GladlyStreamError);
    expect((error as GladlyStreamError).line).toBe(3);
    expect((error as GladlyStreamError).message).toBe(
      "POST /reports/generate: the CSV is malformed on line 3: a quote inside a field that does not start with one",
    );
  });

  it("breaking out of the loop cancels the body", async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode("a\n1\n2\n"));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const row of csvRows(new Response(body), "POST")) {
      expect(row).toEqual({ a: "1" });
      break;
    }
    expect(cancelled).toBe(true);
  });
});
