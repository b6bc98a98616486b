/**
 * The score Lambda's path on one rollouts shard, for the scoring child's equality tests: runs the
 * stage's own `scoreShard` (read Arrow → createScorer → write `scored_rollouts` Arrow).
 *
 *   node --import tsx test/score/child-reference.ts <rollouts.arrow> <out dir> '<ScoreSettings JSON>'...
 *
 * Scores the shard once per settings (into `<out dir>/<i>/`) and prints a JSON list of the written
 * shards' `{"uri", "summary"}` (one node start for several settings: mathjs takes seconds to load). The pytest of `r1worker/rollout/ts_scorer.py`
 * runs it on a file the worker wrote; child.test.ts imports `referenceScore`.
 */
import { pathToFileURL } from "node:url";
import { ScoreSettings } from "../../functions/score/protocol.ts";
import type { StageContext } from "../../functions/stages/context.ts";
import { scoreShard } from "../../functions/stages/score.ts";
import { Manifest } from "../../schemas/index.ts";

export async function referenceScore(shard: string, dir: string, settingsJson: unknown) {
  const settings = ScoreSettings.parse(settingsJson);
  const manifest = Manifest.parse({
    runId: "child-reference",
    model: { base: "builtin:tiny" },
    datasets: [{ name: "arithmetic", source: "arithmetic" }],
    rewards: settings.rewards,
    stages: { grpo: settings.grpo },
  });
  // scoreShard reads the manifest and the stage directory only; no run layout is needed here.
  const ctx = { manifest, dir } as unknown as StageContext;
  return scoreShard(ctx, shard);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [shard, dir, ...settings] = process.argv.slice(2);
  if (!shard || !dir || settings.length === 0) {
    process.stderr.write("usage: child-reference.ts <rollouts.arrow> <out dir> '<ScoreSettings JSON>'...\n");
    process.exit(2);
  }
  const results = [];
  for (const [i, s] of settings.entries())
    results.push(await referenceScore(shard, `${dir}/${i}`, JSON.parse(s)));
  process.stdout.write(`${JSON.stringify(results)}\n`);
}
