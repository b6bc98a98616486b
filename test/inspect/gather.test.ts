import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeJson } from "../../functions/io/objects.ts";
import { gatherRun } from "../../pipeline/inspect/gather.ts";
import { renderHtml } from "../../pipeline/inspect/html.ts";
import { renderTable } from "../../pipeline/inspect/table.ts";
import { runLayout } from "../../recipe/layout.ts";
import { stageNumber } from "../../recipe/recipe.ts";
import { r1flow } from "../cli/run-cli.ts";
import { MANIFEST, RUN_ID, writeSyntheticRun } from "./fixture.ts";

const dirs: string[] = [];
function store(): string {
  const dir = mkdtempSync(join(tmpdir(), "r1flow-inspect-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const line = (table: string, label: string) =>
  table.split("\n").find((l) => new RegExp(`^\\s*\\d+\\s+${label.replace(/[[\]]/g, "\\$&")}\\s`).test(l)) ??
  "";

describe("r1flow inspect: gather and table", () => {
  it("gathers every visit of a finished run in recipe order with its figures", async () => {
    const model = await gatherRun(await writeSyntheticRun(store()));
    expect(model.run).toMatchObject({ runId: RUN_ID, status: "succeeded" });
    expect(
      model.visits.map((v) => (v.iteration === undefined ? v.stage : `${v.stage}/${v.iteration}`)),
    ).toEqual([
      ...["validate", "ingest", "curriculum", "sft", "reward-rollout", "reward-pairs", "reward"],
      ...["grpo-rollout/0", "grpo-score/0", "grpo-update/0", "grpo-curriculum/0"],
      ...["grpo-rollout/1", "grpo-score/1", "grpo-update/1", "grpo-curriculum/1"],
      ...[
        "rejection-rollout",
        "rejection",
        "sft2",
        ...["rl2-block-curriculum", "rl2-block"],
        "eval-rollout-base",
        "eval-rollout-sft",
        "eval-rollout-grpo",
        "eval-rollout-sft2",
        "eval-rollout-final",
        "evaluate",
        "report",
      ],
    ]);
    // RL round 2 is off, so final is sft2's model: its own eval rollout is switched off, the rest ran.
    expect(model.visits.filter((v) => v.status !== "succeeded").map((v) => [v.stage, v.status])).toEqual([
      ["rl2-block-curriculum", "skipped"],
      ["rl2-block", "skipped"],
      ["eval-rollout-final", "skipped"],
    ]);
    const score1 = model.visits.find((v) => v.stage === "grpo-score" && v.iteration === 1);
    expect(score1).toMatchObject({
      rowsIn: 128,
      rowsOut: 128,
      startedAt: expect.any(String),
      durationS: 2.5,
    });
    expect(score1?.metrics).toMatchObject({
      accuracy: 0.625,
      "reward.total": 1.5625,
      zeroVarianceShare: 0.25,
    });
    expect(model.sftLoss).toEqual({
      sft: [6.5, 4, 2, 1, 0.75].map((loss, i) => ({ step: i + 1, loss })),
      sft2: [5.5, 2, 0.5].map((loss, i) => ({ step: i + 1, loss })),
    });
    // Δ vs the checkpoint before: sft − base, grpo − sft, sft2 − grpo (hand-worked from FIGURES).
    expect(model.eval).toEqual({
      checkpoints: ["base", "sft", "grpo", "sft2"],
      rows: [
        {
          ...{ benchmark: "arith-eval", measure: "pass@1" },
          values: { base: 0.25, sft: 0.375, grpo: 0.625, sft2: 0.5 },
          deltas: { sft: 0.125, grpo: 0.25, sft2: -0.125 },
        },
        {
          ...{ benchmark: "arith-eval", measure: "maj@k" },
          values: { base: 0.25, sft: 0.5, grpo: 0.75, sft2: 0.75 },
          deltas: { sft: 0.25, grpo: 0.25, sft2: 0 },
        },
        {
          ...{ benchmark: "arith-eval", measure: "pass@4" },
          values: { base: 0.5, sft: 0.625, grpo: 0.875, sft2: 0.9375 },
          deltas: { sft: 0.125, grpo: 0.25, sft2: 0.0625 },
        },
      ],
      aliases: { final: "sft2" },
      skipped: {},
    });
    expect(model.evalSamples).toBe(4);
    const grpo = model.samples.filter((s) => s.source === "grpo iteration 1");
    expect(grpo.map((s) => [s.rewardTotal, s.correct])).toEqual([
      [2, true],
      [2, true],
      [2, true],
    ]);
    // The final model's samples: it was evaluated as sft2.
    expect(model.samples.filter((s) => s.source === "eval sft2/arith-eval")).toHaveLength(4);
  });

  it("prints exact figures, durations and the run status", async () => {
    const table = renderTable(await gatherRun(await writeSyntheticRun(store())));
    expect(line(table, "sft")).toMatch(
      /succeeded\s+03:04:12\s+2m 05s\s+100\s+loss_first=6.5 {2}loss_last=0.75 {2}steps=5$/,
    );
    expect(line(table, "grpo-rollout [0]")).toMatch(/2\.5s\s+16\s+128\s+mean_completion_len=30.25$/);
    expect(line(table, "grpo-score [0]")).toContain(
      "accuracy=0.25  reward.total=1.25  zeroVarianceShare=0.5",
    );
    expect(line(table, "grpo-update [1]")).toContain(
      "loss=0.0625  kl=0.025  entropy=0.8125  clip_fraction=0.0625",
    );
    expect(line(table, "grpo-curriculum [1]")).toContain("level=2  accuracy=0.625");
    expect(line(table, "rejection")).toMatch(/40\s+10\s+kept=10 {2}keepRate=0.25$/);
    expect(line(table, "evaluate")).toContain(
      "base.arith-eval.pass1=0.25  sft.arith-eval.pass1=0.375  grpo.arith-eval.pass1=0.625  sft2.arith-eval.pass1=0.5",
    );
    expect(line(table, "eval-rollout-final")).toMatch(/skipped/);
    expect(table.split("\n").filter((l) => /^\s*\d+\s/.test(l))).toHaveLength(27);
    // The checkpoints side by side, each with its change in points vs the one to its left.
    const evals = table.slice(table.indexOf("benchmark"));
    expect(evals).toMatch(/^benchmark\s+measure\s+base\s+sft\s+Δ sft\s+grpo\s+Δ grpo\s+sft2\s+Δ sft2\n/);
    expect(evals).toMatch(
      /arith-eval\s+pass@1\s+25\.0%\s+37\.5%\s+\+12\.5\s+62\.5%\s+\+25\.0\s+50\.0%\s+-12\.5\n/,
    );
    expect(evals).toMatch(
      /arith-eval\s+maj@4\s+25\.0%\s+50\.0%\s+\+25\.0\s+75\.0%\s+\+25\.0\s+75\.0%\s+0\.0\n/,
    );
    expect(evals).toContain("final is the same model as sft2: evaluated once, shown as sft2");
    expect(table).toMatch(/\nrun synthetic: succeeded \(updated 2026-01-02T03:/);
  });

  it("shows the failed stage as failed with its cause; later visits pending", async () => {
    const cause = "worker exited with code 137: out of memory";
    const root = await writeSyntheticRun(store(), { failAt: { visit: "grpo-update/1", cause } });
    const model = await gatherRun(root);
    const status = (stage: string, iteration?: number) =>
      model.visits.find((v) => v.stage === stage && v.iteration === iteration)?.status;
    expect(status("grpo-score", 1)).toBe("succeeded");
    expect(model.visits.find((v) => v.stage === "grpo-update" && v.iteration === 1)).toMatchObject({
      status: "failed",
      note: cause,
    });
    expect(status("grpo-curriculum", 1)).toBe("pending");
    expect(status("report")).toBe("pending");
    expect(model.visits.filter((v) => v.status === "failed")).toHaveLength(1);
    const table = renderTable(model);
    expect(line(table, "grpo-update [1]")).toMatch(/\sfailed\s*$/);
    expect(table).toContain(`↳ ${cause}`);
    expect(table).toContain(`run synthetic: failed`);
    expect(table).toContain(`failed at grpo-update: ${cause}`);
    // The fixture's status.json has no `visit`, as a run from before the field: the stage alone.
    expect(model.run).not.toHaveProperty("visit");
    expect(renderHtml(model)).toContain(`Run status: <b>failed</b> at <b>grpo-update</b>: ${cause}</div>`);
  });

  it("a running run marks its first unfinished visit running; disabled stages are skipped", async () => {
    const root = await writeSyntheticRun(store(), { failAt: { visit: "sft2", cause: "x" } });
    const layout = runLayout(root.slice(0, root.indexOf("/runs/")), RUN_ID);
    await writeJson(layout.status, { runId: RUN_ID, status: "running", updatedAt: "2026-01-02T03:05:00Z" });
    const off = { ...MANIFEST.stages, eval: { ...MANIFEST.stages.eval, enabled: false } };
    await writeJson(layout.manifest, { ...MANIFEST, stages: off });
    const model = await gatherRun(root);
    expect(model.visits.find((v) => v.stage === "sft2")?.status).toBe("running");
    expect(model.visits.find((v) => v.stage === "evaluate")).toMatchObject({
      status: "skipped",
      note: "disabled in the manifest",
    });
    expect(model.visits.find((v) => v.stage === "report")?.status).toBe("pending");
  });

  it("a run copied elsewhere still finds its tables (recorded output URIs are moved under it)", async () => {
    const from = store();
    await writeSyntheticRun(from);
    const to = store();
    cpSync(join(from, "runs"), join(to, "runs"), { recursive: true });
    rmSync(join(from, "runs"), { recursive: true });
    const model = await gatherRun(join(to, "runs", RUN_ID));
    expect(model.visits.find((v) => v.stage === "evaluate")?.outputs.records).toEqual([
      join(
        to,
        "runs",
        RUN_ID,
        "stages",
        `${stageNumber("evaluate")}-evaluate`,
        "records",
        "part-00000.arrow",
      ),
    ]);
    expect(model.samples).toHaveLength(7);
  });

  it("the real command: table, --json and --html, and a clear error for a non-run", async () => {
    const root = await writeSyntheticRun(store());
    const html = join(store(), "report.html");
    const res = r1flow(["inspect", root, "--json", "--html", html]);
    expect(res.stderr).toContain(`report: ${html}`);
    expect(res.code).toBe(0);
    const json = JSON.parse(res.stdout);
    expect(json.visits).toHaveLength(27);
    expect(json.eval.checkpoints).toEqual(["base", "sft", "grpo", "sft2"]);
    expect(json.eval.rows[0].deltas).toEqual({ sft: 0.125, grpo: 0.25, sft2: -0.125 });
    expect(json.run.status).toBe("succeeded");
    expect(readFileSync(html, "utf8")).toContain('data-chart="reward"');
    const table = r1flow(["inspect", root]);
    expect(table.stdout).toContain("kept=10  keepRate=0.25");
    expect(table.stdout).toMatch(
      /arith-eval\s+pass@4\s+50\.0%\s+62\.5%\s+\+12\.5\s+87\.5%\s+\+25\.0\s+93\.8%\s+\+6\.3\n/,
    );
    const missing = r1flow(["inspect", join(store(), "runs", "nope")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot inspect .*: not a run: no manifest.json at /);
  });
});
