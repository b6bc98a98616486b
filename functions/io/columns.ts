/**
 * Builds one Arrow column (`arrow.Data`) from a chunk of JS values, straight into typed arrays:
 * no per-value builder calls, so a list<int32> of token ids costs one `TypedArray.set` per row.
 */
import * as arrow from "apache-arrow";
import type { ArrowTypeName, ColumnDef } from "../../schemas/tables/define.ts";
import type { DictionaryState } from "./dictionary.ts";

/** A value that does not fit its column; the caller adds the table and row number. */
export class ColumnValueError extends Error {
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(message);
  }
}

type Numeric = Int8Array | Int32Array | Float32Array | Float64Array;
type NumericCtor = new (n: number) => Numeric;
const NUMERIC: Partial<Record<ArrowTypeName, NumericCtor>> = {
  int8: Int8Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
  "list<int8>": Int8Array,
  "list<int32>": Int32Array,
  "list<float32>": Float32Array,
};

function show(v: unknown): string {
  return v === undefined ? "nothing" : (JSON.stringify(v) ?? String(v)).slice(0, 40);
}

/** Validity bitmap, or null when nothing is null (Arrow then treats every slot as valid). */
export type Nulls = { nullBitmap?: Uint8Array; nullCount: number };

function validity(values: readonly unknown[], col: ColumnDef): Nulls {
  let nullCount = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] === null || values[i] === undefined) {
      if (!col.nullable) throw new ColumnValueError(i, `expected ${col.type}, got ${show(values[i])}`);
      nullCount++;
    }
  }
  if (nullCount === 0) return { nullCount };
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== null && values[i] !== undefined) bitmap[i >> 3]! |= 1 << (i & 7);
  }
  return { nullBitmap: bitmap, nullCount };
}

/** utf8 data: one pass for the byte length, one to encode. */
export function utf8Data(values: readonly unknown[], nulls: Nulls, what = "utf8"): arrow.Data<arrow.Utf8> {
  const offsets = new Int32Array(values.length + 1);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    if (typeof v !== "string") throw new ColumnValueError(i, `expected ${what}, got ${show(v)}`);
    total += Buffer.byteLength(v, "utf8");
  }
  if (total > 0x7fffffff)
    throw new ColumnValueError(0, "over 2 GiB of text in one batch; use smaller batches");
  const bytes = Buffer.allocUnsafe(total);
  let pos = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === "string") pos += bytes.write(v, pos, "utf8");
    offsets[i + 1] = pos;
  }
  return arrow.makeData({
    type: new arrow.Utf8(),
    length: values.length,
    ...nulls,
    valueOffsets: offsets,
    data: bytes,
  });
}

function numericData(
  values: readonly unknown[],
  nulls: Nulls,
  col: ColumnDef,
  type: arrow.DataType,
): arrow.Data {
  const out = new NUMERIC[col.type]!(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    if (typeof v !== "number") throw new ColumnValueError(i, `expected ${col.type}, got ${show(v)}`);
    out[i] = v;
  }
  return arrow.makeData({ type, length: values.length, ...nulls, data: out } as never);
}

function boolData(values: readonly unknown[], nulls: Nulls): arrow.Data<arrow.Bool> {
  const bits = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    if (typeof v !== "boolean") throw new ColumnValueError(i, `expected bool, got ${show(v)}`);
    if (v) bits[i >> 3]! |= 1 << (i & 7);
  }
  return arrow.makeData({ type: new arrow.Bool(), length: values.length, ...nulls, data: bits });
}

function listData(values: readonly unknown[], nulls: Nulls, col: ColumnDef, type: arrow.List): arrow.Data {
  const offsets = new Int32Array(values.length + 1);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as ArrayLike<unknown> | null | undefined;
    if (v !== null && v !== undefined) {
      if (typeof v !== "object" || typeof v.length !== "number") {
        throw new ColumnValueError(i, `expected ${col.type}, got ${show(v)}`);
      }
      total += v.length;
    }
    offsets[i + 1] = total;
  }
  const childType = type.children[0]!.type;
  let child: arrow.Data;
  if (col.type === "list<utf8>") {
    const flat: unknown[] = new Array(total);
    let pos = 0;
    for (const v of values) if (v) for (const s of v as unknown[]) flat[pos++] = s;
    child = utf8Data(flat, { nullCount: 0 }, col.type);
  } else {
    const out = new NUMERIC[col.type]!(total);
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as ArrayLike<number> | null | undefined;
      // `set` copies a number[] or a typed array in one native call; it coerces non-numbers to NaN,
      // which zod validation (`validate: true`) is there to catch.
      if (v) out.set(v, offsets[i]!);
    }
    child = arrow.makeData({ type: childType, length: total, data: out } as never);
  }
  return arrow.makeData({ type, length: values.length, ...nulls, valueOffsets: offsets, child });
}

