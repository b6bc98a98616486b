/** Rows of a table → one Arrow RecordBatch, column by column. */
import * as arrow from "apache-arrow";
import type { z } from "zod";
import type { TableDef } from "../../schemas/tables/define.ts";
import { ColumnValueError, columnData } from "./columns.ts";
import { DictionaryState, enumValues } from "./dictionary.ts";

/**
 * Turns row chunks into record batches for one file. It holds the file's dictionaries, so use
 * one encoder per file (dictionaries may only grow within a file).
 */
export class BatchEncoder {
  private readonly dicts = new Map<string, DictionaryState>();
  private readonly structType: arrow.Struct;

  constructor(readonly def: TableDef) {
    const shape = def.row.shape as Record<string, z.ZodType>;
    def.arrowSchema.fields.forEach((field, i) => {
      if (def.columns[i]!.type !== "dict<utf8>") return;
      this.dicts.set(field.name, new DictionaryState(field.type, enumValues(shape[field.name])));
    });
    this.structType = new arrow.Struct(def.arrowSchema.fields);
  }

  /** `firstRow` is the number of the chunk's first row in the whole write, for error messages. */
  encode(rows: readonly Record<string, unknown>[], firstRow = 0): arrow.RecordBatch {
    const children = this.def.columns.map((col, i) => {
      const values = rows.map((r) => r[col.name]);
      try {
        return columnData(col, this.def.arrowSchema.fields[i]!, values, this.dicts.get(col.name));
      } catch (err) {
        if (!(err instanceof ColumnValueError)) throw err;
        throw new Error(`${this.def.name} row ${firstRow + err.index}: ${col.name}: ${err.message}`);
      }
    });
    const data = arrow.makeData({ type: this.structType, length: rows.length, nullCount: 0, children });
    return new arrow.RecordBatch(this.def.arrowSchema, data);
  }
}
