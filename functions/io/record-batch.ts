/** Rows of a table → Arrow RecordBatches, column by column. */
import * as arrow from "apache-arrow";
import type { z } from "zod";
import type { TableDef } from "../../schemas/tables/define.ts";
import { ColumnValueError, columnData, NumericListColumn } from "./columns.ts";
import { DictionaryState, enumValues } from "./dictionary.ts";

/**
 * Turns rows into record batches for one file. It holds the file's dictionaries, so use one
 * encoder per file (dictionaries may only grow within a file, and only open ones: see
 * dictionary.ts). While a dictionary is open (`complete` is false), a batch's dictionary is the
 * one so far: a file's batches are then written once `completed` has pointed them at the last.
 *
 * Rows are taken one at a time (`append`), and a batch is cut with `flush`. Numeric list columns
 * (token ids, log-probs: nearly all the bytes) are copied into typed arrays as each row arrives,
 * so the producer's row objects (and their arrays) die young instead of waiting for the batch;
 * the other columns keep their (small) values until `flush` builds them in one pass each.
 */
export class BatchEncoder {
  private readonly dicts = new Map<string, DictionaryState>();
  private readonly structType: arrow.Struct;
  private readonly lists: (NumericListColumn | null)[];
  private readonly held: unknown[][];
  private rows = 0;
  private firstRow = 0;

  constructor(
    readonly def: TableDef,
    batchRows = 8192,
  ) {
    const shape = def.row.shape as Record<string, z.ZodType>;
    def.arrowSchema.fields.forEach((field, i) => {
      if (def.columns[i]!.type !== "dict<utf8>") return;
      this.dicts.set(field.name, new DictionaryState(field.type, enumValues(shape[field.name])));
    });
    this.structType = new arrow.Struct(def.arrowSchema.fields);
    this.lists = def.columns.map((col, i) =>
      NumericListColumn.handles(col)
        ? new NumericListColumn(col, def.arrowSchema.fields[i]!.type as arrow.List, batchRows)
        : null,
    );
    this.held = def.columns.map(() => []);
  }

  /** Whether every dictionary is closed, so each batch already carries its file's whole dictionary. */
  get complete(): boolean {
    for (const d of this.dicts.values()) if (!d.closed) return false;
    return true;
  }

  /** The open dictionary columns. */
  get openDictionaries(): string[] {
    return [...this.dicts].filter(([, d]) => !d.closed).map(([name]) => name);
  }

  /**
   * Closes every dictionary with the values of `rows` (all the rows the file will hold, seen
   * before its first batch), so the file can stream.
   */
  collect(rows: readonly Readonly<Record<string, unknown>>[]): void {
    for (const [name, dict] of this.dicts) if (!dict.closed) dict.collect(rows.map((row) => row[name]));
  }

  /** `batch` (from this encoder) with its dictionary columns pointed at their dictionaries as they are now. */
  completed(batch: arrow.RecordBatch): arrow.RecordBatch {
    const fields = this.def.arrowSchema.fields;
    const children = batch.data.children.map((child, i) => {
      const dict = this.dicts.get(fields[i]!.name);
      if (!dict) return child;
      const { length, nullCount, nullBitmap, values } = child;
      const type = child.type as arrow.Dictionary;
      return arrow.makeData({ type, length, nullCount, nullBitmap, data: values, dictionary: dict.final() });
    });
    const data = arrow.makeData({ type: this.structType, length: batch.numRows, nullCount: 0, children });
    return new arrow.RecordBatch(this.def.arrowSchema, data);
  }

  /** Rows appended since the last flush. */
  get pending(): number {
    return this.rows;
  }

  /** Takes one row; `rowNumber` is its number in the whole write, for error messages. */
  append(row: Readonly<Record<string, unknown>>, rowNumber = this.firstRow + this.rows): void {
    if (this.rows === 0) this.firstRow = rowNumber;
    const cols = this.def.columns;
    let i = 0;
    try {
      for (; i < cols.length; i++) {
        const list = this.lists[i];
        if (list) list.append(row[cols[i]!.name], this.rows);
        else this.held[i]!.push(row[cols[i]!.name]);
      }
    } catch (err) {
      // Undo the columns this row already reached, so the encoder stays consistent.
      for (let j = 0; j < i; j++) {
        const list = this.lists[j];
        if (list) list.truncate(this.rows);
        else this.held[j]!.length = this.rows;
      }
      throw this.named(err, i);
    }
    this.rows++;
  }

  /** The rows appended since the last flush as one record batch. */
  flush(): arrow.RecordBatch {
    const length = this.rows;
    try {
      const children = this.def.columns.map((col, i) => {
        const list = this.lists[i];
        if (list) return list.finish();
        try {
          return columnData(col, this.def.arrowSchema.fields[i]!, this.held[i]!, this.dicts.get(col.name));
        } catch (err) {
          throw this.named(err, i);
        }
      });
      const data = arrow.makeData({ type: this.structType, length, nullCount: 0, children });
      return new arrow.RecordBatch(this.def.arrowSchema, data);
    } finally {
      for (const held of this.held) held.length = 0;
      for (const list of this.lists) list?.truncate(0);
      this.rows = 0;
    }
  }

  /** `firstRow` is the number of the chunk's first row in the whole write, for error messages. */
  encode(rows: readonly Record<string, unknown>[], firstRow = 0): arrow.RecordBatch {
    if (this.rows > 0) throw new Error(`${this.def.name}: encode with ${this.rows} rows pending`);
    for (let i = 0; i < rows.length; i++) this.append(rows[i]!, firstRow + i);
    return this.flush();
  }

  private named(err: unknown, column: number): unknown {
    if (!(err instanceof ColumnValueError)) return err;
    const name = this.def.columns[column]!.name;
    return new Error(`${this.def.name} row ${this.firstRow + err.index}: ${name}: ${err.message}`);
  }
}
