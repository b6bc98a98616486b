/**
 * The dictionary of one dict<utf8> column within one file. A file gets one dictionary per column,
 * complete, written before the first batch that uses it: the IPC file format cannot replace a
 * dictionary, and Polars reads no delta dictionaries.
 * - A column whose zod type is an enum starts with every value and is closed from the start: a
 *   file of it streams, and a value outside the enum is an error.
 * - An open column (any string) grows as batches meet new strings. `collect` closes it with
 *   values known up front (every row of an array); otherwise its file holds its batches until
 *   the file closes, and `final` then gives the dictionary every held batch is pointed at.
 * Values are kept in one growing buffer: each batch's dictionary is a view of its prefix, so a
 * batch that adds values costs what it adds, not the whole dictionary again.
 */
import * as arrow from "apache-arrow";
import { z } from "zod";
import type { Nulls } from "./columns.ts";
import { ColumnValueError } from "./columns.ts";

const encoder = new TextEncoder();

export class DictionaryState {
  private readonly index = new Map<string, number>();
  private offsets = new Int32Array(64);
  private bytes = new Uint8Array(1024);
  private vector: arrow.Vector<arrow.Utf8> | null = null;
  private closedFlag: boolean;

  constructor(
    private readonly type: arrow.Dictionary,
    initial: readonly string[] = [],
  ) {
    for (const v of initial) this.add(v);
    this.closedFlag = initial.length > 0;
  }

  /** Whether no value can be added: the dictionary is complete. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /** Adds every string among `values` (e.g. a column of all the rows a file will hold), then closes. */
  collect(values: Iterable<unknown>): void {
    if (!this.closedFlag)
      for (const v of values) if (typeof v === "string" && !this.index.has(v)) this.add(v);
    this.closedFlag = true;
  }

  /** The dictionary as it stands: every value so far, as one chunk. */
  final(): arrow.Vector<arrow.Utf8> {
    if (!this.vector) {
      const n = this.index.size;
      const data = arrow.makeData({
        type: new arrow.Utf8(),
        length: n,
        nullCount: 0,
        valueOffsets: this.offsets.subarray(0, n + 1),
        data: this.bytes.subarray(0, this.offsets[n]!),
      });
      this.vector = new arrow.Vector([data]);
    }
    return this.vector;
  }

  encode(values: readonly unknown[], nulls: Nulls): arrow.Data<arrow.Dictionary> {
    const indices = new Int32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      if (typeof v !== "string")
        throw new ColumnValueError(i, `expected dict<utf8>, got ${JSON.stringify(v)}`);
      let at = this.index.get(v);
      if (at === undefined) {
        if (this.closedFlag)
          throw new ColumnValueError(i, `${JSON.stringify(v)} is not one of ${this.show()}`);
        at = this.add(v);
      }
      indices[i] = at;
    }
    return arrow.makeData({
      type: this.type,
      length: values.length,
      ...nulls,
      data: indices,
      dictionary: this.final(),
    });
  }

  private add(v: string): number {
    const at = this.index.size;
    const start = this.offsets[at]!;
    const need = start + v.length * 3; // UTF-8 needs at most 3 bytes per UTF-16 unit
    if (need > this.bytes.length) this.bytes = grow(this.bytes, need, start);
    if (at + 2 > this.offsets.length) this.offsets = grow(this.offsets, at + 2, at + 1);
    // Views handed out before see only their own prefix, which is never written again.
    const written = encoder.encodeInto(v, this.bytes.subarray(start)).written;
    this.offsets[at + 1] = start + written;
    this.index.set(v, at);
    this.vector = null;
    return at;
  }

  private show(): string {
    const values = [...this.index.keys()];
    const listed = values.slice(0, 8).map((v) => JSON.stringify(v));
    return `the column's ${values.length} values (${listed.join(", ")}${values.length > 8 ? ", …" : ""})`;
  }
}

/** A larger copy of `a` holding at least `need` items; the first `keep` are copied. */
function grow<A extends Uint8Array | Int32Array>(a: A, need: number, keep: number): A {
  const out = new (a.constructor as new (n: number) => A)(Math.max(need, a.length * 2));
  out.set(a.subarray(0, keep));
  return out;
}

/** The values of a zod enum (possibly nullable), or [] for an open string. */
export function enumValues(schema: z.ZodType | undefined): string[] {
  let s: unknown = schema;
  while (s instanceof z.ZodNullable || s instanceof z.ZodOptional) s = s.unwrap();
  return s instanceof z.ZodEnum ? (s.options as string[]) : [];
}
