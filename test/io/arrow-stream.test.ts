import { statSync } from "node:fs";
import { afterAll, describe, expect, it, vi } from "vitest";
import { readBatches } from "../../functions/io/arrow-read.ts";
import { writeTable } from "../../functions/io/arrow-write.ts";
import { LocalStore } from "../../functions/io/local-store.ts";
import { join } from "../../functions/io/uri.ts";
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
    const original = LocalStore.prototype.readStream;
    const spy = vi.spyOn(LocalStore.prototype, "readStream").mockImplementation(async function* (
      this: LocalStore,
      u: string,
    ) {
      for await (const chunk of original.call(this, u)) {
        pulled += chunk.byteLength;
        yield chunk;
      }
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
      // The first batch arrives after ~1/24 of the file (plus one 4 MiB read-ahead chunk), not all of it.
      expect(pulledAt[0]!).toBeLessThan(size / 24 + (8 << 20));
      expect(pulledAt[0]!).toBeLessThan(size / 3);
      expect(pulledAt[12]!).toBeLessThan(size * 0.75);
      expect(sum).toBeGreaterThan(0);
    } finally {
      spy.mockRestore();
    }
  });
});
