/** TS → Python contract: files written here open with `pyarrow.ipc.open_file`, with the declared types. */
import { afterAll, describe, expect, it } from "vitest";
import { ShardedWriter, writeTable } from "../../functions/io/arrow-write.ts";
import { joinUri as join } from "../../recipe/uri.ts";
import { TABLES } from "../../schemas/tables/index.ts";
import { makeRows } from "./fixtures.ts";
import { runPython, tempDir } from "./helpers.ts";

const { dir, cleanup } = tempDir();
afterAll(cleanup);

/** What pyarrow prints for each of our type names. */
const PYARROW_TYPE: Record<string, string> = {
  utf8: "string",
  "dict<utf8>": "dictionary<values=string, indices=int32, ordered=0>",
  bool: "bool",
  int8: "int8",
  int32: "int32",
  float32: "float",
  float64: "double",
  "list<int8>": "list<item: int8>",
  "list<int32>": "list<item: int32>",
  "list<float32>": "list<item: float>",
  "list<utf8>": "list<item: string>",
};

const OPEN = `import sys, json, pyarrow as pa
out = []
for path in sys.argv[1:]:
    f = pa.ipc.open_file(path)
    t = f.read_all()
    out.append({"batches": f.num_record_batches, "rows": t.num_rows,
                "fields": [[x.name, str(x.type), x.nullable] for x in t.schema], "data": t.to_pylist()})
print(json.dumps(out))`;

type Opened = { batches: number; rows: number; fields: [string, string, boolean][]; data: unknown[] };

describe("pyarrow reads what we write", () => {
  it("every table, with nulls, empty lists and dictionary deltas across batches", async () => {
    const uris: string[] = [];
    const expected: unknown[][] = [];
    for (const [name, def] of Object.entries(TABLES)) {
      const rows = makeRows(def, 17);
      const uri = join(dir, `${name}.arrow`);
      await writeTable(uri, def, rows, { batchRows: 4 });
      uris.push(uri);
      expected.push(rows);
    }
    const opened = runPython(OPEN, uris) as Opened[];
    Object.values(TABLES).forEach((def, t) => {
      const got = opened[t]!;
      expect(got.rows).toBe(17);
      expect(got.batches).toBe(5);
      expect(got.fields).toEqual(def.columns.map((c) => [c.name, PYARROW_TYPE[c.type], c.nullable]));
      expect(got.data).toEqual(expected[t]);
    });
  });

  it("shards and an empty table", async () => {
    const prefix = join(dir, "shards");
    const w = new ShardedWriter(prefix, TABLES.problems, { maxRows: 6, batchRows: 4 });
    await w.writeBatch(makeRows(TABLES.problems, 14));
    const shards = await w.close();
    const empty = join(dir, "empty.arrow");
    await writeTable(empty, TABLES.eval_records, []);
    const opened = runPython(OPEN, [...shards.map((s) => s.uri), empty]) as Opened[];
    expect(opened.map((o) => o.rows)).toEqual([6, 6, 2, 0]);
    expect(opened.flatMap((o) => o.data)).toEqual(makeRows(TABLES.problems, 14));
    expect(opened[3]!.fields.map((f) => f[0])).toEqual(TABLES.eval_records.columns.map((c) => c.name));
  });
});
