/**
 * `npm run bench:efficacy [-- --loop stages|block] [--seeds 0,1,2] [--iterations 16] [--out DIR]
 * [--report]`:
 * what GRPO buys over SFT on the demo's data. Each seed is one run of the demo manifest (seed =
 * the manifest's `seed`) with the reward model, rejection sampling and SFT round 2 off, GRPO for
 * `--iterations`, and the sft and grpo checkpoints evaluated on 100 problems × 4 samples; for each
 * loop asked (both by default: stages, then block) on the same seeds; the stages loop runs without
 * the demo's dynamic sampling, which it cannot run. Prints pass@1 (mean over the
 * 4 samples), maj@4 and pass@4 per run, their mean ± sd over seeds, and block − stages per seed;
 * writes it all to `<out>/efficacy.json`. Runs are kept under `<out>/store`, so the same `--out`
 * resumes; `--report` reprints the table from `<out>/efficacy.json` without running anything
 * (a run resumed under a changed manifest schema would rerun). Prints, asserts nothing (issue 10's target: GRPO ≥ +15 points over SFT on average, and
 * block no worse than stages).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runLocal } from "../pipeline/runner.ts";
import {
  DEMO_MANIFEST,
  flag,
  formatTable,
  type Loop,
  loopsOf,
  manifestVariant,
  meanSd,
  stagesOff,
} from "./runs.ts";

const argv = process.argv.slice(2);
const loops = loopsOf(flag(argv, "loop"));
const seeds = (flag(argv, "seeds") ?? "0,1,2").split(",").map((s) => {
  const n = Number(s);
  if (!Number.isInteger(n)) throw new Error(`--seeds: expected comma-separated integers, found "${s}"`);
  return n;
});
const iterations = Number(flag(argv, "iterations") ?? 16);
if (!Number.isInteger(iterations) || iterations < 1) throw new Error("--iterations: expected an integer ≥ 1");
const manifestUri = flag(argv, "manifest") ?? DEMO_MANIFEST;
const out = resolve(flag(argv, "out") ?? mkdtempSync(join(tmpdir(), "r1flow-efficacy-")));
mkdirSync(out, { recursive: true });

const CHECKPOINTS = ["sft", "grpo"] as const;
const FIGURES = ["pass1", "majAtK", "pass@4"] as const;
type Figures = Record<(typeof FIGURES)[number], number>;
interface Result {
  loop: Loop;
  seed: number;
  /** Wall seconds of the whole run and of its GRPO loop visits, as measured when they ran. */
  wallS: number;
  grpoS: number;
  benchmark: string;
  checkpoints: Record<(typeof CHECKPOINTS)[number], Figures>;
}

const PATCH = {
  stages: {
    ...stagesOff(["reward", "rejection", "sft2", "rl2"]),
    grpo: { iterations },
    eval: { samples: 4, limit: 100, passK: [1, 4], checkpoints: [...CHECKPOINTS] },
  },
};

/** `<checkpoint>.<benchmark>.<figure>` of the evaluate stage's metrics → one benchmark's figures. */
function figures(metrics: Record<string, number>): Pick<Result, "benchmark" | "checkpoints"> {
  const benchmarks = new Set(Object.keys(metrics).map((k) => k.split(".")[1]));
  if (benchmarks.size !== 1)
    throw new Error(`expected one eval benchmark, found ${[...benchmarks].join(", ")}`);
  const [benchmark] = [...benchmarks] as [string];
  const of = (c: string) => {
    const entries = FIGURES.map((f) => {
      const v = metrics[`${c}.${benchmark}.${f}`];
      if (v === undefined) throw new Error(`the evaluate stage reports no ${c}.${benchmark}.${f}`);
      return [f, v];
    });
    return Object.fromEntries(entries) as Figures;
  };
  return { benchmark, checkpoints: { sft: of("sft"), grpo: of("grpo") } };
}

/** Results an earlier invocation wrote to the same `--out` (their wall times survive a resume). */
const previous: Result[] = existsSync(join(out, "efficacy.json"))
  ? (JSON.parse(readFileSync(join(out, "efficacy.json"), "utf8")) as { results: Result[] }).results
  : [];

async function runOne(loop: Loop, seed: number): Promise<Result> {
  const runId = `efficacy-${loop}-seed${seed}`;
  const manifest = await manifestVariant(manifestUri, loop, { ...PATCH, seed, runId });
  let metrics: Record<string, number> | undefined;
  let [grpoS, ran] = [0, 0];
  const started = performance.now();
  await runLocal(manifest, {
    store: join(out, "store"),
    onEvent: (e) => {
      if (e.type !== "done") return;
      if (e.visit.stage.id === "evaluate") metrics = e.summary.metrics;
      if (e.visit.stage.inLoop) grpoS += e.wallS;
      if (e.summary.status !== "skipped") ran++;
    },
  });
  if (!metrics) throw new Error(`run ${manifest.runId}: no evaluate stage ran`);
  const before = previous.find((r) => r.loop === loop && r.seed === seed);
  const times =
    ran === 0 && before // every stage was complete: keep the times measured when they ran
      ? { wallS: before.wallS, grpoS: before.grpoS ?? Number.NaN }
      : { wallS: (performance.now() - started) / 1000, grpoS };
  return { loop, seed, ...times, ...figures(metrics) };
}

