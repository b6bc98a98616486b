/**
 * Time of the block curriculum Lambda (`grpo-block-curriculum`) for one block of K iterations with
 * dynamic sampling, over a generated train table, on the local store. Prints the time per block and
 * a digest of what the block wrote (batches, reserves, state, metrics), so two versions of the
 * curriculum can be compared for the same output. Asserts nothing.
 *
 *   npx tsx bench/block-curriculum.ts --problems 20000 --k 8
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readShardRows } from "../functions/io/arrow-read.ts";
import { readJson } from "../functions/io/objects.ts";
import { LAMBDA_STAGES, runStage, stageContext } from "../functions/stages/index.ts";
import { runLayout } from "../recipe/layout.ts";
import { Manifest } from "../schemas/manifest.ts";
import { problems } from "../schemas/tables/index.ts";
import { miniManifest } from "../test/pipeline/mini-manifest.ts";

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} expects a positive integer`);
  return value;
}
const count = arg("problems", 20_000);
const K = arg("k", 8);
const repeats = arg("repeats", 3);

const base = miniManifest("bench-block-curriculum");
const manifest = Manifest.parse({
  ...base,
  stages: {
    ...base.stages,
    curriculum: { batchSize: 64, replayShare: 0.2, nextLevelShare: 0.1, startLevel: 2, seed: 3 },
    grpo: {
      ...base.stages?.grpo,
      iterations: 2 * K,
      iterationsPerJob: K,
      dynamicSampling: { enabled: true, maxRounds: 2 },
    },
  },
  datasets: [{ name: "train", source: "arithmetic", count, seed: 1, levels: [1, 2, 3, 4, 5], role: "train" }],
});
const store = mkdtempSync(join(tmpdir(), "r1flow-bench-block-curriculum-"));
const layout = runLayout(store, manifest.runId);
const run = (stageId: string, iteration?: number) =>
  runStage(stageId, stageContext(manifest, layout, stageId, iteration), LAMBDA_STAGES.curriculum, {
    force: true,
  });

try {
  let t = performance.now();
  await runStage("ingest", stageContext(manifest, layout, "ingest"), LAMBDA_STAGES.ingest);
  console.log(
    `ingest of ${count.toLocaleString("en-US")} problems: ${((performance.now() - t) / 1000).toFixed(2)} s`,
  );
  await run("curriculum");
  await run("grpo-block-curriculum", 0);
  // Block 1: K batches and K reserves (block 0's iteration 0 is the initial curriculum's batch).
  const times: number[] = [];
  let summary: Awaited<ReturnType<typeof run>> | undefined;
  for (let r = 0; r < repeats; r++) {
    t = performance.now();
    summary = await run("grpo-block-curriculum", 1);
    times.push(performance.now() - t);
  }
  const digest = createHash("sha256");
  const ctx = stageContext(manifest, layout, "grpo-block-curriculum", 1);
  const written = [summary?.outputs.batch ?? [], summary?.outputs.reserve ?? []].flat();
  for (const uri of written) {
    for await (const p of readShardRows(uri.replace(/\/part-\d+\.arrow$/, ""), problems))
      digest.update(`${p.id}\n`);
    digest.update("--\n");
  }
  digest.update(JSON.stringify(await readJson(join(ctx.dir, "state.json"))));
  digest.update(JSON.stringify(summary?.metrics));
  const ms = times.map((x) => x.toFixed(0)).join(", ");
  console.log(`block of K=${K} with dynamic sampling (${repeats} runs): ${ms} ms`);
  console.log(`median ${[...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]?.toFixed(0)} ms`);
  console.log(`output digest ${digest.digest("hex").slice(0, 16)}`);
} finally {
  rmSync(store, { recursive: true, force: true });
}
