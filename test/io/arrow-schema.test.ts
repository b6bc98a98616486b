import * as arrow from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSchema } from "../../functions/io/arrow-check.ts";
import { readRows } from "../../functions/io/arrow-read.ts";
import { writeTable } from "../../functions/io/arrow-write.ts";
import { SchemaMismatchError } from "../../functions/io/errors.ts";
import { write } from "../../functions/io/objects.ts";
import { joinUri as join } from "../../recipe/uri.ts";
import { TABLES } from "../../schemas/tables/index.ts";
import { makeRows } from "./fixtures.ts";
import { runPython, tempDir } from "./helpers.ts";

const { dir, cleanup } = tempDir();
const good = join(dir, "good.arrow");
afterAll(cleanup);
beforeAll(async () => {
  await writeTable(good, TABLES.rollouts, makeRows(TABLES.rollouts, 12));
});

/** Rewrites the good file with pyarrow after a transformation of its table `t`. */
function variant(name: string, transform: string): string {
  const out = join(dir, `${name}.arrow`);
  runPython(
    `import sys, json, pyarrow as pa, pyarrow.compute as pc
t = pa.ipc.open_file(sys.argv[1]).read_all()
${transform}
with pa.ipc.new_file(sys.argv[2], t.schema) as w: w.write_table(t)
print(json.dumps(t.num_rows))`,
    [good, out],
  );
  return out;
}

async function firstError(uri: string): Promise<Error> {
  try {
    for await (const _ of readRows(uri, TABLES.rollouts));
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a schema mismatch");
}

describe("schema check on open", () => {
  it("a wrong list item type names the URI, column, expected and found types", async () => {
    const uri = variant(
      "float64",
      `i = t.schema.get_field_index("logprobs")
t = t.set_column(i, pa.field("logprobs", pa.list_(pa.float64()), False), t.column(i).cast(pa.list_(pa.float64())))`,
    );
    const err = await firstError(uri);
    expect(err).toBeInstanceOf(SchemaMismatchError);
    expect(err.message).toBe(`${uri}: column "logprobs": expected list<float32>, found list<float64>`);
  });

  it("a missing column", async () => {
    const uri = variant("missing", `t = t.drop_columns(["completion"])`);
    expect((await firstError(uri)).message).toBe(
      `${uri}: column "completion": expected utf8, found no such column`,
    );
  });

  it("an extra column", async () => {
    const uri = variant(
      "extra",
      `t = t.append_column(pa.field("debug", pa.int64(), False), pa.array([0] * t.num_rows))`,
    );
    expect((await firstError(uri)).message).toBe(
      `${uri}: column "debug": expected no such column in table rollouts, found int64`,
    );
  });

  it("a nullable column where the table forbids null", async () => {
    const uri = variant(
      "nullable",
      `t = t.cast(pa.schema([f.with_nullable(True) if f.name == "prompt" else f for f in t.schema]))`,
    );
    expect((await firstError(uri)).message).toBe(
      `${uri}: column "prompt": expected utf8 not null, found nullable utf8`,
    );
  });

  it("ignores dictionary index width, list item names and column order", async () => {
    const uri = variant(
      "compatible",
      `fields = []
for f in t.schema:
    if pa.types.is_dictionary(f.type): f = f.with_type(pa.dictionary(pa.int8(), pa.string()))
    if pa.types.is_list(f.type): f = f.with_type(pa.list_(pa.field("element", f.type.value_type, False)))
    fields.append(f)
t = t.cast(pa.schema(fields)).select(list(reversed(t.column_names)))`,
    );
    const rows: unknown[] = [];
    for await (const r of readRows(uri, TABLES.rollouts)) rows.push(r);
    expect(rows).toEqual(makeRows(TABLES.rollouts, 12));
  });

  it("checkSchema is usable on its own", () => {
    const schema = new arrow.Schema([new arrow.Field("id", new arrow.Int32(), false)]);
    expect(() => checkSchema(schema, TABLES.step_labels, "s3://b/x.arrow")).toThrow(
      's3://b/x.arrow: column "id": expected utf8, found int32; column "problem_id"',
    );
  });

  it("reads a plain arrow-js file whose schema is only in the footer (ranged reads)", async () => {
    const table = arrow.tableFromArrays({ n: Int32Array.from([1, 2, 3]) });
    const uri = join(dir, "plain-js.arrow");
    await write(uri, arrow.tableToIPC(table, "file"));
    const { readBatches } = await import("../../functions/io/arrow-read.ts");
    const sizes: number[] = [];
    for await (const b of readBatches(uri)) sizes.push(b.numRows);
    expect(sizes).toEqual([3]);
  });
});
