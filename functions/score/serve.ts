/**
 * The scoring child's request handler, apart from its I/O: a request line in, a response out. It
 * scores with `createScorer` and the options `scoreShard` uses (the arithmetic step checker of
 * ingest), so the worker's loop and the score Lambda give the same rows.
 */
import { formatIssues } from "../../schemas/errors.ts";
import { rollouts } from "../../schemas/tables/rollouts.ts";
import { checkArithmeticStep } from "../ingest/arithmetic-expr.ts";
import {
  type ScoreColumns,
  ScoreRequest,
  type ScoreRequestT,
  type ScoreResponse,
  type ScoreSettingsT,
  scoreColumns,
} from "./protocol.ts";
import { createScorer, type Scorer } from "./score.ts";
import type { RolloutRow, ScoreOptions } from "./score-row.ts";

/** At most this many problems are listed in one error response (a bad batch can have thousands). */
const MAX_PROBLEMS = 20;

/** The scorer options for the manifest's settings: the score stage (`scoreShard`) uses this too. */
export function scoreOptions(settings: ScoreSettingsT, source?: string): ScoreOptions {
  return {
    weights: settings.rewards,
    advantageNorm: settings.grpo.advantageNorm,
    advantage: settings.grpo.advantage,
    checkStep: checkArithmeticStep,
    groupSize: settings.grpo.groupSize,
    source,
  };
}

interface OpenBatch {
  scorer: Scorer;
  /** The settings of the batch's first chunk, as JSON: every later chunk must carry the same. */
  settings: string;
  ids: Set<string>;
}

export interface ScoreServer {
  /** Answers one request line. Never throws: a bad request or row is an error response. */
  handle(line: string): ScoreResponse;
  /** Ids of batches still waiting for their last chunk. */
  openBatches(): string[];
}

class RequestError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
  }
}

function capped(problems: string[]): string[] {
  if (problems.length <= MAX_PROBLEMS) return problems;
  return [...problems.slice(0, MAX_PROBLEMS), `… and ${problems.length - MAX_PROBLEMS} more`];
}

function idOf(value: unknown): string | null {
  if (value === null || typeof value !== "object") return null;
  const id = (value as { id?: unknown }).id;
  return typeof id === "string" ? id : null;
}

/** Each row checked against the `rollouts` table; problems name the row's index and id. */
function parseRows(raw: readonly unknown[], ids: Set<string>): RolloutRow[] {
  const problems: string[] = [];
  const rows: RolloutRow[] = [];
  raw.forEach((input, i) => {
    const id = idOf(input);
    const where = id === null ? `rows[${i}]` : `rows[${i}] (id ${JSON.stringify(id)})`;
    const parsed = rollouts.row.safeParse(input);
    if (!parsed.success) {
      for (const p of formatIssues(parsed.error, input))
        problems.push(`${where}: ${p.replace(/^\(root\): /, "")}`);
      return;
    }
    if (ids.has(parsed.data.id)) problems.push(`${where}: rollout id sent twice in this batch`);
    ids.add(parsed.data.id);
    rows.push(parsed.data);
  });
  if (problems.length > 0) {
    throw new RequestError(`${problems.length} problem${problems.length > 1 ? "s" : ""} in rows`, problems);
  }
  return rows;
}

export function createScoreServer(): ScoreServer {
  const open = new Map<string, OpenBatch>();

  const batchFor = (req: ScoreRequestT): OpenBatch => {
    const settings = JSON.stringify(req.settings);
    const batch = open.get(req.id);
    if (batch && batch.settings !== settings) {
      throw new RequestError(
        `chunk settings differ from the batch's first chunk (${batch.settings}); a batch is scored with one set`,
      );
    }
    if (batch) return batch;
    const fresh = {
      scorer: createScorer(scoreOptions(req.settings, req.source ?? req.id)),
      settings,
      ids: new Set<string>(),
    };
    open.set(req.id, fresh);
    return fresh;
  };

  const score = (req: ScoreRequestT): ScoreResponse => {
    const batch = batchFor(req);
    const rows = parseRows(req.rows, batch.ids);
    const out: ScoreColumns[] = [];
    for (const row of rows) for (const scored of batch.scorer.push(row)) out.push(scoreColumns(scored));
    if (req.more) return { id: req.id, ok: true, rows: out, summary: null };
    for (const scored of batch.scorer.finish()) out.push(scoreColumns(scored));
    open.delete(req.id);
    return { id: req.id, ok: true, rows: out, summary: batch.scorer.summary() };
  };

  return {
    handle(line) {
      let input: unknown;
      try {
        input = JSON.parse(line);
      } catch (err) {
        return { id: null, ok: false, error: `request is not JSON: ${(err as Error).message}`, problems: [] };
      }
      const id = idOf(input);
      const parsed = ScoreRequest.safeParse(input);
      if (!parsed.success) {
        const problems = capped(formatIssues(parsed.error, input));
        return { id, ok: false, error: `request ${JSON.stringify(id)} is not a score request`, problems };
      }
      try {
        return score(parsed.data);
      } catch (err) {
        // The batch cannot be scored right any more: drop it, so the id can be sent afresh.
        open.delete(parsed.data.id);
        const problems = err instanceof RequestError ? capped(err.problems) : [];
        return { id, ok: false, error: `batch ${JSON.stringify(id)}: ${(err as Error).message}`, problems };
      }
    },
    openBatches: () => [...open.keys()],
  };
}
