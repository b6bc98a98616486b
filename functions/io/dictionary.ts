/**
 * The dictionary of one dict<utf8> column within one file. The IPC file format cannot replace a
 * dictionary between batches, so a file keeps one dictionary that only grows: each batch that
 * meets new strings adds a chunk, which the writer emits as a delta (pyarrow reads those).
 * Columns whose zod type is an enum start with every value, so they never need a delta.
 */
import * as arrow from "apache-arrow";
import { z } from "zod";
import type { Nulls } from "./columns.ts";
import { ColumnValueError, utf8Data } from "./columns.ts";

export class DictionaryState {
  private readonly index = new Map<string, number>();
  private readonly chunks: arrow.Data<arrow.Utf8>[] = [];

  constructor(
    private readonly type: arrow.Dictionary,
    initial: readonly string[] = [],
  ) {
    for (const v of initial) this.index.set(v, this.index.size);
    this.chunks.push(utf8Data(initial, { nullCount: 0 }));
  }

  encode(values: readonly unknown[], nulls: Nulls): arrow.Data<arrow.Dictionary> {
    const indices = new Int32Array(values.length);
    const added: string[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      if (typeof v !== "string")
        throw new ColumnValueError(i, `expected dict<utf8>, got ${JSON.stringify(v)}`);
      let at = this.index.get(v);
      if (at === undefined) {
        at = this.index.size;
        this.index.set(v, at);
        added.push(v);
      }
      indices[i] = at;
    }
    if (added.length > 0) this.chunks.push(utf8Data(added, { nullCount: 0 }));
    // Same Data objects as before plus the new chunk: the writer sends only the new chunk, as a delta.
    const dictionary = new arrow.Vector(this.chunks);
    return arrow.makeData({ type: this.type, length: values.length, ...nulls, data: indices, dictionary });
  }
}

/** The values of a zod enum (possibly nullable), or [] for an open string. */
export function enumValues(schema: z.ZodType | undefined): string[] {
  let s: unknown = schema;
  while (s instanceof z.ZodNullable || s instanceof z.ZodOptional) s = s.unwrap();
  return s instanceof z.ZodEnum ? (s.options as string[]) : [];
}
