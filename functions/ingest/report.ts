/** What one ingest run read: rows kept, rows skipped and why (with file and line), levels seen. */

export interface BadRow {
  file: string;
  /** 1-based line number (for a LogiQA block, the line of its answer letter). */
  line: number;
  reason: string;
}

export interface IngestReport {
  file: string;
  source: string;
  split: string;
  rows: number;
  skipped: number;
  /** The first {@link MAX_BAD_ROWS} bad rows; `skipped` counts them all. */
  badRows: BadRow[];
  /** Rows kept per level 1–5. */
  levels: Record<number, number>;
}

export const MAX_BAD_ROWS = 100;

export function emptyReport(file: string, source: string, split: string): IngestReport {
  return { file, source, split, rows: 0, skipped: 0, badRows: [], levels: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 } };
}

/** Thrown in strict mode at the first bad row: the message reads `file:line: reason`. */
export class IngestError extends Error {
  override readonly name = "IngestError";
  constructor(readonly bad: BadRow) {
    super(`${bad.file}:${bad.line}: ${bad.reason}`);
  }
}
