/**
 * The local backend end to end on a mini manifest: every stage of the recipe runs (GPU stages as real
 * worker subprocesses on the CPU), `_SUCCESS` marks each, a second run skips them all, and bad input
 * fails at the stage that meets it with a clear cause while earlier stages' outputs stay.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type RunEvent, runLocal, StageFailed } from "../../pipeline/runner.ts";
import { runLayout } from "../../recipe/layout.ts";
import { plannedVisits } from "../../recipe/recipe.ts";
import { Manifest } from "../../schemas/manifest.ts";
import { DATA } from "../cli/run-cli.ts";
import { grpoOnlyManifest, miniManifest } from "./mini-manifest.ts";

const store = mkdtempSync(join(tmpdir(), "r1flow-runner-"));
// R1-shaped: every stage on, the second RL round (one iteration) included.
const mini = miniManifest("mini");
const manifest = Manifest.parse({
  ...mini,
  stages: { ...mini.stages, rl2: { enabled: true, iterations: 1 } },
});
const layout = runLayout(store, "mini");

function visitKey(e: { visit: { stage: { id: string }; iteration?: number } }): string {
  return e.visit.iteration === undefined ? e.visit.stage.id : `${e.visit.stage.id}#${e.visit.iteration}`;
}

describe("r1flow run on the local backend", () => {
  it("runs every stage in recipe order, each committed with _SUCCESS", { timeout: 600_000 }, async () => {
    const events: RunEvent[] = [];
    const summaries = await runLocal(manifest, { store, onEvent: (e) => events.push(e) });
    const done = events.filter((e) => e.type === "done");
    const planned = plannedVisits(manifest).map((v) => visitKey({ visit: v }));
    expect(done.map(visitKey)).toEqual(planned);
    // The block loop (auto): both iterations in one resident worker job, each with its own tables.
    expect(planned).toContain("grpo-block#0");
    expect(planned).not.toContain("grpo-update#0");
    for (const i of ["iter-0000", "iter-0001"]) {
      const dir = join(layout.stage("grpo-block", 0), i);
      expect(readdirSync(join(dir, "scored")).filter((f) => f.endsWith(".arrow")).length, i).toBeGreaterThan(
        0,
      );
      expect(JSON.parse(readFileSync(join(dir, "metrics.json"), "utf8")).iteration, i).toBe(
        Number(i.slice(5)),
      );
    }
    expect(summaries.every((s) => s.status === "succeeded")).toBe(true);
    for (const v of plannedVisits(manifest)) {
      expect(existsSync(join(layout.stage(v.stage.id, v.iteration), "_SUCCESS")), v.stage.id).toBe(true);
    }
    expect(JSON.parse(readFileSync(layout.status, "utf8")).status).toBe("succeeded");
    const evalReport = JSON.parse(readFileSync(join(layout.stage("evaluate"), "eval-report.json"), "utf8"));
    // Every stage is on: five models sampled once each; final is RL round 2's.
    expect(Object.keys(evalReport.checkpoints)).toEqual(["base", "sft", "grpo", "sft2", "final"]);
    expect(evalReport.aliases).toEqual({});
    expect(
      evalReport.comparisons.map((c: { previous: string; current: string }) => `${c.previous}→${c.current}`),
    ).toEqual(["base→sft", "sft→grpo", "grpo→sft2", "sft2→final"]);
    expect(evalReport.models.sft2).toBe(join(layout.stage("sft2"), "model"));
    expect(evalReport.models.final).toBe(join(layout.stage("rl2-block", 0), "model"));
    // Round 2 starts from SFT round 2's model, which is also its KL reference.
    const rl2Spec = JSON.parse(readFileSync(join(layout.stage("rl2-block", 0), "spec.json"), "utf8"));
    expect([rl2Spec.policy, rl2Spec.reference, rl2Spec.firstIteration]).toEqual([
      join(layout.stage("sft2"), "model"),
      join(layout.stage("sft2"), "model"),
      0,
    ]);
    expect(existsSync(join(layout.stage("sft2"), "model", "config.json"))).toBe(true);
  });

  it("a second run resumes: every stage is skipped and no output is rewritten", {
    timeout: 300_000,
  }, async () => {
    const shard = join(store, "runs/mini/stages/02-ingest/train/train/part-00000.arrow");
    const before = statSync(shard).mtimeMs;
    const summaries = await runLocal(manifest, { store });
    expect(summaries.map((s) => s.status).every((s) => s === "skipped")).toBe(true);
    expect(statSync(shard).mtimeMs).toBe(before);
  });

  it("runs GRPO as per-iteration stages when the manifest asks for them", { timeout: 600_000 }, async () => {
    const m = Manifest.parse(grpoOnlyManifest("per-iteration", { loop: "stages" }));
    const events: RunEvent[] = [];
    await runLocal(m, { store, onEvent: (e) => events.push(e) });
    const done = events.filter((e) => e.type === "done").map(visitKey);
    expect(done.filter((k) => k.startsWith("grpo"))).toEqual(
      [0, 1].flatMap((i) =>
        ["grpo-rollout", "grpo-score", "grpo-update", "grpo-curriculum"].map((id) => `${id}#${i}`),
      ),
    );
    const perIteration = runLayout(store, "per-iteration");
    expect(existsSync(join(perIteration.stage("grpo-update", 1), "model", "config.json"))).toBe(true);
  });

  it("a missing data set fails at validate, naming the file; nothing else runs", async () => {
    const bad = Manifest.parse(
      miniManifest("missing-data", {
        datasets: [{ name: "g", source: "gsm8k", uri: "/nonexistent/train.jsonl", role: "both" }],
      }),
    );
    const err = await runLocal(bad, { store }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StageFailed);
    expect((err as StageFailed).stageId).toBe("validate");
    expect((err as Error).message).toMatch(/^stage validate failed: /);
    expect((err as Error).message).toContain("datasets[0].uri: not found: /nonexistent/train.jsonl");
    const status = JSON.parse(readFileSync(runLayout(store, "missing-data").status, "utf8"));
    expect(status).toMatchObject({ status: "failed", stage: "validate" });
    expect(existsSync(runLayout(store, "missing-data").stage("ingest"))).toBe(false);
  });

  it("a data set in the wrong format fails at ingest with its file and line; validate's output stays", async () => {
    const wrong = Manifest.parse(
      miniManifest("wrong-format", {
        datasets: [{ name: "m", source: "gsm8k", uri: join(DATA, "math500/test.jsonl"), role: "both" }],
      }),
    );
    const err = await runLocal(wrong, { store }).catch((e: unknown) => e);
    expect((err as StageFailed).stageId).toBe("ingest");
    expect((err as Error).message).toMatch(
      /data set "m": none of its 500 rows could be read as gsm8k \(first: .*test\.jsonl:1: /,
    );
    const wrongLayout = runLayout(store, "wrong-format");
    expect(existsSync(join(wrongLayout.stage("validate"), "_SUCCESS"))).toBe(true);
    expect(existsSync(join(wrongLayout.stage("ingest"), "_SUCCESS"))).toBe(false);
  });

  it("a failed block job's status.json and error name the block and its iterations alike", {
    timeout: 300_000,
  }, async () => {
    // 4 iterations in blocks of 2: block 0 runs iterations 0-1; its worker finds no model and fails.
    const grpo = grpoOnlyManifest("bad-model", { iterations: 4, iterationsPerJob: 2 });
    const m = Manifest.parse({ ...grpo, model: { ...grpo.model, base: "/nonexistent/model" } });
    const err = await runLocal(m, { store }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StageFailed);
    expect([(err as StageFailed).stageId, (err as StageFailed).iteration]).toEqual(["grpo-block", 0]);
    // What `r1flow run` prints: the visit in status.json's words, then the cause and the worker's log.
    const log = join(runLayout(store, "bad-model").stage("grpo-block", 0), "worker.log");
    expect((err as Error).message).toMatch(/^stage grpo-block \[block 0, iter 0-1\] failed: worker exited/);
    expect((err as Error).message).toContain("model directory /nonexistent/model does not exist");
    expect((err as Error).message.endsWith(`\n  log: ${log}`)).toBe(true);
    expect(JSON.parse(readFileSync(runLayout(store, "bad-model").status, "utf8"))).toMatchObject({
      status: "failed",
      stage: "grpo-block",
      visit: "grpo-block [block 0, iter 0-1]",
      cause: expect.stringContaining("/nonexistent/model"),
    });
  });

  it("an unwritable store is a clear error and marks nothing complete", async () => {
    const err = await runLocal(manifest, { store: "/etc/hostname/store" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/\/etc\/hostname\/store/);
  });
});
