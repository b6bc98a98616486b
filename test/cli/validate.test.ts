import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { r1flow } from "./run-cli.ts";

function manifestFile(content: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "r1flow-validate-"));
  const file = join(dir, "manifest.json");
  writeFileSync(file, content);
  return { dir, file };
}

const good = {
  runId: "demo",
  model: { base: "builtin:tiny" },
  datasets: [
    { name: "arith", source: "arithmetic", count: 100 },
    { name: "held-out", source: "arithmetic", count: 20, seed: 1, role: "eval" },
  ],
};

describe("r1flow validate (the real command)", () => {
  it("accepts a valid manifest and writes nothing", () => {
    const { dir, file } = manifestFile(JSON.stringify(good));
    const res = r1flow(["validate", file]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('valid — run "demo", 2 data set(s)');
    // The default 100 iterations in the block loop: ⌈100 / 8⌉ jobs.
    expect(res.stdout).toContain("GRPO iterations: 100 (block loop: 13 job(s) of up to 8 iterations)");
    expect(readdirSync(dir)).toEqual(["manifest.json"]);
  });

  it("lists every problem with its JSON path, exit 1, nothing written", () => {
    const bad = { ...good, stages: { grpo: { groupSize: 1 }, eval: { temprature: 0.6 } } };
    const { dir, file } = manifestFile(JSON.stringify(bad));
    const res = r1flow(["validate", file]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("2 problems");
    expect(res.stderr).toContain(
      "stages.grpo.groupSize: expected an integer ≥ 2 (GRPO needs a group), got 1",
    );
    expect(res.stderr).toContain('stages.eval: unknown key "temprature"');
    expect(readdirSync(dir)).toEqual(["manifest.json"]);
  });

  it("reports JSON that does not parse with its line", () => {
    const { file } = manifestFile('{\n "runId": "x",,\n}');
    const res = r1flow(["validate", file]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/not valid JSON at line 2/);
  });

  it("refuses a manifest the run would refuse: nothing to evaluate, a generated set without a count", () => {
    const { file } = manifestFile(
      JSON.stringify({ ...good, datasets: [{ name: "arith", source: "arithmetic" }] }),
    );
    const res = r1flow(["validate", file]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("datasets[0].count: the arithmetic generator needs a row count");
    expect(res.stderr).toContain("datasets: evaluation is on but no data set has role eval or both");
  });

  it("names a missing manifest and a data set file that is not there", () => {
    const missing = r1flow(["validate", "/nonexistent/manifest.json"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("/nonexistent/manifest.json");
    const { file } = manifestFile(
      JSON.stringify({
        ...good,
        datasets: [{ name: "g", source: "gsm8k", uri: "/nonexistent/train.jsonl" }],
      }),
    );
    const res = r1flow(["validate", file]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("datasets[0].uri: not found: /nonexistent/train.jsonl");
  });

  it("has --help for every command", () => {
    for (const command of ["validate", "ingest", "verify"]) {
      const res = r1flow([command, "--help"]);
      expect(res.code, command).toBe(0);
      expect(res.stdout).toContain(`Usage: r1flow ${command}`);
    }
    expect(r1flow(["--help"]).stdout).toMatch(/Commands:[\s\S]*validate[\s\S]*ingest[\s\S]*verify/);
  });
});

describe("the example manifests", () => {
  for (const example of ["tiny-arithmetic.json", "gsm8k-math.json"]) {
    it(`examples/${example} is valid`, () => {
      const res = r1flow(["validate", join(import.meta.dirname, "../../examples", example)]);
      expect(res.stderr).toBe("");
      expect(res.code).toBe(0);
    });
  }
});
