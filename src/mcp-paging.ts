/**
 * Cuts long answers for an agent's context on record boundaries (a list's elements, a CSV's rows,
 * a JSON Lines file's lines), never inside one: each page is whole records, at least one however
 * long, and says where the next page starts.
 */

export interface Page<T> {
  records: T[];
  offset: number;
  total: number;
  /** Where the rest starts; undefined when the page reaches the end. */
  nextOffset: number | undefined;
}

/** As many records from `offset` as fit in `max` characters (by `size`), at least one. */
export function pageOf<T>(all: readonly T[], offset: number, max: number, size: (record: T) => number): Page<T> {
  const records: T[] = [];
  let used = 0;
  for (let i = offset; i < all.length; i++) {
    const length = size(all[i]!);
    if (records.length > 0 && used + length > max) break;
    records.push(all[i]!);
    used += length;
  }
  const end = offset + records.length;
  return { records, offset, total: all.length, nextOffset: end < all.length ? end : undefined };
}

/** What an agent reads under a cut answer: which records it saw and how to get the rest. */
export function pageNote(page: Page<unknown>, unit: string, operationId: string): string {
  if (page.records.length === 0 && page.total > 0) return `[offset ${page.offset} is past the end: there are ${page.total} ${unit}]`;
  if (page.nextOffset === undefined && page.offset === 0) return "";
  const shown = page.records.length ? `${unit} ${page.offset + 1}–${page.offset + page.records.length} of ${page.total}` : `no ${unit}`;
  return page.nextOffset === undefined
    ? `[${shown}; that is the end]`
    : `[${shown}; for the rest, call ${operationId} again with the same arguments and offset: ${page.nextOffset}]`;
}
