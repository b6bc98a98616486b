/** The report stage's `report/summary.json` on a block-loop run: each block's iteration records beside its summary. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readJson, remove } from "../../functions/io/objects.ts";
import { stageContext } from "../../functions/stages/context.ts";
import { reportStage } from "../../functions/stages/report.ts";
import { runLayout } from "../../recipe/layout.ts";
import {
  BLOCK_MANIFEST,
  BLOCK_RUN,
  ITERATION_RECORDS,
  iterationDir,
  RL2_MANIFEST,
  RL2_RECORDS,
  RL2_RUN,
} from "./block-fixture.ts";
import { MANIFEST, RUN_ID, writeSyntheticRun } from "./fixture.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Entry {
  id: string;
  iteration: number | null;
  summary: { metrics?: Record<string, number> } | null;
  iterations?: unknown[];
}

async function report(manifest: typeof MANIFEST, before?: (root: string) => Promise<void>) {
  const store = mkdtempSync(join(tmpdir(), "r1flow-report-"));
  dirs.push(store);
  const variant = manifest === MANIFEST ? undefined : manifest === RL2_MANIFEST ? RL2_RUN : BLOCK_RUN;
  await writeSyntheticRun(store, variant ? { variant } : {});
  const layout = runLayout(store, RUN_ID);
  await before?.(store);
  const out = await reportStage(stageContext(manifest, layout, "report"));
  const json = (await readJson(out.outputs.summary as string)) as { stages: Entry[] };
  return { out, stages: json.stages, layout };
}

describe("report stage: summary.json", () => {
  it("holds every block's iteration records, in order, beside the block's summary", async () => {
    const { out, stages } = await report(BLOCK_MANIFEST);
    expect(out.metrics).toEqual({ stages: 19 });
    const blocks = stages.filter((s) => s.id === "grpo-block");
    expect(blocks.map((b) => [b.iteration, b.summary?.metrics?.kl])).toEqual([
      [0, 0.025],
      [1, 0.05],
    ]);
    expect(blocks[0]?.iterations).toEqual(ITERATION_RECORDS.slice(0, 2));
    expect(blocks[1]?.iterations).toEqual([ITERATION_RECORDS[2]]);
    // Only grpo-block entries carry iterations.
    expect(stages.filter((s) => "iterations" in s).map((s) => s.id)).toEqual(["grpo-block", "grpo-block"]);
  });

  it("RL round 2's blocks hold their records too", async () => {
    const { stages } = await report(RL2_MANIFEST);
    expect(stages.find((s) => s.id === "rl2-block")?.iterations).toEqual(RL2_RECORDS);
    expect(stages.filter((s) => s.id === "grpo-block").flatMap((s) => s.iterations)).toEqual(
      ITERATION_RECORDS,
    );
  });

  it("a missing iteration record is null in its place", async () => {
    const { stages } = await report(BLOCK_MANIFEST, async (store) => {
      const dir = iterationDir(runLayout(store, RUN_ID).stage("grpo-block", 0), 0);
      await remove(join(dir, "metrics.json"));
    });
    expect(stages.find((s) => s.id === "grpo-block")?.iterations).toEqual([null, ITERATION_RECORDS[1]]);
  });

  it("a per-iteration run's summary is one entry per visit, no iteration records", async () => {
    const { stages } = await report(MANIFEST);
    expect(stages).toHaveLength(23);
    expect(stages.filter((s) => s.id === "grpo-update").map((s) => s.summary?.metrics?.kl)).toEqual([
      0.0125, 0.025,
    ]);
    expect(stages.some((s) => "iterations" in s)).toBe(false);
  });
});
