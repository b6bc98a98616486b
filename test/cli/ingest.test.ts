import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readShardRows } from "../../functions/io/arrow-read.ts";
import { readSuccess } from "../../functions/io/commit.ts";
import { problems } from "../../schemas/tables/problems.ts";
import { DATA, r1flow } from "./run-cli.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "r1flow-ingest-"));

async function countRows(prefix: string): Promise<number> {
  let n = 0;
  for await (const _ of readShardRows(prefix, problems)) n++;
  return n;
}

describe("r1flow ingest (the real command)", () => {
  it("writes GSM8K test as problems shards with _SUCCESS, row count equal to the file's", async () => {
    const out = join(tmp(), "gsm8k");
    const res = r1flow([
      "ingest",
      "gsm8k",
      join(DATA, "gsm8k/test.jsonl"),
      "--out",
      out,
      "--shard-rows",
      "500",
    ]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("gsm8k test: 1319 rows, 0 skipped → 3 shard(s)");
    expect(readdirSync(out).sort()).toEqual([
      "_SUCCESS",
      "part-00000.arrow",
      "part-00001.arrow",
      "part-00002.arrow",
    ]);
    expect(await countRows(out)).toBe(1319);
    expect((await readSuccess(out))?.stage).toBe("ingest");
  });

  it("generates the arithmetic curriculum across all five levels", async () => {
    const out = join(tmp(), "arith");
    const res = r1flow(["ingest", "arithmetic", "--count", "50", "--seed", "3", "--out", out]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("levels L1:10 L2:10 L3:10 L4:10 L5:10");
    const rows = [];
    for await (const row of readShardRows(out, problems)) rows.push(row);
    expect(rows).toHaveLength(50);
    expect(rows.every((r) => r.reasoning?.startsWith("<think>"))).toBe(true);
  });

  it("takes a relative --out and input against the working directory", async () => {
    const cwd = tmp();
    const input = join(cwd, "in.jsonl");
    writeFileSync(input, `${JSON.stringify({ question: "What is 2 + 3?", answer: "2 + 3 = 5\n#### 5" })}\n`);
    const res = r1flow(["ingest", "gsm8k", "in.jsonl", "--out", "rel/g"], {}, 120_000, cwd);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(await countRows(join(cwd, "rel/g"))).toBe(1);
    expect((await readSuccess(join(cwd, "rel/g")))?.stage).toBe("ingest");
  });

  it("skips and reports bad rows with file and line; --strict fails and commits nothing", async () => {
    const dir = tmp();
    const input = join(dir, "train.jsonl");
    writeFileSync(
      input,
      [
        JSON.stringify({ question: "What is 1+1?", answer: "#### 2" }),
        "{not json",
        JSON.stringify({ question: "What is 2+2?" }),
        JSON.stringify({ question: "What is 3+3?", answer: "#### 6" }),
      ].join("\n"),
    );
    const lenient = r1flow(["ingest", "gsm8k", input, "--out", join(dir, "ok")]);
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toContain("2 rows, 2 skipped");
    expect(lenient.stdout).toContain(`skipped ${input}:2: not JSON`);
    expect(lenient.stdout).toMatch(new RegExp(`skipped ${input}:3: `));

    const strictOut = join(dir, "strict");
    const strict = r1flow(["ingest", "gsm8k", input, "--out", strictOut, "--strict"]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain(`${input}:2: not JSON`);
    expect(existsSync(join(strictOut, "_SUCCESS"))).toBe(false);
    expect(existsSync(strictOut) ? readdirSync(strictOut) : []).toEqual([]);
  });

  it("names a missing input file", () => {
    const res = r1flow(["ingest", "math", "/nonexistent/math.jsonl", "--out", join(tmp(), "x")]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("/nonexistent/math.jsonl");
  });

  it("refuses a missing --count for arithmetic and an unknown source", () => {
    expect(r1flow(["ingest", "arithmetic", "--out", join(tmp(), "x")]).stderr).toContain(
      "--count <n> is required",
    );
    const unknown = r1flow(["ingest", "gsm9k", "x.jsonl", "--out", join(tmp(), "y")]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/Allowed choices are gsm8k, math/);
  });
});