/** The column's Data for a chunk of values. Dictionary columns need their shard's dictionary state. */
export function columnData(
  col: ColumnDef,
  field: arrow.Field,
  values: readonly unknown[],
  dict?: DictionaryState,
): arrow.Data {
  const nulls = validity(values, col);
  if (col.type === "utf8") return utf8Data(values, nulls);
  if (col.type === "bool") return boolData(values, nulls);
  if (col.type === "dict<utf8>") return dict!.encode(values, nulls);
  if (col.type.startsWith("list<")) return listData(values, nulls, col, field.type as arrow.List);
  return numericData(values, nulls, col, field.type);
}

/**
 * A list<int8|int32|float32> column filled row by row, straight into typed arrays (offsets and
 * values, grown as needed): a row's list is one `TypedArray.set` (a memcpy for a typed array of
 * the same kind), and the producer's row objects are not kept until the batch is built.
 */
export class NumericListColumn {
  private readonly Values: NumericCtor;
  private offsets: Int32Array;
  private values: Numeric;
  private valid: Uint8Array;
  private rows = 0;
  private nullCount = 0;
  /** Values in the last batch: the next batch's starting capacity. */
  private lastTotal = 0;

  constructor(
    private readonly col: ColumnDef,
    private readonly type: arrow.List,
    private readonly rowCapacity: number,
  ) {
    this.Values = NUMERIC[col.type]!;
    this.offsets = new Int32Array(rowCapacity + 1);
    this.values = new this.Values(Math.max(16, rowCapacity * 8));
    this.valid = new Uint8Array((rowCapacity + 7) >> 3);
  }

  static handles(col: ColumnDef): boolean {
    return col.type === "list<int8>" || col.type === "list<int32>" || col.type === "list<float32>";
  }

  get length(): number {
    return this.rows;
  }

  /** Appends one row's list; `index` is the row's number within the batch, for errors. */
  append(v: unknown, index: number): void {
    const at = this.rows;
    if (at + 1 >= this.offsets.length) this.growRows();
    const total = this.offsets[at]!;
    if (v === null || v === undefined) {
      if (!this.col.nullable) throw new ColumnValueError(index, `expected ${this.col.type}, got ${show(v)}`);
      this.nullCount++;
      this.offsets[at + 1] = total;
      this.rows = at + 1;
      return;
    }
    const list = v as ArrayLike<number>;
    if (typeof v !== "object" || typeof list.length !== "number") {
      throw new ColumnValueError(index, `expected ${this.col.type}, got ${show(v)}`);
    }
    const n = list.length;
    if (total + n > 0x7fffffff) throw new ColumnValueError(index, "over 2^31 list values in one batch");
    if (total + n > this.values.length) this.growValues(total + n);
    // `set` copies a number[] or a typed array in one native call; it coerces non-numbers to NaN,
    // which zod validation (`validate: true`) is there to catch.
    this.values.set(list, total);
    this.valid[at >> 3]! |= 1 << (at & 7);
    this.offsets[at + 1] = total + n;
    this.rows = at + 1;
  }

  /** Drops the rows from `rows` on (undoes a row that failed in a later column). */
  truncate(rows: number): void {
    for (let i = rows; i < this.rows; i++) {
      if (!(this.valid[i >> 3]! & (1 << (i & 7)))) this.nullCount--;
      this.valid[i >> 3]! &= ~(1 << (i & 7));
    }
    this.rows = Math.min(this.rows, rows);
  }

  /** The rows so far as one Data; the column starts empty again, with fresh arrays. */
  finish(): arrow.Data {
    const rows = this.rows;
    const total = this.offsets[rows]!;
    const nulls: Nulls =
      this.nullCount > 0
        ? { nullCount: this.nullCount, nullBitmap: this.valid.subarray(0, (rows + 7) >> 3) }
        : { nullCount: 0 };
    const child = arrow.makeData({
      type: this.type.children[0]!.type,
      length: total,
      data: this.values.subarray(0, total),
    } as never);
    const data = arrow.makeData({
      type: this.type,
      length: rows,
      ...nulls,
      valueOffsets: this.offsets.subarray(0, rows + 1),
      child,
    });
    // The batch keeps these arrays (the writer may still be sending them), so start new ones,
    // sized for a batch like this one.
    this.lastTotal = total;
    this.offsets = new Int32Array(this.rowCapacity + 1);
    this.values = new this.Values(
      Math.max(16, Math.ceil((this.lastTotal * this.rowCapacity) / Math.max(1, rows))),
    );
    this.valid = new Uint8Array((this.rowCapacity + 7) >> 3);
    this.rows = 0;
    this.nullCount = 0;
    return data;
  }

  private growRows(): void {
    const offsets = new Int32Array(this.offsets.length * 2);
    offsets.set(this.offsets);
    this.offsets = offsets;
    const valid = new Uint8Array((offsets.length + 7) >> 3);
    valid.set(this.valid);
    this.valid = valid;
  }

  private growValues(need: number): void {
    const values = new this.Values(Math.max(need, Math.ceil(this.values.length * 1.5)));
    values.set(this.values.subarray(0, this.offsets[this.rows]!));
    this.values = values;
  }
}
