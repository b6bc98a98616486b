import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { r1flow } from "./run-cli.ts";

describe("r1flow verify (the real command)", () => {
  it("writes one result per input line, in order, with malformed lines reported", () => {
    const dir = mkdtempSync(join(tmpdir(), "r1flow-verify-"));
    const input = join(dir, "cases.jsonl");
    const output = join(dir, "results.jsonl");
    const cases = [
      { gold: "1,080", pred: "She pays 1080 dollars.\n#### 1080" },
      { gold: "\\frac{\\sqrt{3}}{2}", pred: "<think>…</think> so $\\boxed{\\dfrac{\\sqrt3}{2}}$" },
      { gold: "(1,2)", pred: "\\boxed{(2,1)}", answerType: "math" },
      { gold: "C", pred: "The answer is (C).", answerType: "choice", id: 7 },
    ];
    writeFileSync(input, `${cases.map((c) => JSON.stringify(c)).join("\n")}\n{"gold": 3}\n`);
    const res = r1flow(["verify", "--input", input, "--output", output]);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain("verified 5 lines: 3 equivalent (60.0%), 1 malformed");
    const out = readFileSync(output, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(out.map((o) => o.equivalent)).toEqual([true, true, false, true, false]);
    expect(out[0]).toMatchObject({ gold: "1,080", extracted: "1080", rule: "hash" });
    expect(out[3]).toMatchObject({ id: 7, extracted: "C" });
    expect(out[4]).toMatchObject({ rule: "bad-input", extracted: null });
    expect(out[4].error).toMatch(/^line 5: /);
  });

  it("names a missing input and leaves no output behind", () => {
    const dir = mkdtempSync(join(tmpdir(), "r1flow-verify-"));
    const res = r1flow(["verify", "--input", join(dir, "nope.jsonl"), "--output", join(dir, "out.jsonl")]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`input not found: ${join(dir, "nope.jsonl")}`);
    expect(existsSync(join(dir, "out.jsonl"))).toBe(false);
  });
});
