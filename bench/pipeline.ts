/**
 * `npm run bench:pipeline [-- --loop stages|block] [--manifest URI] [--iterations N]`: wall time
 * per GRPO iteration split into rollout, score, update and overhead (process start, imports, model
 * and engine loads, I/O, orchestration), for the per-iteration stages (before) and the resident
 * block (after), each a run of the demo manifest (default) on its own data and seed into a fresh
 * temp store. Stages after GRPO (rejection, SFT round 2, eval) and the reward model are turned off:
 * they do not touch the loop. Dynamic sampling is off in both loops, so each iteration samples one
 * batch and the loops compare like for like. How each figure is taken: bench/iteration-split.ts.
 * Target: overhead under 10 % of an iteration. Also prints the share of the run outside every stage
 * visit.
 */
import { mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { readJson } from "../functions/io/objects.ts";
import { runLocal } from "../pipeline/runner.ts";
import { joinUri } from "../recipe/uri.ts";
import {
  blockSplit,
  type IterationSeconds,
  type IterationSplit,
  stagesSplit,
  type Visit,
} from "./iteration-split.ts";
import { DEMO_MANIFEST, flag, formatTable, type Loop, loopsOf, manifestVariant, stagesOff } from "./runs.ts";

const argv = process.argv.slice(2);
const loops = loopsOf(flag(argv, "loop"));
const manifestUri = flag(argv, "manifest") ?? DEMO_MANIFEST;
const iterations = flag(argv, "iterations");
if (iterations !== undefined && !(Number.isInteger(Number(iterations)) && Number(iterations) >= 1)) {
  throw new Error(`--iterations: expected an integer ≥ 1, found "${iterations}"`);
}
const PATCH = {
  stages: {
    ...stagesOff(["reward", "rejection", "sft2", "rl2", "eval"]),
    grpo: { dynamicSampling: { enabled: false }, ...(iterations ? { iterations: Number(iterations) } : {}) },
  },
};

async function runOne(loop: Loop): Promise<{ split: IterationSplit[]; runS: number; visitsS: number }> {
  const manifest = await manifestVariant(manifestUri, loop, { ...PATCH, runId: `bench-pipeline-${loop}` });
  const store = mkdtempSync(join(tmpdir(), `r1flow-bench-${loop}-`));
  console.error(`loop ${loop}: ${manifest.stages.grpo.iterations} GRPO iterations, store ${store} …`);
  const visits: Visit[] = [];
  const starts = new Map<number, number>();
  const t0 = performance.now();
  const now = () => (performance.now() - t0) / 1000;
  await runLocal(manifest, {
    store,
    onEvent: (e) => {
      if (e.type === "start") starts.set(e.index, now());
      if (e.type !== "done") return;
      const endS = now();
      const { stage, iteration } = e.visit;
      visits.push({ id: stage.id, iteration, startS: endS - e.wallS, endS, summary: e.summary });
    },
  });
  const runS = now();
  const seconds = async (dir: string) =>
    ((await readJson(joinUri(dir, "metrics.json"))) as { seconds: IterationSeconds }).seconds;
  const split = loop === "stages" ? stagesSplit(visits) : await blockSplit(visits, seconds);
  return { split, runS, visitsS: visits.reduce((n, v) => n + v.endS - v.startS, 0) };
}

const s2 = (x: number) => x.toFixed(2);
const share = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} %`;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function report(loop: Loop, split: IterationSplit[]): string[][] {
  const row = (label: string, s: Omit<IterationSplit, "iteration" | "parts">) => [
    loop,
    label,
    s2(s.wallS),
    s2(s.rolloutS),
    s2(s.scoreS),
    s2(s.updateS),
    s2(s.overheadS),
    share(s.overheadS, s.wallS),
  ];
  const avg = (k: "wallS" | "rolloutS" | "scoreS" | "updateS" | "overheadS") => mean(split.map((s) => s[k]));
  const m = {
    wallS: avg("wallS"),
    rolloutS: avg("rolloutS"),
    scoreS: avg("scoreS"),
    updateS: avg("updateS"),
    overheadS: avg("overheadS"),
  };
  return [...split.map((s) => row(String(s.iteration), s)), row("mean", m)];
}

const results: Partial<Record<Loop, IterationSplit[]>> = {};
const rows: string[][] = [];
for (const loop of loops) {
  const { split, runS, visitsS } = await runOne(loop);
  results[loop] = split;
  rows.push(...report(loop, split));
  console.error(
    `loop ${loop}: run ${runS.toFixed(1)} s, of which ${share(runS - visitsS, runS)} outside every stage visit (runner); ` +
      `load average now ${loadavg()
        .map((x) => x.toFixed(1))
        .join(" / ")} (1 / 5 / 15 min; the machine may be shared)`,
  );
}

const header = ["loop", "iteration", "wall s", "rollout s", "score s", "update s", "overhead s", "overhead"];
console.log("\nbench:pipeline — seconds per GRPO iteration (target: overhead < 10 %)");
console.log(formatTable(header, rows));
for (const loop of loops) {
  const split = results[loop] ?? [];
  const parts = Object.keys(split[0]?.parts ?? {});
  const wall = mean(split.map((s) => s.wallS));
  console.log(`\n${loop}: where the overhead goes, mean seconds per iteration (share of the iteration)`);
  for (const p of parts) {
    const v = mean(split.map((s) => s.parts[p] ?? 0));
    console.log(`  ${p.padEnd(34)} ${s2(v).padStart(7)}  ${share(v, wall)}`);
  }
}
const [before, after] = [results.stages, results.block];
if (before && after) {
  const [b, a] = [mean(before.map((s) => s.wallS)), mean(after.map((s) => s.wallS))];
  console.log(`\nper iteration: ${s2(b)} s (stages) → ${s2(a)} s (block), ${(b / a).toFixed(1)}× faster`);
}
