import { describe, expect, it } from "vitest";
import { parseManifest } from "../../recipe/manifest-io.ts";
import { SchemaError } from "../../schemas/errors.ts";
import { grpoLoopMode } from "../../schemas/manifest.ts";
import { iterationsPerJob } from "../../schemas/settings/worker-stages.ts";

const minimal = {
  runId: "demo",
  model: { base: "builtin:tiny" },
  datasets: [{ name: "a", source: "arithmetic" }],
};

function problemsOf(text: string): string[] {
  try {
    parseManifest(text, "m.json");
  } catch (error) {
    expect(error).toBeInstanceOf(SchemaError);
    return (error as SchemaError).problems;
  }
  throw new Error("expected the manifest to be refused");
}

describe("manifest", () => {
  it("fills the paper defaults into a minimal manifest", () => {
    const m = parseManifest(JSON.stringify(minimal), "m.json");
    expect(m.stages.grpo.groupSize).toBe(16); // R1: 16 samples per question
    expect(m.stages.grpo.klCoef).toBe(0.001); // R1: KL coefficient 0.001
    expect(m.stages.grpo.learningRate).toBe(3e-6); // R1: 3e-6
    expect(m.stages.grpo.innerEpochs).toBe(1); // DeepSeekMath: a single update per exploration
    expect(m.stages.eval.temperature).toBe(0.6); // R1 evaluation sampling
    expect(m.stages.eval.topP).toBe(0.95);
    expect(m.stages.reward.learningRate).toBe(2e-5); // DeepSeekMath reward model
    expect(m.rewards).toMatchObject({ accuracy: 1, format: 1 });
    expect(m.stages.sft.enabled).toBe(true);
    expect(m.datasets[0]).toMatchObject({ role: "train", seed: 0 });
  });

  it("lists every problem with its JSON path and the value found", () => {
    const bad = {
      ...minimal,
      runId: "Bad_Id",
      stages: { grpo: { groupSize: 1, clipEps: "0.2" }, sft: { epoch: 2 } },
      extra: true,
    };
    const problems = problemsOf(JSON.stringify(bad));
    expect(problems).toContain("stages.grpo.groupSize: expected an integer ≥ 2 (GRPO needs a group), got 1");
    expect(
      problems.some((p) => p.startsWith('stages.grpo.clipEps: expected number, received string, got "0.2"')),
    ).toBe(true);
    expect(problems).toContain('stages.sft: unknown key "epoch"');
    expect(problems).toContain('(root): unknown key "extra"');
    expect(problems.some((p) => p.startsWith("runId: expected lowercase letters"))).toBe(true);
    expect(problems).toHaveLength(5);
  });

  it("names a missing required field", () => {
    const problems = problemsOf(JSON.stringify({ runId: "x", datasets: [] }));
    expect(problems).toContain("model: expected object, received undefined, got nothing (required)");
    expect(problems).toContain("datasets: expected at least one data set, got []");
  });

  it("refuses more iterations per job than iterations, naming the path and the bound", () => {
    const stages = { grpo: { iterations: 6, iterationsPerJob: 7 } };
    const problems = problemsOf(JSON.stringify({ ...minimal, stages }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^stages\.grpo\.iterationsPerJob: expected at most iterations \(6\) iterations per job, got 7$/,
    );
    const ok = parseManifest(
      JSON.stringify({ ...minimal, stages: { grpo: { iterations: 6, iterationsPerJob: 6 } } }),
      "m.json",
    );
    expect(iterationsPerJob(ok.stages.grpo)).toBe(6);
    expect(iterationsPerJob(parseManifest(JSON.stringify(minimal), "m.json").stages.grpo)).toBe(8); // 100 iterations
    const short = parseManifest(
      JSON.stringify({ ...minimal, stages: { grpo: { iterations: 4 } } }),
      "m.json",
    );
    expect(iterationsPerJob(short.stages.grpo)).toBe(4); // absent: min(8, iterations)
  });

  it("picks the GRPO loop: block by default, stages where the block cannot run, and refuses a block it cannot run", () => {
    const parse = (extra: object) => parseManifest(JSON.stringify({ ...minimal, ...extra }), "m.json");
    expect(grpoLoopMode(parse({}))).toBe("block");
    expect(grpoLoopMode(parse({ compute: { gpusPerNode: 8 } }))).toBe("stages");
    // The block loads the reward model once per block, so a learned reward keeps the block loop,
    // and a manifest asking for the block with one parses.
    expect(grpoLoopMode(parse({ rewards: { rewardModel: 0.5 } }))).toBe("block");
    expect(grpoLoopMode(parse({ rewards: { rewardModel: 0.5 }, stages: { grpo: { loop: "block" } } }))).toBe(
      "block",
    );
    expect(grpoLoopMode(parse({ rewards: { rewardModel: 0.5 }, compute: { gpusPerNode: 8 } }))).toBe(
      "stages",
    );
    expect(grpoLoopMode(parse({ compute: { gpusPerNode: 8 }, stages: { grpo: { loop: "stages" } } }))).toBe(
      "stages",
    );

    const refused = problemsOf(
      JSON.stringify({ ...minimal, compute: { nodes: 2 }, stages: { grpo: { loop: "block" } } }),
    );
    expect(refused).toEqual([
      expect.stringMatching(
        /^stages\.grpo\.loop: this manifest needs per-iteration stages \(.*one GPU, and compute asks for 1 GPU\(s\) per node × 2 node\(s\)\)/,
      ),
    ]);
    const dynamic = problemsOf(
      JSON.stringify({
        ...minimal,
        stages: { grpo: { loop: "stages", dynamicSampling: { enabled: true } } },
      }),
    );
    expect(dynamic).toEqual([
      expect.stringMatching(
        /^stages\.grpo\.dynamicSampling\.enabled: .*block loop only.*\(stages\.grpo\.loop is "stages"\)/,
      ),
    ]);
    const refresh = problemsOf(
      JSON.stringify({
        ...minimal,
        stages: { grpo: { iterations: 16, iterationsPerJob: 4, refreshReferenceEvery: 6 } },
      }),
    );
    expect(refresh).toEqual([
      expect.stringMatching(
        /^stages\.grpo\.refreshReferenceEvery: .*expected a multiple of 4 \(iterationsPerJob\), got 6$/,
      ),
    ]);
    expect(
      parse({ stages: { grpo: { iterations: 16, iterationsPerJob: 4, refreshReferenceEvery: 8 } } }),
    ).toBeTruthy();
  });

  it("refuses a learned-reward weight when no reward model is trained", () => {
    const off = problemsOf(
      JSON.stringify({ ...minimal, rewards: { rewardModel: 0.5 }, stages: { reward: { enabled: false } } }),
    );
    expect(off).toEqual([
      expect.stringMatching(
        /^rewards\.rewardModel: weighs a learned reward \(0\.5\), but stages\.reward\.enabled is false/,
      ),
    ]);
    const unweighted = { ...minimal, rewards: { rewardModel: 0 }, stages: { reward: { enabled: false } } };
    expect(parseManifest(JSON.stringify(unweighted), "m.json").rewards.rewardModel).toBe(0);
  });

  it("reports JSON syntax errors with line and column", () => {
    const problems = problemsOf('{\n  "runId": "x",\n  oops\n}');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^not valid JSON at line 3, column 3/);
  });
});
