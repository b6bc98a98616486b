/**
 * `r1flow inspect` on a block-loop run (block-fixture.ts): the per-iteration figures come from the
 * blocks' `iter-NNNN/metrics.json`, and gather, the table, `--json` and the report's charts show
 * them as they show a per-iteration run's. Expected figures are worked out by hand from the fixture.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { remove, writeJson } from "../../functions/io/objects.ts";
import { buildCharts } from "../../pipeline/inspect/charts.ts";
import { gatherRun } from "../../pipeline/inspect/gather.ts";
import { renderHtml } from "../../pipeline/inspect/html.ts";
import type { InspectModel } from "../../pipeline/inspect/model.ts";
import { renderTable } from "../../pipeline/inspect/table.ts";
import { runLayout } from "../../recipe/layout.ts";
import { r1flow } from "../cli/run-cli.ts";
import { BLOCK_RUN, iterationDir, RL2_RUN, writeBlockIteration } from "./block-fixture.ts";
import { RUN_ID, writeSyntheticRun } from "./fixture.ts";
import { chartSeries } from "./svg-series.ts";

const dirs: string[] = [];
function store(): string {
  const dir = mkdtempSync(join(tmpdir(), "r1flow-inspect-block-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const blockRun = (s = store(), failAt?: { visit: string; cause: string }) =>
  writeSyntheticRun(s, { variant: BLOCK_RUN, ...(failAt ? { failAt } : {}) });

/** A line chart's points by series name; null when the chart has no data. */
function seriesOf(model: InspectModel, id: string) {
  const c = buildCharts(model).find((s) => s.id === id)?.chart;
  return c?.kind === "line" ? Object.fromEntries(c.series.map((s) => [s.name, s.points])) : null;
}

const line = (table: string, label: string) =>
  table.split("\n").find((l) => l.includes(`  ${label}  `)) ?? "";

