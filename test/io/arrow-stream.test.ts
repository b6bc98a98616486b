import { statSync } from "node:fs";
import type * as arrow from "apache-arrow";
import { afterAll, describe, expect, it, vi } from "vitest";
import { readBatches, readRows, readSchema } from "../../functions/io/arrow-read.ts";
import { writeTable } from "../../functions/io/arrow-write.ts";
import { LocalStore } from "../../functions/io/local-store.ts";
import { joinUri as join } from "../../recipe/uri.ts";
import { TABLES } from "../../schemas/tables/index.ts";
import { tokenRow } from "./fixtures.ts";
import { tempDir } from "./helpers.ts";

const { dir, cleanup } = tempDir();
afterAll(cleanup);

describe("streaming read", () => {
  it("reads a large file batch by batch, never holding the whole object", async () => {
    const uri = join(dir, "large.arrow");
    const rows = 24 * 1024;
    function* gen() {
      for (let i = 0; i < rows; i++) yield tokenRow(i, 256) as never;
    }
    await writeTable(uri, TABLES.rollouts, gen(), { batchRows: 1024 });
    const size = statSync(uri).size;
    expect(size).toBeGreaterThan(40 << 20);

    // Count the bytes the reader has pulled from the store when each batch arrives.
    let pulled = 0;
    const original = LocalStore.prototype.openRead;
    const spy = vi.spyOn(LocalStore.prototype, "openRead").mockImplementation(async function (
      this: LocalStore,
      u: string,
    ) {
      const src = await original.call(this, u);
      return {
        size: src.size,
        close: () => src.close(),
        read: async (into: Uint8Array, offset: number, length: number, position: number) => {
          const n = await src.read(into, offset, length, position);
          pulled += n;
          return n;
        },
      };
    });
    try {
      const pulledAt: number[] = [];
      let sum = 0;
      let n = 0;
      for await (const batch of readBatches(uri, TABLES.rollouts)) {
        pulledAt.push(pulled);
        n += batch.numRows;
        const ids = batch.getChild("completion_token_ids")!.data[0]!.children[0]!.values as Int32Array;
        for (let i = 0; i < ids.length; i++) sum += ids[i]!;
      }
      expect(n).toBe(rows);
      expect(pulledAt.length).toBe(24);
      // Each batch arrives once its own bytes are read (plus a 64 KiB read-ahead window), not all of it.
      for (let k = 0; k < 24; k++) {
        expect(pulledAt[k]!).toBeGreaterThan((size * k) / 24);
        expect(pulledAt[k]!).toBeLessThan((size * (k + 1)) / 24 + (128 << 10));
      }
      expect(sum).toBeGreaterThan(0);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("batch memory", () => {
  const uri = join(dir, "reuse.arrow");
  const rows = 3000;

  it("each batch owns its memory by default; reuseBuffers shares one buffer between batches", async () => {
    await writeTable(
      uri,
      TABLES.rollouts,
      Array.from({ length: rows }, (_, i) => tokenRow(i, 64) as never),
      { batchRows: 1000 },
    );
    const ids = (b: arrow.RecordBatch) =>
      b.getChild("completion_token_ids")!.data[0]!.children[0]!.values as Int32Array;
    const owned: arrow.RecordBatch[] = [];
    for await (const b of readBatches(uri, TABLES.rollouts)) owned.push(b);
    expect(owned.map((b) => ids(b)[0])).toEqual([0, 1000, 2000]);
    expect(new Set(owned.map((b) => ids(b).buffer)).size).toBe(3);

    const firsts: number[] = [];
    const buffers = new Set<ArrayBufferLike>();
    for await (const b of readBatches(uri, TABLES.rollouts, { reuseBuffers: true })) {
      firsts.push(ids(b)[0]!);
      buffers.add(ids(b).buffer);
    }
    expect(firsts).toEqual([0, 1000, 2000]);
    expect(buffers.size).toBe(1);
  });

  it("readRows (which reuses buffers) and readSchema", async () => {
    let n = 0;
    for await (const r of readRows(uri, TABLES.rollouts)) {
      expect(r).toEqual(tokenRow(n, 64));
      n++;
    }
    expect(n).toBe(rows);
    const schema = await readSchema(uri);
    expect(schema.fields.map((f) => f.name)).toEqual(TABLES.rollouts.columns.map((c) => c.name));
  });
});
