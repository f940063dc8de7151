// csv-rows.ts: a CSV file's rows, read as a stream (npm install csv-parse)
import { createReadStream } from "node:fs";
import { pipeline } from "node:stream";
import { parse } from "csv-parse";

/** Each line after the header, as an object keyed by the header's column names. */
export function csvRows(file: string): AsyncIterable<Record<string, string>> {
  // pipeline, not pipe: a file that cannot be read ends the rows with its error instead of never ending them.
  return pipeline(createReadStream(file), parse({ columns: true, skip_empty_lines: true, trim: true }), () => {});
}
