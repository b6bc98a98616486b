/**
 * The ingest sources by name, and `ingestFile`: stream one file of a source into validated
 * `problems` rows, reporting each bad row with its file and line (or throwing, in strict mode).
 */
import type { DatasetSource } from "../../schemas/common.ts";
import { problems } from "../../schemas/tables/problems.ts";
import { parseGenericJsonl } from "./generic-jsonl.ts";
import { parseGsm8k } from "./gsm8k.ts";
import { type Line, readLines, splitFromPath } from "./lines.ts";
import { parseLogiqaBlock, parseLogiqaJson } from "./logiqa.ts";
import { parseMath } from "./math.ts";
import { parseProofwriter } from "./proofwriter.ts";
import { type BadRow, emptyReport, IngestError, type IngestReport, MAX_BAD_ROWS } from "./report.ts";
import type { ProblemRow, RowContext } from "./row.ts";

type RecordParser = (value: unknown, at: RowContext) => ProblemRow;
type BlockParser = (lines: readonly string[], at: RowContext) => ProblemRow;

export interface IngestSource {
  doc: string;
  /** Parses one JSONL record; absent for sources not read from JSONL. */
  jsonl?: RecordParser;
  /** Parses one blank-line-separated text block (`.txt` files); LogiQA only. */
  block?: BlockParser;
}

export const INGEST_SOURCES = {
  gsm8k: { doc: "GSM8K JSONL {question, answer}", jsonl: parseGsm8k },
  math: {
    doc: "MATH / MATH-500 JSONL {problem, solution, answer, subject, level, unique_id}",
    jsonl: parseMath,
  },
  logiqa: {
    doc: "LogiQA v1: raw 8-line blocks (.txt) or parsed JSONL {id, context, query, options, answer}",
    jsonl: parseLogiqaJson,
    block: parseLogiqaBlock,
  },
  proofwriter: {
    doc: "ProofWriter (Logic-LM) JSONL {id, context, question, options, answer}",
    jsonl: parseProofwriter,
  },
  jsonl: { doc: "generic JSONL, see docs/datasets.md", jsonl: parseGenericJsonl },
  arrow: {
    doc: "an Arrow file already in the problems columns: read through the Arrow reader (functions/io)",
  },
  arithmetic: { doc: "generated, not read: generateArithmetic({ count, seed })" },
} as const satisfies Record<DatasetSource, IngestSource>;

export interface IngestOptions {
  /** Overrides the split read from the file name. */
  split?: string;
  /** Throw at the first bad row instead of skipping it. */
  strict?: boolean;
  /** Stop after this many rows. */
  limit?: number;
}

export type IngestRun = AsyncIterable<ProblemRow> & { readonly report: IngestReport };

/** One unit of a file to parse: the line it starts on and a parse that may throw. */
interface Unit {
  line: number;
  parse: (at: RowContext) => ProblemRow;
}

async function* jsonlUnits(path: string, parse: RecordParser): AsyncGenerator<Unit> {
  for await (const { line, text } of readLines(path)) {
    if (text.trim() === "") continue;
    yield {
      line,
      parse: (at) => {
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (e) {
          throw new Error(`not JSON (${(e as Error).message})`);
        }
        return parse(value, at);
      },
    };
  }
}

/** Runs of non-blank lines: one per item (LogiQA separates items by a blank line). */
async function* blockUnits(path: string, parse: BlockParser): AsyncGenerator<Unit> {
  let block: Line[] = [];
  const unit = (lines: Line[]): Unit => ({
    line: lines[0]!.line,
    parse: (at) =>
      parse(
        lines.map((l) => l.text),
        at,
      ),
  });
  for await (const l of readLines(path)) {
    if (l.text.trim() !== "") block.push(l);
    else if (block.length > 0) {
      yield unit(block);
      block = [];
    }
  }
  if (block.length > 0) yield unit(block);
}

function unitsOf(source: DatasetSource, path: string): AsyncGenerator<Unit> {
  const spec: IngestSource = INGEST_SOURCES[source];
  if (spec.block && /\.txt$/i.test(path)) return blockUnits(path, spec.block);
  if (spec.jsonl) return jsonlUnits(path, spec.jsonl);
  throw new Error(`ingest source "${source}" reads no files: ${spec.doc}`);
}

/** The zod issues of a row as one line: `level: Too big: expected number to be <=5`. */
function issues(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  return error.issues.map((i) => `${i.path.map(String).join(".") || "row"}: ${i.message}`).join("; ");
}

/**
 * The rows of one file of `source`, streamed; `report` fills in as they are read.
 * The n of an id (`<source>/<split>/<n>`) is the 0-based index of the line (or block) among the
 * non-blank ones, counted whether or not earlier ones were bad, so ids do not move when a row is fixed.
 */
export function ingestFile(source: DatasetSource, path: string, opts: IngestOptions = {}): IngestRun {
  const split = opts.split ?? splitFromPath(path);
  const report = emptyReport(path, source, split);
  const units = unitsOf(source, path);
  async function* rows(): AsyncGenerator<ProblemRow> {
    let index = 0;
    for await (const unit of units) {
      if (opts.limit !== undefined && report.rows >= opts.limit) break;
      const at = { split, index: index++ };
      let bad: BadRow | null = null;
      try {
        const checked = problems.row.safeParse(unit.parse(at));
        if (checked.success) {
          report.rows++;
          report.levels[checked.data.level] = (report.levels[checked.data.level] ?? 0) + 1;
          yield checked.data;
          continue;
        }
        bad = { file: path, line: unit.line, reason: `invalid row: ${issues(checked.error)}` };
      } catch (e) {
        bad = { file: path, line: unit.line, reason: (e as Error).message };
      }
      if (opts.strict) throw new IngestError(bad);
      report.skipped++;
      if (report.badRows.length < MAX_BAD_ROWS) report.badRows.push(bad);
    }
  }
  return Object.assign(rows(), { report });
}
