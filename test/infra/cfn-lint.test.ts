/**
 * cfn-lint (from the worker lock, in .venv) over the synthesized template, written to a temporary
 * cloud assembly as `cdk synth` writes it: no error-level finding (CloudFormation's resource specs,
 * value ranges, references). Warnings are listed, not failed: CDK's own W3005 (DependsOn already
 * implied by a GetAtt) is among them.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/constructs/worker-jobs.ts";
import { synthesized } from "./fixture.ts";

const CFN_LINT = join(REPO_ROOT, ".venv/bin/cfn-lint");

interface Finding {
  Level: string;
  Rule: { Id: string };
  Message: string;
  Location: { Path: (string | number)[] };
}

let findings: Finding[] = [];

beforeAll(() => {
  if (!existsSync(CFN_LINT))
    throw new Error(`${CFN_LINT} is missing: run scripts/install.sh (locks/worker-cpu.txt)`);
  const { app, stack } = synthesized();
  const template = app.synth().getStackByName(stack.stackName).templateFullPath;
  let out: string;
  try {
    out = execFileSync(CFN_LINT, ["--format", "json", template], { encoding: "utf8" });
  } catch (err) {
    // Exit status is a bit mask (2 errors, 4 warnings, 8 informational); the findings are on stdout.
    const e = err as { status?: number; stdout?: string; stderr?: string };
    if (!e.stdout) throw new Error(`cfn-lint failed (exit ${e.status}): ${e.stderr}`);
    out = e.stdout;
  }
  findings = JSON.parse(out) as Finding[];
}, 300_000);

describe("cfn-lint over the synthesized template", () => {
  it("finds no errors", () => {
    const errors = findings
      .filter((f) => f.Level === "Error")
      .map((f) => `${f.Rule.Id} ${f.Location.Path.join("/")}: ${f.Message}`);
    expect(errors).toEqual([]);
  });

  it("ran over the whole template (it reports CDK's implied-dependency warnings)", () => {
    expect(findings.filter((f) => f.Rule.Id === "W3005").length).toBeGreaterThan(5);
  });
});
