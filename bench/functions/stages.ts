/**
 * Throughput and memory of the score and rejection stages on synthetic rollouts: groups of 16,
 * short `<think>` completions with `\boxed{}` numeric answers, 256 completion token ids each.
 * Both stages stream: rows are generated lazily and the outputs are counted, not kept.
 *
 *   npx tsx bench/functions/stages.ts --rows 1000000
 */
import { pathToFileURL } from "node:url";
import { rejectionFilter } from "../../functions/rejection/index.ts";
import { createScorer, type RolloutRow, scoreRolloutStream } from "../../functions/score/index.ts";
import { RejectionSettings, RewardWeights } from "../../schemas/index.ts";

const GROUP = 16;
const COMPLETION_TOKENS = 256;
const PROMPT_TOKENS = 64;
/** One Lambda: 10 GB of memory, 15 minutes. "With margin" = at most half of each. */
const LAMBDA_MB = 10_240;
const LAMBDA_S = 900;
const MARGIN = 0.5;

/** Rollout i of a synthetic run: about two thirds of the samples are right. */
export function syntheticRollout(i: number): RolloutRow {
  const g = Math.floor(i / GROUP);
  const s = i % GROUP;
  const a = (g % 97) + 2;
  const b = ((g * 7) % 89) + 3;
  const gold = a * b;
  const said = (i * 2654435761) % 3 === 0 ? gold + 1 : gold;
  const completion =
    `<think>We need ${a} times ${b} (attempt ${s}).\n${a} * ${b} = ${said}\n` +
    `So the product is ${said}.</think> The answer is \\boxed{${said}}.`;
  const ids = new Array<number>(COMPLETION_TOKENS);
  const logprobs = new Array<number>(COMPLETION_TOKENS);
  for (let t = 0; t < COMPLETION_TOKENS; t++) {
    ids[t] = (i + t) % 32_000;
    logprobs[t] = -0.01 * (t % 50);
  }
  return {
    id: `g${g}/${s}`,
    problem_id: `arithmetic/train/${g}`,
    group_id: `g${g}`,
    sample_index: s,
    policy_version: 1,
    level: (g % 5) + 1,
    answer: String(gold),
    answer_type: "numeric",
    choices: [],
    prompt: `What is ${a} * ${b}?`,
    completion,
    prompt_token_ids: Array.from({ length: PROMPT_TOKENS }, (_, t) => t),
    completion_token_ids: ids,
    logprobs,
    finish_reason: "stop",
    rm_score: null,
    rm_step_scores: null,
    step_token_ends: null,
  };
}

async function* syntheticRollouts(n: number, onRow: (i: number) => void): AsyncGenerator<RolloutRow> {
  for (let i = 0; i < n; i++) {
    onRow(i);
    yield syntheticRollout(i);
  }
}

export interface StageFigures {
  stage: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: number;
  /** Whether this many rows fit one Lambda with margin: at most half its 15 minutes and half its 10 GB. */
  fitsOneLambda: boolean;
  detail: Record<string, number>;
}

/** Runs `body` while sampling the resident set size every 10,000 rows. */
async function measure(
  stage: string,
  rows: number,
  body: (tick: (i: number) => void) => Promise<Record<string, number>>,
): Promise<StageFigures> {
  (globalThis as { gc?: () => void }).gc?.();
  let peak = process.memoryUsage.rss();
  const tick = (i: number) => {
    if (i % 10_000 === 0) peak = Math.max(peak, process.memoryUsage.rss());
  };
  const start = performance.now();
  const detail = await body(tick);
  const seconds = (performance.now() - start) / 1000;
  peak = Math.max(peak, process.memoryUsage.rss());
  const peakRssMb = peak / 2 ** 20;
  return {
    stage,
    rows,
    seconds,
    rowsPerSecond: rows / seconds,
    peakRssMb,
    fitsOneLambda: seconds <= LAMBDA_S * MARGIN && peakRssMb <= LAMBDA_MB * MARGIN,
    detail,
  };
}

/** Scores, then rejection-filters, `rows` synthetic rollouts; prints and returns the figures. */
export async function benchStages(rows = 1_000_000): Promise<StageFigures[]> {
  const weights = RewardWeights.parse({ repetition: 0.1 });
  const score = await measure("score", rows, async (tick) => {
    const scorer = createScorer({ weights, advantageNorm: "std", advantage: "outcome", groupSize: GROUP });
    let out = 0;
    for await (const group of scoreRolloutStream(syntheticRollouts(rows, tick), scorer)) out += group.length;
    const s = scorer.summary();
    return { scored: out, groups: s.groups, accuracy: s.accuracy };
  });
  const settings = RejectionSettings.parse({ keepPerPrompt: 4 });
  const rejection = await measure("rejection", rows, async (tick) => {
    const r = await rejectionFilter(syntheticRollouts(rows, tick), settings);
    return { kept: r.kept, prompts: r.prompts, ...r.dropped };
  });
  const figures = [score, rejection];
  for (const f of figures) {
    console.log(
      `${f.stage.padEnd(9)} ${f.rows.toLocaleString("en")} rows in ${f.seconds.toFixed(1)} s: ` +
        `${Math.round(f.rowsPerSecond).toLocaleString("en")} rows/s, peak RSS ${Math.round(f.peakRssMb)} MB; ` +
        `one Lambda (10 GB, 15 min, 50% margin): ${f.fitsOneLambda ? "fits" : "does NOT fit"}  ${JSON.stringify(f.detail)}`,
    );
  }
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf("--rows");
  const rows = at >= 0 ? Number(process.argv[at + 1]) : 1_000_000;
  if (!Number.isInteger(rows) || rows < 0)
    throw new Error(`--rows expects a non-negative integer, got ${process.argv[at + 1]}`);
  await benchStages(rows);
}
