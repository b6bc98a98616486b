/**
 * One data set → a sharded `problems` table: the step the CLI (`r1flow ingest`), the local runner and
 * the ingest Lambda share. Files are streamed row by row; nothing is committed when a strict run fails.
 */
import type { DatasetSource } from "../../schemas/common.ts";
import { problems } from "../../schemas/tables/problems.ts";
import { readRows } from "../io/arrow-read.ts";
import { ShardedWriter, type ShardInfo } from "../io/arrow-write.ts";
import { commitStage, SUCCESS, stageHash } from "../io/commit.ts";
import { list, remove } from "../io/objects.ts";
import { generateArithmetic } from "./arithmetic.ts";
import { splitFromPath } from "./lines.ts";
import { ingestFile } from "./registry.ts";
import { emptyReport, type IngestReport } from "./report.ts";
import type { ProblemRow } from "./row.ts";

export interface IngestRequest {
  source: DatasetSource;
  /** File to read (path, file:// or s3://); not used by `arithmetic`. */
  input?: string;
  /** Prefix the `part-NNNNN.arrow` shards are written under. */
  out: string;
  split?: string;
  strict?: boolean;
  limit?: number;
  /** Rows to generate (`arithmetic`). */
  count?: number;
  seed?: number;
  /** Rows per shard (default 50,000). */
  shardRows?: number;
  /** Keep only these levels; the others are read and not written. */
  levels?: readonly number[];
}

export interface IngestResult {
  report: IngestReport;
  shards: ShardInfo[];
}

function rowsOf(req: IngestRequest): AsyncIterable<ProblemRow> & { report: IngestReport } {
  if (req.source === "arithmetic") {
    if (!req.count) throw new Error("ingest arithmetic: --count <n> is required");
    const report = emptyReport("(generated)", "arithmetic", req.split ?? "train");
    const generated = generateArithmetic({ count: req.count, seed: req.seed ?? 0, split: report.split });
    return Object.assign(counted(generated, report), { report });
  }
  if (!req.input) throw new Error(`ingest ${req.source}: an input file is required`);
  if (req.source === "arrow") {
    const report = emptyReport(req.input, "arrow", req.split ?? splitFromPath(req.input));
    return Object.assign(counted(readRows(req.input, problems), report, req.limit), { report });
  }
  return ingestFile(req.source, req.input, { split: req.split, strict: req.strict, limit: req.limit });
}

async function* counted(
  rows: Iterable<ProblemRow> | AsyncIterable<ProblemRow>,
  report: IngestReport,
  limit?: number,
): AsyncGenerator<ProblemRow> {
  for await (const row of rows) {
    if (limit !== undefined && report.rows >= limit) return;
    report.rows++;
    report.levels[row.level] = (report.levels[row.level] ?? 0) + 1;
    yield row;
  }
}

/**
 * Streams one data set into `problems` shards under `req.out`, then writes `_SUCCESS` last.
 * `_SUCCESS` goes first when a run starts, so a failed run never looks complete; a failed run also
 * removes the shards it wrote, and shards left by an earlier, larger run are removed on success.
 */
export async function ingestToTable(
  req: IngestRequest,
  onProgress?: (rows: number) => void,
): Promise<IngestResult> {
  const rows = rowsOf(req);
  await remove(`${req.out.replace(/\/+$/, "")}/${SUCCESS}`);
  const writer = new ShardedWriter(req.out, problems, { maxRows: req.shardRows ?? 50_000 });
  let shards: ShardInfo[];
  let written = 0;
  try {
    for await (const row of rows) {
      if (req.levels && !req.levels.includes(row.level)) continue;
      written++;
      await writer.write(row);
      if (onProgress && rows.report.rows % 1000 === 0) onProgress(rows.report.rows);
    }
    shards = await writer.close();
  } catch (error) {
    await writer.abort();
    for (const shard of await writer.close()) await remove(shard.uri);
    throw error;
  }
  const current = new Set(shards.map((s) => s.uri));
  for (const uri of await list(req.out)) {
    if (/\/part-\d{5}\.arrow$/.test(uri) && !current.has(uri)) await remove(uri);
  }
  const { out: _out, ...identity } = req;
  await commitStage(req.out, {
    stage: "ingest",
    hash: stageHash([identity, written]),
    files: shards.map((s) => s.uri),
  });
  return { report: req.levels ? { ...rows.report, rows: written } : rows.report, shards };
}
