/**
 * The ingest stage: every data set of the manifest → `problems` under `ingest/train/<name>` and/or
 * `ingest/eval/<name>`, and the reference reasoning paths of the train sets → `ingest/sft`.
 */

import { problems } from "../../schemas/tables/problems.ts";
import { sftExamples } from "../../schemas/tables/sft-examples.ts";
import { sftExampleFromProblem } from "../ingest/sft.ts";
import { ingestToTable } from "../ingest/to-table.ts";
import { readShardRows } from "../io/arrow-read.ts";
import { ShardedWriter } from "../io/arrow-write.ts";
import type { StageFn } from "./context.ts";
import { evalDatasets, trainDatasets } from "./paths.ts";

export const ingestStage: StageFn = async (ctx) => {
  const { manifest, paths } = ctx;
  const outputs: Record<string, string[]> = {};
  const metrics: Record<string, number> = {};
  const warnings: string[] = [];
  const targets = [
    ...trainDatasets(manifest).map((d) => ({ d, out: paths.trainProblems(d.name), role: "train" })),
    ...evalDatasets(manifest).map((d) => ({ d, out: paths.evalProblems(d.name), role: "eval" })),
  ];
  let rows = 0;
  for (const { d, out, role } of targets) {
    const { report, shards } = await ingestToTable({
      source: d.source,
      input: d.uri,
      out,
      split: d.split,
      limit: d.source === "arithmetic" ? undefined : d.count,
      count: d.count,
      seed: d.seed,
      levels: d.levels,
    });
    if (report.rows === 0 && report.skipped > 0) {
      const first = report.badRows[0];
      throw new Error(
        `data set "${d.name}": none of its ${report.skipped} rows could be read as ${d.source} ` +
          `(first: ${first?.file}:${first?.line}: ${first?.reason}); is the source right?`,
      );
    }
    outputs[`${role}/${d.name}`] = shards.map((s) => s.uri);
    metrics[`${role}.${d.name}.rows`] = report.rows;
    rows += report.rows;
    if (report.skipped > 0) {
      const first = report.badRows[0];
      warnings.push(
        `${d.name}: ${report.skipped} bad rows skipped (first: ${first?.file}:${first?.line}: ${first?.reason})`,
      );
    }
    ctx.onProgress?.({ rows });
  }

  const sft = new ShardedWriter(paths.referenceSft, sftExamples, { maxRows: 50_000 });
  let sftRows = 0;
  for (const d of trainDatasets(manifest)) {
    for await (const problem of readShardRows(paths.trainProblems(d.name), problems)) {
      const example = sftExampleFromProblem(problem);
      if (example) {
        await sft.write(example);
        sftRows++;
      }
    }
  }
  outputs.sft = (await sft.close()).map((s) => s.uri);
  metrics["sft.rows"] = sftRows;
  if (sftRows === 0 && manifest.stages.sft.enabled) {
    warnings.push(
      "no train data set has reference reasoning paths: cold-start SFT has nothing to learn from",
    );
  }
  return { rowsOut: rows, outputs, metrics, warnings };
};
