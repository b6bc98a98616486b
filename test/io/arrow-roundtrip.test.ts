import { afterAll, describe, expect, it } from "vitest";
import { readRows, readShardRows, readShards } from "../../functions/io/arrow-read.ts";
import { ShardedWriter, writeTable } from "../../functions/io/arrow-write.ts";
import { joinUri as join } from "../../recipe/uri.ts";
import { TABLES } from "../../schemas/tables/index.ts";
import { makeRows, tokenRow } from "./fixtures.ts";
import { tempDir } from "./helpers.ts";

const { dir, cleanup } = tempDir();
afterAll(cleanup);

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("Arrow write → read round trip", () => {
  for (const [name, def] of Object.entries(TABLES)) {
    it(`${name}: rows with nulls and empty lists come back equal (small batches, deltas)`, async () => {
      const rows = makeRows(def, 23);
      for (const row of rows) def.row.parse(row); // the fixture itself is valid
      const uri = join(dir, "tables", `${name}.arrow`);
      const info = await writeTable(uri, def, rows, { batchRows: 5, validate: true });
      expect(info.rows).toBe(23);
      expect(await collect(readRows(uri, def))).toEqual(rows);
    });
  }

  it("an empty table is a valid file with the schema and 0 rows", async () => {
    const uri = join(dir, "empty.arrow");
    await writeTable(uri, TABLES.rollouts, []);
    expect(await collect(readRows(uri, TABLES.rollouts))).toEqual([]);
    const w = new ShardedWriter(join(dir, "empty-shards"), TABLES.problems);
    const shards = await w.close();
    expect(shards.map((s) => s.rows)).toEqual([0]);
    expect(await collect(readShardRows(join(dir, "empty-shards"), TABLES.problems))).toEqual([]);
  });

  it("validate names the table, the row number and the field path", async () => {
    const rows = makeRows(TABLES.step_labels, 4);
    (rows[2] as Record<string, unknown>).labels = [0, 5];
    const err = await writeTable(join(dir, "bad.arrow"), TABLES.step_labels, rows, { validate: true }).catch(
      (e) => e,
    );
    expect(err.message).toMatch(
      /^step_labels row 2: 1 problem\n {2}labels\[1\]: Too big: expected number to be <=1, got 5/,
    );
  });

  it("without validate, a value of the wrong kind still names table, row and column", async () => {
    const rows = makeRows(TABLES.problems, 10);
    (rows[7] as Record<string, unknown>).question = null;
    await expect(
      writeTable(join(dir, "bad2.arrow"), TABLES.problems, rows, { batchRows: 4 }),
    ).rejects.toThrow("problems row 7: question: expected utf8, got null");
  });
});

describe("typed-array rows", () => {
  it("list columns take Int32Array/Float32Array/Int8Array values, validated as number arrays", async () => {
    const rows = makeRows(TABLES.rollouts, 9);
    const typed = rows.map((r) => ({
      ...r,
      completion_token_ids: Int32Array.from(r.completion_token_ids),
      logprobs: Float32Array.from(r.logprobs),
    }));
    const uri = join(dir, "typed.arrow");
    await writeTable(uri, TABLES.rollouts, typed, { batchRows: 4, validate: true });
    expect(await collect(readRows(uri, TABLES.rollouts))).toEqual(rows);
    const labels = makeRows(TABLES.step_labels, 5).map((r) => ({ ...r, labels: Int8Array.from(r.labels) }));
    const w = new ShardedWriter(join(dir, "typed-shards"), TABLES.step_labels, {
      maxRows: 2,
      validate: true,
    });
    await w.writeBatch(labels);
    expect((await w.close()).map((s) => s.rows)).toEqual([2, 2, 1]);
    expect(await collect(readShardRows(join(dir, "typed-shards"), TABLES.step_labels))).toEqual(
      makeRows(TABLES.step_labels, 5),
    );
  });

  it("a bad list value names the row and column, and the writer stays usable", async () => {
    const rows = makeRows(TABLES.rollouts, 6);
    const w = new ShardedWriter(join(dir, "bad-list"), TABLES.rollouts, { batchRows: 4 });
    await w.write(rows[0]!);
    await expect(w.write({ ...rows[1]!, logprobs: 7 as never })).rejects.toThrow(
      "rollouts row 1: logprobs: expected list<float32>, got 7",
    );
    for (const r of rows.slice(1)) await w.write(r);
    await w.close();
    expect(await collect(readShardRows(join(dir, "bad-list"), TABLES.rollouts))).toEqual(rows);
  });
});

describe("ShardedWriter", () => {
  it("cuts shards at the row cap, exactly", async () => {
    const prefix = join(dir, "by-rows");
    const w = new ShardedWriter(prefix, TABLES.sft_examples, { maxRows: 10, batchRows: 4 });
    const rows = makeRows(TABLES.sft_examples, 25);
    await w.writeBatch(rows);
    const shards = await w.close();
    expect(shards.map((s) => s.rows)).toEqual([10, 10, 5]);
    expect(await readShards(prefix)).toEqual(
      ["part-00000.arrow", "part-00001.arrow", "part-00002.arrow"].map((n) => join(prefix, n)),
    );
    expect(await collect(readShardRows(prefix, TABLES.sft_examples))).toEqual(rows);
  });

  it("cuts shards at the byte cap, passing it by less than one batch", async () => {
    const prefix = join(dir, "by-bytes");
    const maxBytes = 256 << 10;
    const w = new ShardedWriter(prefix, TABLES.rollouts, { maxBytes, batchRows: 64 });
    const rows = Array.from({ length: 600 }, (_, i) => tokenRow(i, 100)) as never[];
    await w.writeBatch(rows);
    const shards = await w.close();
    expect(shards.length).toBeGreaterThan(2);
    const perRow = shards[0]!.bytes / shards[0]!.rows;
    for (const s of shards) expect(s.bytes).toBeLessThan(maxBytes + 64 * perRow);
    for (const s of shards.slice(0, -1)) expect(s.bytes).toBeGreaterThanOrEqual(maxBytes * 0.9);
    expect(shards.reduce((n, s) => n + s.rows, 0)).toBe(600);
    const back = await collect(readShardRows(prefix, TABLES.rollouts));
    expect(back.map((r) => r.id)).toEqual(rows.map((r) => (r as { id: string }).id));
    expect(back[599]!.completion_token_ids).toEqual(
      (rows[599] as unknown as { completion_token_ids: number[] }).completion_token_ids,
    );
  });
});
