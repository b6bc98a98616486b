/**
 * Every table the pipeline writes opens in Polars and in pyarrow with the rows that were written:
 * files from the TypeScript writers the stages use (`writeTable` from an array and from a stream,
 * `ShardedWriter`), and files from the worker's writers (`write_table`, `ShardedWriter`). Files have
 * several record batches, and open dictionary columns meet new values in later batches, so a writer
 * that sent dictionary deltas (which Polars refuses) would fail here. Each file also has one
 * dictionary batch per dictionary column, and its body reads as an IPC stream (pyarrow `open_stream`).
 */
import { spawnSync } from "node:child_process";
import { join as joinPath } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { ShardedWriter, writeTable } from "../../functions/io/arrow-write.ts";
import { enumValues } from "../../functions/io/dictionary.ts";
import { joinUri as join } from "../../recipe/uri.ts";
import type { Row, TableDef } from "../../schemas/tables/define.ts";
import { TABLES } from "../../schemas/tables/index.ts";
import { makeRows } from "./fixtures.ts";
import { PYTHON, tempDir } from "./helpers.ts";

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const WORKER = joinPath(import.meta.dirname, "../../gpu-worker");

/** Runs a Python snippet in the worker's package folder and parses the JSON it prints. */
function python(code: string, args: string[]): unknown {
  const res = spawnSync(PYTHON, ["-c", code, ...args], { cwd: WORKER, encoding: "utf8", maxBuffer: 1 << 26 });
  if (res.status !== 0) throw new Error(`python failed (${res.status}): ${res.stderr}`);
  return JSON.parse(res.stdout);
}

/** Dictionary columns whose values are not an enum: their dictionary is only known once every row is seen. */
function openDictionaryColumns(def: TableDef): string[] {
  const shape = def.row.shape as Record<string, z.ZodType>;
  return def.columns
    .filter((c) => c.type === "dict<utf8>" && enumValues(shape[c.name]).length === 0)
    .map((c) => c.name);
}

/** `makeRows`, with a new value in every open dictionary column each third row (so in every batch). */
function rowsFor<T extends TableDef>(def: T, count: number): Row<T>[] {
  const open = openDictionaryColumns(def);
  return makeRows(def, count).map((row, i) => {
    const out: Record<string, unknown> = { ...row };
    for (const name of open) if (out[name] !== null) out[name] = `${name}-${Math.floor(i / 3)}-é`;
    return out as Row<T>;
  });
}

const READ = `import json, sys
import polars as pl, pyarrow as pa

def polars(path):
    try:
        df = pl.read_ipc(path)
        return {"rows": df.height, "data": df.to_dicts()}
    except Exception as e:
        return {"error": f"{type(e).__name__}: {e}"}

def pyarrow(path):
    f = pa.ipc.open_file(path)
    t = f.read_all()
    s = f.stats
    with open(path, "rb") as fh:
        body = fh.read()[8:]  # the file's body after its magic is an IPC stream
    stream = pa.ipc.open_stream(body).read_all()
    return {"rows": t.num_rows, "batches": f.num_record_batches, "data": t.to_pylist(),
            "dictionaries": s.num_dictionary_batches, "deltas": s.num_dictionary_deltas,
            "replaced": s.num_replaced_dictionaries, "stream_rows": stream.to_pylist()}

print(json.dumps([{"polars": polars(p), "pyarrow": pyarrow(p)} for p in sys.argv[1:]]))`;

type Opened = {
  polars: { rows: number; data: unknown[] } | { error: string };
  pyarrow: {
    rows: number;
    batches: number;
    data: unknown[];
    dictionaries: number;
    deltas: number;
    replaced: number;
    stream_rows: unknown[];
  };
};

describe("Polars and pyarrow open every table TypeScript writes", () => {
  for (const [name, def] of Object.entries(TABLES) as [string, TableDef][]) {
    it(`${name}: writeTable (array and stream) and ShardedWriter shards`, async () => {
      const rows = rowsFor(def, 23);
      const open = openDictionaryColumns(def);
      for (const col of open) {
        // The test's premise: the first batch (5 rows) does not hold every value of the file.
        const first = new Set(rows.slice(0, 5).map((r) => (r as Record<string, unknown>)[col]));
        const all = new Set(rows.map((r) => (r as Record<string, unknown>)[col]));
        expect(all.size).toBeGreaterThan(first.size);
      }
      const fromArray = join(dir, `${name}-array.arrow`);
      await writeTable(fromArray, def, rows, { batchRows: 5 });
      const fromStream = join(dir, `${name}-stream.arrow`);
      async function* stream() {
        yield* rows;
      }
      await writeTable(fromStream, def, stream(), { batchRows: 5 });
      const w = new ShardedWriter(join(dir, `${name}-shards`), def, { maxRows: 10, batchRows: 4 });
      await w.writeBatch(rows);
      const shards = await w.close();
      expect(shards.map((s) => s.rows)).toEqual([10, 10, 3]);

      const files = [fromArray, fromStream, ...shards.map((s) => s.uri)];
      const expected = [rows, rows, rows.slice(0, 10), rows.slice(10, 20), rows.slice(20)];
      const batches = [5, 5, 3, 3, 1];
      const dictColumns = def.columns.filter((c) => c.type === "dict<utf8>").length;
      const opened = python(READ, files) as Opened[];
      opened.forEach((got, f) => {
        const what = `${name} ${files[f]}`;
        expect(got.polars, what).toEqual({ rows: expected[f]!.length, data: expected[f] });
        expect(got.pyarrow.rows, what).toBe(expected[f]!.length);
        expect(got.pyarrow.batches, what).toBe(batches[f]);
        expect(got.pyarrow.data, what).toEqual(expected[f]);
        expect(got.pyarrow.stream_rows, what).toEqual(expected[f]);
        expect(got.pyarrow.deltas, what).toBe(0);
        expect(got.pyarrow.replaced, what).toBe(0);
        expect(got.pyarrow.dictionaries, what).toBe(dictColumns);
      });
    });
  }
});

const WRITE_PY = `import json, os, sys
import polars as pl
from r1worker.io import tables
from r1worker.io.samples import sample_rows
from r1worker.io.sharded import ShardedWriter

out = {}
for name in tables.table_names():
    rows = sample_rows(name, rows=23, seed=7)
    single = os.path.join(sys.argv[1], f"{name}.arrow")
    tables.write_table(single, name, rows, batch_rows=4)
    with ShardedWriter(os.path.join(sys.argv[1], name), name, max_rows=10) as w:
        for k in range(0, len(rows), 3):  # chunks of 3 rows: each chunk's dictionaries differ
            w.write(rows[k : k + 3])
    files = [single, *w.uris]
    opened = []
    for path in files:
        try:
            opened.append(pl.read_ipc(path).to_dicts())
        except Exception as e:
            opened.append({"error": f"{type(e).__name__}: {e}"})
    out[name] = {"rows": rows, "opened": opened}
print(json.dumps(out))`;

describe("Polars opens every table the worker writes", () => {
  it("write_table and ShardedWriter files of every table", () => {
    const got = python(WRITE_PY, [dir]) as Record<string, { rows: unknown[]; opened: unknown[] }>;
    expect(Object.keys(got).sort()).toEqual(Object.keys(TABLES).sort());
    for (const [name, { rows, opened }] of Object.entries(got)) {
      expect(rows.length, name).toBe(23);
      expect(opened, name).toEqual([rows, rows.slice(0, 10), rows.slice(10, 20), rows.slice(20)]);
    }
  });
});
