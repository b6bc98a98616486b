/**
 * Record batch → plain row objects: lists as number (or string) arrays, dictionary columns as
 * strings, nulls as null. Columns are matched by name, so a file's column order does not matter.
 */
import type * as arrow from "apache-arrow";
import type { ColumnDef, Row, TableDef } from "../../schemas/tables/define.ts";

type Getter = (i: number) => unknown;

function listGetter(vector: arrow.Vector, col: ColumnDef): Getter {
  const data = vector.data[0]!;
  const offsets = (data.valueOffsets as Int32Array).subarray(data.offset);
  const child = data.children[0]!;
  if (col.type === "list<utf8>") {
    const strings = (vector as arrow.Vector<arrow.List<arrow.Utf8>>).getChildAt(0)!;
    return (i) => {
      const out: string[] = [];
      for (let j = offsets[i]!; j < offsets[i + 1]!; j++) out.push(strings.get(j) as string);
      return out;
    };
  }
  const values = child.values as Int8Array | Int32Array | Float32Array;
  return (i) => Array.from(values.subarray(offsets[i]!, offsets[i + 1]!));
}

function getter(vector: arrow.Vector, col: ColumnDef): Getter {
  const base: Getter = col.type.startsWith("list<") ? listGetter(vector, col) : (i) => vector.get(i);
  if (vector.nullCount === 0) return base;
  return (i) => (vector.isValid(i) ? base(i) : null);
}

/** The batch's rows as objects with the table's columns. */
export function batchRows<T extends TableDef>(batch: arrow.RecordBatch, def: T): Row<T>[] {
  const names = batch.schema.fields.map((f) => f.name);
  const getters = def.columns.map((col) => {
    const at = names.indexOf(col.name);
    if (at < 0) throw new Error(`record batch has no column "${col.name}" of table ${def.name}`);
    // Each batch from a reader holds one Data chunk per column.
    return [col.name, getter(batch.getChildAt(at)!, col)] as const;
  });
  const rows = new Array<Row<T>>(batch.numRows);
  for (let i = 0; i < batch.numRows; i++) {
    const row: Record<string, unknown> = {};
    for (const [name, get] of getters) row[name] = get(i);
    rows[i] = row as Row<T>;
  }
  return rows;
}