describe("r1flow inspect on a block-loop run", () => {
  it("gathers one row per block visit and every iteration's figures from the blocks", async () => {
    const root = await blockRun();
    const model = await gatherRun(root);
    const labels = model.visits.map((v) =>
      v.iteration === undefined ? v.stage : `${v.stage}/${v.iteration}`,
    );
    // The per-iteration loop's stages are not this run's: no rows for them.
    expect(labels.slice(6, 12)).toEqual([
      ...["reward", "grpo-block-curriculum/0", "grpo-block/0", "grpo-block-curriculum/1", "grpo-block/1"],
      "rejection-rollout",
    ]);
    expect(labels).toHaveLength(23);
    expect(model.visits.filter((v) => v.status !== "succeeded").map((v) => v.stage)).toEqual([
      ...["rl2-block-curriculum", "rl2-block", "eval-rollout-final"],
    ]);
    expect(model.visits.find((v) => v.stage === "grpo-block" && v.iteration === 1)?.iterations).toEqual([2]);

    const { grpo } = model;
    expect(grpo.loop).toBe("block");
    expect(grpo.warnings).toEqual([]);
    expect(grpo.iterations.map((r) => [r.iteration, r.block])).toEqual([
      [0, 0],
      [1, 0],
      [2, 1],
    ]);
    const it1 = grpo.iterations[1]!;
    // Named as the score Lambda names them: meanReward.total → reward.total.
    expect(it1.score).toEqual({
      ...{ rows: 64, groups: 8, zeroVarianceGroups: 2, zeroVarianceShare: 0.25, accuracy: 0.625 },
      truncatedShare: 0.015625,
      ...{ "reward.accuracy": 0.625, "reward.format": 0.9375, "reward.language": 0, "reward.total": 1.5625 },
    });
    expect(it1.update).toEqual({ loss: 0.0625, kl: 0.025, entropy: 0.8125, clip_fraction: 0.0625, rows: 48 });
    expect(it1.seconds).toEqual({ rollout: 3, score: 0.125, write: 0.125, update: 2.5, sync: 0.0625 });
    expect(it1.batch).toMatchObject({ groupsTrained: 6, groupsShort: 10, droppedProblems: 2 });
    expect(it1.rollout).toMatchObject({ prompts: 8, truncated_share: 0.015625 });
    const block1 = runLayout(root.slice(0, root.indexOf("/runs/")), RUN_ID).stage("grpo-block", 1);
    expect(grpo.iterations[2]!.scored).toEqual([join(iterationDir(block1, 2), "scored", "part-00000.arrow")]);

    // Samples from the last scored iteration, the block's iteration 2.
    const samples = model.samples.filter((s) => s.source.startsWith("grpo"));
    expect(samples.map((s) => [s.source, s.rewardTotal, s.correct])).toEqual(
      Array(3).fill(["grpo iteration 2 (block 1)", 2, true]),
    );
  });

  it("the table: one line per block; a block's accuracy and reward over its rollouts, KL after its last update", async () => {
    const table = renderTable(await gatherRun(await blockRun()));
    expect(table.split("\n").filter((l) => /^\s*\d+\s+[a-z]/.test(l))).toHaveLength(23);
    expect(line(table, "grpo-block-curriculum [block 0, iter 0-1]")).toMatch(
      /\s16\s+level=1 {2}batch=16 {2}measuredGroups=0$/,
    );
    expect(line(table, "grpo-block-curriculum [block 1, iter 2]")).toContain(
      "level=2  batch=16  measuredGroups=24  accuracy=0.375",
    );
    // Block 0: (128·0.25 + 64·0.625) / 192 = 0.375; (128·1.25 + 64·1.5625) / 192 = 1.3541…
    expect(line(table, "grpo-block [block 0, iter 0-1]")).toMatch(
      /accuracy=0\.375 {2}reward\.total=1\.354 {2}kl=0\.025 {2}entropy=0\.8125$/,
    );
    expect(line(table, "grpo-block [block 1, iter 2]")).toMatch(
      /accuracy=0\.75 {2}reward\.total=1\.75 {2}kl=0\.05 {2}entropy=0\.75$/,
    );
    expect(table).not.toMatch(/grpo-(rollout|score|update)/);
    expect(table).not.toContain("warning");
    // Then a line per iteration: its score and update figures, seconds the sum of its phases.
    const its = table.slice(table.indexOf("GRPO iterations (block loop)")).split("\n");
    expect(its[1]).toMatch(
      /^iter\s+block\s+accuracy\s+reward\.total\s+zeroVarianceShare\s+kl\s+entropy\s+clip_fraction\s+seconds$/,
    );
    expect(its.slice(3, 6).map((l) => l.trim().split(/\s+/))).toEqual([
      ["0", "0", "0.25", "1.25", "0.5", "0.0125", "0.875", "0.03125", "7.938"],
      ["1", "0", "0.625", "1.563", "0.25", "0.025", "0.8125", "0.0625", "5.813"],
      ["2", "1", "0.75", "1.75", "0.5", "0.05", "0.75", "0", "8.063"],
    ]);
    expect(its[6]).toBe("");
  });

  it("charts one point per GRPO iteration, from the blocks' records", async () => {
    const model = await gatherRun(await blockRun());
    const chart = (id: string) => seriesOf(model, id);
    expect(chart("reward")).toEqual({
      total: [
        [0, 1.25],
        [1, 1.5625],
        [2, 1.75],
      ],
      accuracy: [
        [0, 0.25],
        [1, 0.625],
        [2, 0.75],
      ],
      format: [
        [0, 1],
        [1, 0.9375],
        [2, 1],
      ],
    });
    expect(chart("accuracy")?.accuracy?.map((p) => p[1])).toEqual([0.25, 0.625, 0.75]);
    expect(chart("kl")?.kl?.map((p) => p[1])).toEqual([0.0125, 0.025, 0.05]);
    expect(chart("entropy")?.entropy?.map((p) => p[1])).toEqual([0.875, 0.8125, 0.75]);
    expect(chart("clip-fraction")?.["clip fraction"]?.map((p) => p[1])).toEqual([0.03125, 0.0625, 0]);
    // Initial curriculum at 0; block 0's draws start at iteration 1, block 1's at 2 (level 2 unlocked).
    expect(chart("curriculum")).toEqual({
      level: [
        [0, 1],
        [1, 1],
        [2, 2],
      ],
    });
    const html = renderHtml(model);
    expect(chartSeries(html)).toMatchObject({
      reward: { total: 3, accuracy: 3, format: 3 },
      accuracy: { accuracy: 3 },
      kl: { kl: 3 },
      entropy: { entropy: 3 },
      "clip-fraction": { "clip fraction": 3 },
      curriculum: { level: 3 },
    });
    expect(html).not.toContain("data-chart-missing");
    expect(html).toContain("grpo iteration 2 (block 1)");
    expect(html).toContain("reward.total=1.354");
    const rows = /<table class="iterations"[\s\S]*?<\/table>/.exec(html)?.[0].match(/<tr data-round="1"/g);
    expect(rows).toHaveLength(3);
    expect(html).toContain(
      '<tr data-round="1" data-iteration="1"><td class="num">1</td><td class="num">0</td><td class="num">0.625</td><td class="num">1.563</td>',
    );
  });

  it("a block still running shows the iterations it has finished", async () => {
    const root = await blockRun(store(), { visit: "grpo-block/1", cause: "x" });
    const layout = runLayout(root.slice(0, root.indexOf("/runs/")), RUN_ID);
    await writeJson(layout.status, { runId: RUN_ID, status: "running", updatedAt: "2026-01-02T03:05:00Z" });
    const before = await gatherRun(root);
    expect(before.visits.find((v) => v.stage === "grpo-block" && v.iteration === 1)?.status).toBe("running");
    expect(before.grpo.iterations.map((r) => r.iteration)).toEqual([0, 1]);
    await writeBlockIteration(layout.stage("grpo-block", 1), 2);
    const during = await gatherRun(root);
    expect(during.grpo.iterations.map((r) => [r.iteration, r.block, r.score.accuracy])).toEqual([
      [0, 0, 0.25],
      [1, 0, 0.625],
      [2, 1, 0.75],
    ]);
    expect(during.grpo.warnings).toEqual([]);
    expect(during.samples[0]?.source).toBe("grpo iteration 2 (block 1)");
    expect(renderTable(during)).toMatch(/grpo-block \[block 1, iter 2\]\s+running\s+accuracy=0\.75/);
  });

  it("a failed block: status.json's visit names it in the run line, the report and --json", async () => {
    const cause = "worker exited with code 1: CUDA out of memory";
    const root = await blockRun(store(), { visit: "grpo-block/1", cause });
    const layout = runLayout(root.slice(0, root.indexOf("/runs/")), RUN_ID);
    // As the runner and the status function write it since the field exists (block 1 runs iteration 2).
    const visit = "grpo-block [block 1, iter 2]";
    await writeJson(layout.status, { runId: RUN_ID, status: "failed", stage: "grpo-block", visit, cause });
    const model = await gatherRun(root);
    expect(model.run).toMatchObject({ status: "failed", stage: "grpo-block", visit, cause });
    expect(model.visits.find((v) => v.stage === "grpo-block" && v.iteration === 1)?.status).toBe("failed");
    const table = renderTable(model);
    expect(table).toContain(`\n  failed at grpo-block [block 1, iter 2]: ${cause}`);
    expect(table).not.toContain("failed at grpo-block:");
    const html = join(store(), "report.html");
    const res = r1flow(["inspect", root, "--json", "--html", html]);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).run).toEqual({
      runId: RUN_ID,
      uri: root,
      status: "failed",
      stage: "grpo-block",
      visit,
      cause,
    });
    expect(readFileSync(html, "utf8")).toContain(
      `Run status: <b>failed</b> at <b>grpo-block [block 1, iter 2]</b>: ${cause}</div>`,
    );
  });

  it("an unreadable or missing iteration record is a warning naming the file; the rest still shows", async () => {
    const root = await blockRun();
    const layout = runLayout(root.slice(0, root.indexOf("/runs/")), RUN_ID);
    const bad = join(iterationDir(layout.stage("grpo-block", 0), 1), "metrics.json");
    writeFileSync(bad, JSON.stringify({ iteration: "one", score: {} }));
    const gone = join(iterationDir(layout.stage("grpo-block", 1), 2), "metrics.json");
    await remove(gone);
    const model = await gatherRun(root);
    expect(model.grpo.iterations.map((r) => r.iteration)).toEqual([0]);
    expect(model.grpo.warnings).toEqual([
      `${bad}: iteration: expected number, received string, got "one"`,
      `${gone}: missing`,
    ]);
    const table = renderTable(model);
    expect(table).toContain(`warning: GRPO iteration record ${gone}: missing`);
    writeFileSync(bad, "{ half-writ");
    expect((await gatherRun(root)).grpo.warnings[0]).toMatch(new RegExp(`^${bad}: not valid JSON`));
  });

  it("the real command: --json has every iteration, --html the charts", async () => {
    const root = await blockRun();
    {
      const html = join(store(), "report.html");
      const res = r1flow(["inspect", root, "--json", "--html", html]);
      expect(res.code).toBe(0);
      const json = JSON.parse(res.stdout);
      expect(json.visits).toHaveLength(23);
      expect(json.grpo.loop).toBe("block");
      expect(
        json.grpo.iterations.map((r: { iteration: number; score: Record<string, number> }) => [
          r.iteration,
          r.score["reward.total"],
          r.score.zeroVarianceShare,
        ]),
      ).toEqual([
        [0, 1.25, 0.5],
        [1, 1.5625, 0.25],
        [2, 1.75, 0.5],
      ]);
      expect(json.visits.find((v: { stage: string }) => v.stage === "grpo-block").iterations).toEqual([0, 1]);
      expect(chartSeries(readFileSync(html, "utf8")).kl).toEqual({ kl: 3 });
    }
  });
});

