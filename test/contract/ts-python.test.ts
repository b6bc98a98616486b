/**
 * The TS ↔ Python table contract, both ways, through each side's real code: tables written by the
 * TypeScript writer are read and validated by the worker (`python -m r1worker check-table`), and tables
 * the worker writes (`write-sample`) are read by the TypeScript reader and pass every row's zod schema.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readRows } from "../../functions/io/arrow-read.ts";
import { writeTable } from "../../functions/io/arrow-write.ts";
import { stageHash } from "../../functions/io/commit.ts";
import { TABLES } from "../../schemas/tables/index.ts";
import { makeRows } from "../io/fixtures.ts";

const REPO = join(import.meta.dirname, "../..");
const PYTHON = join(REPO, ".venv/bin/python");

function worker(args: string[]): { code: number; stdout: string; stderr: string } {
  const res = spawnSync(PYTHON, ["-m", "r1worker", ...args], {
    cwd: join(REPO, "gpu-worker"),
    encoding: "utf8",
  });
  return { code: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}

describe("TS ↔ Python table contract", () => {
  const dir = mkdtempSync(join(tmpdir(), "r1flow-contract-"));

  it("the worker's virtual environment exists (scripts/setup-python.sh)", () => {
    expect(existsSync(PYTHON)).toBe(true);
  });

  for (const [name, table] of Object.entries(TABLES)) {
    it(`${name}: written by TypeScript, read and validated by Python`, async () => {
      const uri = join(dir, `ts-${name}.arrow`);
      await writeTable(uri, table, makeRows(table, 37), { batchRows: 16 });
      const res = worker(["check-table", uri, "--table", name]);
      expect(res.stderr).toBe("");
      expect(res.code).toBe(0);
      expect(JSON.parse(res.stdout)).toMatchObject({ table: name, rows: 37 });
    });

    it(`${name}: written by Python, read by TypeScript, every row valid`, async () => {
      const uri = join(dir, `py-${name}.arrow`);
      const res = worker(["write-sample", "--table", name, "--out", uri, "--rows", "23", "--seed", "5"]);
      expect(res.code, res.stderr).toBe(0);
      let rows = 0;
      for await (const row of readRows(uri, table)) {
        const parsed = table.row.safeParse(row);
        expect(parsed.success, `${name} row ${rows}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
        rows++;
      }
      expect(rows).toBe(23);
    });
  }

  it("the _SUCCESS hash of the same spec is the same on both sides", () => {
    const parts = [
      { stage: "sft", settings: { lr: 1e-5, epochs: 2, ratio: 0.1, name: "é✓" } },
      ["a", 3, null, true],
    ];
    const code = `import json, sys; from r1worker.io.commit import stage_hash; print(stage_hash(*json.loads(sys.argv[1])))`;
    const res = spawnSync(PYTHON, ["-c", code, JSON.stringify(parts)], {
      cwd: join(REPO, "gpu-worker"),
      encoding: "utf8",
    });
    expect(res.stderr).toBe("");
    expect(res.stdout.trim()).toBe(stageHash(parts));
  });

  it("a table of the wrong schema is refused by Python naming the column and both types", async () => {
    const uri = join(dir, "wrong.arrow");
    await writeTable(uri, TABLES.rollouts, makeRows(TABLES.rollouts, 3));
    const res = worker(["check-table", uri, "--table", "scored_rollouts"]);
    expect(res.code).toBe(4);
    expect(res.stderr).toContain(uri);
    expect(res.stderr).toMatch(/column "?extracted_answer"?/);
  });
});
