/** Shared helpers for the ingest tests: where shared/data lives, and collecting a run. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type IngestOptions,
  type IngestReport,
  ingestFile,
  type ProblemRow,
} from "../../functions/ingest/index.ts";
import type { DatasetSource } from "../../schemas/common.ts";

export const DATA = path.resolve(fileURLToPath(new URL("../..", import.meta.url)), "../shared/data");

/** Every row of one file and the final report. */
export async function ingestAll(
  source: DatasetSource,
  file: string,
  opts: IngestOptions = {},
): Promise<{ rows: ProblemRow[]; report: IngestReport }> {
  const run = ingestFile(source, path.isAbsolute(file) ? file : path.join(DATA, file), opts);
  const rows: ProblemRow[] = [];
  for await (const row of run) rows.push(row);
  return { rows, report: run.report };
}

/** Count of each value of `key` over `rows`. */
export function countBy<T>(rows: readonly T[], key: (r: T) => string | number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[key(r)] = (out[key(r)] ?? 0) + 1;
  return out;
}

/** A temp file with `content`, named `name` (the split is read from the name). */
export function tempFile(name: string, content: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "r1flow-ingest-")), name);
  writeFileSync(file, content);
  return file;
}