describe("RL round 2 (stages.rl2) in the block loop", () => {
  it("its iterations are rows of their own: block lines, series and iteration lines apart from round 1's", async () => {
    const model = await gatherRun(await writeSyntheticRun(store(), { variant: RL2_RUN }));
    const rl2 = model.visits.filter((v) => v.stage.startsWith("rl2"));
    expect(rl2.map((v) => [v.stage, v.iteration, v.status, v.iterations])).toEqual([
      ["rl2-block-curriculum", 0, "succeeded", [0, 1]],
      ["rl2-block", 0, "succeeded", [0, 1]],
    ]);
    // Round 2 counts its iterations from 0 again.
    expect(model.grpo.iterations.map((r) => [r.round, r.iteration, r.block, r.score.accuracy])).toEqual([
      [1, 0, 0, 0.25],
      [1, 1, 0, 0.625],
      [1, 2, 1, 0.75],
      [2, 0, 0, 0.5],
      [2, 1, 0, 0.875],
    ]);
    const table = renderTable(model);
    // Round 1's block 0 is still (128·0.25 + 64·0.625) / 192; round 2's (128·0.5 + 128·0.875) / 256.
    expect(line(table, "grpo-block [block 0, iter 0-1]")).toContain("accuracy=0.375  reward.total=1.354");
    expect(line(table, "rl2-block [block 0, iter 0-1]")).toMatch(
      /accuracy=0\.6875 {2}reward\.total=1\.688 {2}kl=0\.01563 {2}entropy=0\.65$/,
    );
    expect(line(table, "rl2-block-curriculum [block 0, iter 0-1]")).toContain("level=2  batch=32");
    const its = table.slice(table.indexOf("GRPO iterations (block loop)")).split("\n");
    expect(its[1]).toMatch(/^round\s+iter\s+block\s+accuracy\s/);
    expect(its.slice(3, 8).map((l) => l.trim().split(/\s+/).slice(0, 4))).toEqual([
      ["1", "0", "0", "0.25"],
      ["1", "1", "0", "0.625"],
      ["1", "2", "1", "0.75"],
      ["2", "0", "0", "0.5"],
      ["2", "1", "0", "0.875"],
    ]);
    const chart = (id: string) => seriesOf(model, id);
    expect(chart("accuracy")).toEqual({
      accuracy: [
        [0, 0.25],
        [1, 0.625],
        [2, 0.75],
      ],
      "accuracy (RL round 2)": [
        [0, 0.5],
        [1, 0.875],
      ],
    });
    expect(chart("kl")?.["kl (RL round 2)"]).toEqual([
      [0, 0.0078125],
      [1, 0.015625],
    ]);
    expect(chart("reward")?.["total (RL round 2)"]).toEqual([
      [0, 1.5],
      [1, 1.875],
    ]);
    // Round 2's curriculum draws its own iteration 0.
    expect(chart("curriculum")).toEqual({
      level: [
        [0, 1],
        [1, 1],
        [2, 2],
      ],
      "level (RL round 2)": [[0, 2]],
    });
    expect(model.samples[0]?.source).toBe("grpo iteration 1 (RL round 2, block 0)");
    expect(chartSeries(renderHtml(model)).accuracy).toEqual({ accuracy: 3, "accuracy (RL round 2)": 2 });
  });
});
