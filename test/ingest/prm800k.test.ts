import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  Prm800kRecord,
  prm800kRatingCounts,
  prm800kStepLabels,
  type StepLabelRow,
} from "../../functions/ingest/index.ts";
import { stepLabels } from "../../schemas/tables/step-labels.ts";
import { DATA, tempFile } from "./data.ts";

const FILE = path.join(DATA, "prm800k_samples/samples.jsonl");

async function collect(file: string): Promise<StepLabelRow[]> {
  const out: StepLabelRow[] = [];
  for await (const row of prm800kStepLabels(file)) out.push(row);
  return out;
}

describe("prm800kStepLabels", () => {
  it("ratings per record match SOURCE.md's table (+1/0/−1/null)", () => {
    const records = readFileSync(FILE, "utf8")
      .trim()
      .split("\n")
      .map((l) => Prm800kRecord.parse(JSON.parse(l)));
    expect(records.map((r) => [r.label.steps.length, prm800kRatingCounts(r), r.label.finish_reason])).toEqual(
      [
        [6, { pos: 8, zero: 1, neg: 5, nulls: 0 }, "solution"],
        [30, { pos: 21, zero: 35, neg: 51, nulls: 7 }, "give_up"],
        [6, { pos: 8, zero: 8, neg: 11, nulls: 0 }, "solution"],
        [7, { pos: 8, zero: 1, neg: 1, nulls: 0 }, "found_error"],
      ],
    );
  });

  it("gives one row per record: the followed trajectory and its labels", async () => {
    const rows = await collect(FILE);
    expect(rows).toHaveLength(4);
    for (const r of rows) {
      stepLabels.row.parse(r);
      expect(r.labels).toHaveLength(r.steps.length);
      expect(r.origin).toBe("human");
    }
    expect(rows.map((r) => r.id)).toEqual([0, 1, 2, 3].map((n) => `prm800k/samples/${n}`));
    // Human-written steps (record 1 step 2, record 3 steps 1 and 5) carry no rating → 0.
    expect(rows[0]!.labels).toEqual([1, 0, 1, 1, 1, 1]);
    expect(rows[0]!.steps[1]).toBe("We have $3p+e=1.24$ and $5p+e=1.82$.");
    expect(rows[2]!.labels).toEqual([0, 1, 1, 1, 0, 1]);
    // give_up: the last step has no continuation and no rating → dropped (30 → 29 steps).
    expect(rows[1]!.steps).toHaveLength(29);
    expect(rows[1]!.labels.filter((l) => l === -1)).toHaveLength(0);
    // Phase 2 found_error: the pre-generated step judged −1 ends the trajectory.
    expect(rows[3]!.labels).toEqual([1, 0, 1, 1, 1, 1, -1]);
    expect(rows[3]!.steps[6]).toMatch(
      /^For the Democrats, there are 5! ways to order them in a line, but only half/,
    );
    expect(rows[3]!.prompt).toMatch(/^A Senate committee has 5 Democrats/);
    expect(new Set(rows.map((r) => r.problem_id)).size).toBe(4);
  });

  it("throws on a malformed record, naming file and line", async () => {
    const file = tempFile(
      "phase1_train.jsonl",
      `${readFileSync(FILE, "utf8").split("\n")[0]}\n{"question": {}}\n`,
    );
    await expect(collect(file)).rejects.toThrow(new RegExp(`^${file.replaceAll("/", "\\/")}:2: `));
  });
});
