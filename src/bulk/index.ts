/**
 * `gladly-api/bulk`: spreadsheet-sized jobs (create customers from a CSV, close conversations,
 * import answers) run at the organization's pace, resumable from a journal, never creating twice.
 *
 * @module gladly-api/bulk
 */
export { runBulk, errorInfo, type BulkOptions, type BulkRun, type BulkSummary, type RowContext, type RowResult } from "./runner.ts";
export { memoryJournal, type BulkErrorInfo, type BulkJournal, type JobMeta, type JournalEntry, type OpenJournal } from "./journal.ts";
export { fileJournal } from "./journal-file.ts";
export { deriveId } from "./ids.ts";
export {
  readRows,
  formatOfPath,
  MalformedRow,
  type BulkRecord,
  type ReadPosition,
  type ReadRowsOptions,
  type RowFormat,
  type RowSource,
  type RowStream,
} from "./input.ts";
export { compileMapping, type MappedRow, type RowMapping } from "./mapping.ts";
