/**
 * One complete dictionary per column per file: enum columns stream with their whole dictionary,
 * open columns are held (within a bound) until their file's dictionary is complete, and the sink
 * refuses a dictionary that grows after the file's first batch.
 */
import { existsSync, statSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { readRows, readShardRows } from "../../functions/io/arrow-read.ts";
import { ArrowFileWriter } from "../../functions/io/arrow-sink.ts";
import { ShardedWriter, writeTable } from "../../functions/io/arrow-write.ts";
import { BatchEncoder } from "../../functions/io/record-batch.ts";
import { joinUri as join } from "../../recipe/uri.ts";
import type { Row } from "../../schemas/tables/define.ts";
import { TABLES } from "../../schemas/tables/index.ts";
import { makeRows } from "./fixtures.ts";
import { tempDir } from "./helpers.ts";

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const problems = TABLES.problems;
type Problem = Row<typeof problems>;

/** Problems whose `split` takes a new value every 10 rows: an open dictionary that keeps growing. */
function growing(count: number): Problem[] {
  return makeRows(problems, count).map((r, i) => ({ ...r, split: `split-${Math.floor(i / 10)}` }));
}

async function* streamed<T>(rows: T[]): AsyncGenerator<T> {
  yield* rows;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("dictionaries of open columns", () => {
  it("a streamed writeTable past maxHeldBytes fails naming the columns, and leaves no file", async () => {
    const uri = join(dir, "held.arrow");
    const err = await writeTable(uri, problems, streamed(growing(200)), {
      batchRows: 10,
      maxHeldBytes: 4 << 10,
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      /^writeTable problems \(.*held\.arrow\): the open dictionary columns split, subject/,
    );
    expect((err as Error).message).toContain("maxHeldBytes (4096)");
    expect(existsSync(uri)).toBe(false);
  });

  it("the same rows as an array stream (dictionaries collected first), whatever maxHeldBytes", async () => {
    const uri = join(dir, "array.arrow");
    const rows = growing(200);
    const info = await writeTable(uri, problems, rows, { batchRows: 10, maxHeldBytes: 1 });
    expect(info.rows).toBe(200);
    expect(await collect(readRows(uri, problems))).toEqual(rows);
  });

  it("a ShardedWriter without maxBytes closes a shard at maxHeldBytes; rows stay in order", async () => {
    const prefix = join(dir, "held-shards");
    const rows = growing(3000);
    const maxHeldBytes = 64 << 10;
    const w = new ShardedWriter(prefix, problems, { batchRows: 50, maxHeldBytes });
    await w.writeBatch(rows);
    const shards = await w.close();
    expect(shards.length).toBeGreaterThan(2);
    expect(shards.reduce((n, s) => n + s.rows, 0)).toBe(3000);
    // Held bytes pass the bound by less than one batch; the file adds each batch's header.
    for (const s of shards) expect(statSync(s.uri).size).toBeLessThan(1.5 * maxHeldBytes);
    for (const s of shards.slice(0, -1)) expect(statSync(s.uri).size).toBeGreaterThan(maxHeldBytes);
    expect(await collect(readShardRows(prefix, problems))).toEqual(rows);
  });

  it("tables whose dictionaries are all enums are not bounded by maxHeldBytes", async () => {
    const prefix = join(dir, "enum-shards");
    const rows = makeRows(TABLES.sft_examples, 300);
    const w = new ShardedWriter(prefix, TABLES.sft_examples, { batchRows: 10, maxHeldBytes: 1 });
    await w.writeBatch(rows);
    expect((await w.close()).map((s) => s.rows)).toEqual([300]);
  });
});

describe("dictionaries of enum columns", () => {
  it("a value outside the enum (unvalidated) names the table, row, column and the values", async () => {
    const rows = makeRows(problems, 12);
    (rows[9] as Record<string, unknown>).answer_type = "essay";
    const uri = join(dir, "bad-enum.arrow");
    await expect(writeTable(uri, problems, rows, { batchRows: 4 })).rejects.toThrow(
      'problems row 9: answer_type: "essay" is not one of the column\'s 4 values ("numeric", "math", "choice", "label")',
    );
    expect(existsSync(uri)).toBe(false);
  });
});

describe("the file sink", () => {
  it("refuses a batch whose dictionary changed after the file's first batch", async () => {
    const encoder = new BatchEncoder(problems, 10);
    const rows = growing(20);
    const first = encoder.encode(rows.slice(0, 10), 0);
    const second = encoder.encode(rows.slice(10), 10);
    const uri = join(dir, "delta.arrow");
    const file = await ArrowFileWriter.open(uri, problems.arrowSchema);
    await file.writeBatch(first);
    await expect(file.writeBatch(second)).rejects.toThrow(
      /delta\.arrow: dictionary \d+ changed after the file's first batch/,
    );
    await file.abort();
    expect(existsSync(uri)).toBe(false);
  });

  it("held batches pointed at the final dictionary make one dictionary batch per column", async () => {
    const encoder = new BatchEncoder(problems, 10);
    const rows = growing(30);
    const batches = [0, 10, 20].map((k) => encoder.encode(rows.slice(k, k + 10), k));
    const uri = join(dir, "completed.arrow");
    const file = await ArrowFileWriter.open(uri, problems.arrowSchema);
    for (const b of batches) await file.writeBatch(encoder.completed(b));
    await file.close();
    expect(await collect(readRows(uri, problems))).toEqual(rows);
  });
});