const pct = (x: number) => (100 * x).toFixed(1);
const seconds = (xs: (number | undefined)[]) => {
  const s = meanSd(xs.filter((x): x is number => Number.isFinite(x)));
  if (s.n === 0) return "n/a";
  return `${s.mean.toFixed(0)} ± ${s.sd.toFixed(0)}`;
};
const pm = (xs: number[]) => {
  const s = meanSd(xs);
  return `${pct(s.mean)} ± ${pct(s.sd)}`;
};

const results: Result[] = [];
/** `<out>/efficacy.json`: this invocation's results and the earlier ones it did not rerun. */
function save(extra: Record<string, unknown>): void {
  const kept = previous.filter((p) => !results.some((r) => r.loop === p.loop && r.seed === p.seed));
  const doc = { iterations, manifestUri, results: [...kept, ...results], ...extra };
  writeFileSync(join(out, "efficacy.json"), `${JSON.stringify(doc, null, 2)}\n`);
}
const reportOnly = argv.includes("--report");
for (const loop of loops) {
  for (const seed of seeds) {
    if (reportOnly) {
      const r = previous.find((p) => p.loop === loop && p.seed === seed);
      if (!r)
        throw new Error(
          `--report: ${join(out, "efficacy.json")} has no result for loop ${loop}, seed ${seed}`,
        );
      results.push(r);
      continue;
    }
    console.error(`running loop ${loop}, seed ${seed} (store ${join(out, "store")}) …`);
    const r = await runOne(loop, seed);
    results.push(r);
    save({});
    console.error(
      `  done in ${r.wallS.toFixed(0)} s: sft ${pct(r.checkpoints.sft.pass1)} %, grpo ${pct(r.checkpoints.grpo.pass1)} %`,
    );
  }
}

const gain = (r: Result) => r.checkpoints.grpo.pass1 - r.checkpoints.sft.pass1;
const header = [
  "loop",
  "seed",
  "SFT pass@1",
  "GRPO pass@1",
  "Δ",
  "SFT maj@4",
  "GRPO maj@4",
  "SFT pass@4",
  "GRPO pass@4",
  "GRPO s",
  "run s",
];
const rows = results.map((r) => [
  r.loop,
  String(r.seed),
  pct(r.checkpoints.sft.pass1),
  pct(r.checkpoints.grpo.pass1),
  pct(gain(r)),
  pct(r.checkpoints.sft.majAtK),
  pct(r.checkpoints.grpo.majAtK),
  pct(r.checkpoints.sft["pass@4"]),
  pct(r.checkpoints.grpo["pass@4"]),
  Number.isFinite(r.grpoS) ? r.grpoS.toFixed(0) : "n/a",
  r.wallS.toFixed(0),
]);
const summary = loops.map((loop) => {
  const rs = results.filter((r) => r.loop === loop);
  const col = (f: (r: Result) => number) => pm(rs.map(f));
  return [
    loop,
    `mean ± sd (n=${rs.length})`,
    col((r) => r.checkpoints.sft.pass1),
    col((r) => r.checkpoints.grpo.pass1),
    col(gain),
    col((r) => r.checkpoints.sft.majAtK),
    col((r) => r.checkpoints.grpo.majAtK),
    col((r) => r.checkpoints.sft["pass@4"]),
    col((r) => r.checkpoints.grpo["pass@4"]),
    seconds(rs.map((r) => r.grpoS)),
    seconds(rs.map((r) => r.wallS)),
  ];
});
console.log(
  `\nbench:efficacy — ${results[0]?.benchmark ?? "?"}, GRPO ${iterations} iterations, eval 100 problems × 4 samples, %`,
);
console.log(formatTable(header, [...rows, ...summary]));

const paired = seeds.flatMap((seed) => {
  const [s, b] = (["stages", "block"] as const).map((l) =>
    results.find((r) => r.loop === l && r.seed === seed),
  );
  return s && b ? [{ seed, grpo: b.checkpoints.grpo.pass1 - s.checkpoints.grpo.pass1 }] : [];
});
if (paired.length > 0) {
  const per = paired.map((p) => `seed ${p.seed} ${pct(p.grpo)}`).join(", ");
  console.log(`\nblock − stages, GRPO pass@1 (points): ${per}; mean ± sd ${pm(paired.map((p) => p.grpo))}`);
}
save({ paired });
console.log(`\nwritten: ${join(out, "efficacy.json")}`);
