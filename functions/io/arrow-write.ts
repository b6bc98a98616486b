/**
 * Typed writes of a table's rows to Arrow IPC files: one file (`writeTable`) or shards
 * `part-00000.arrow`, `part-00001.arrow` … under a prefix (`ShardedWriter`), so a Distributed
 * Map can fan out over them. Rows are encoded in chunks of `batchRows` into record batches.
 * List columns of numbers take `Int32Array`/`Float32Array`/`Int8Array` values as well as number
 * arrays (a typed array of the column's own kind is copied with one memcpy).
 *
 * Each file carries one complete dictionary per dictionary column (so Polars opens it). A table
 * whose dictionary columns are all enums streams batch by batch. One with an open dictionary
 * column (problems' split and subject, eval_records' benchmark and checkpoint) streams too when
 * `writeTable` is given an array (its values are collected first); otherwise each file's batches
 * are held until the file closes: a shard is then closed at `maxBytes`, or at `maxHeldBytes`.
 */

import { joinUri as join } from "../../recipe/uri.ts";
import { formatIssues, SchemaError } from "../../schemas/errors.ts";
import type { Row, TableDef } from "../../schemas/tables/define.ts";
import { TableFileWriter } from "./arrow-table-file.ts";

export const DEFAULT_BATCH_ROWS = 8192;
/** Default bound on a file's held batches (see `WriteOptions.maxHeldBytes`). */
export const DEFAULT_HELD_BYTES = 64 << 20;

type NumericList = Int8Array | Int32Array | Float32Array;
type Writable<V> = V | (NonNullable<V> extends readonly number[] ? NumericList : never);
/** A row as the writers take it: a table row whose number lists may also be typed arrays. */
export type WriteRow<T extends TableDef> = { [K in keyof Row<T>]: Writable<Row<T>[K]> };

export interface WriteOptions {
  /** Rows per record batch (default 8,192). */
  batchRows?: number;
  /** Check every row against the table's zod schema first (errors name table, row and field). */
  validate?: boolean;
  /**
   * At most this many bytes of record batches held in memory for one file while an open
   * dictionary column is still growing (default 64 MiB). A `ShardedWriter` without `maxBytes`
   * closes the shard there; a `writeTable` of a streamed input fails there.
   */
  maxHeldBytes?: number;
}

export interface ShardOptions extends WriteOptions {
  /** At most this many rows per shard. */
  maxRows?: number;
  /** Start a new shard once a shard reaches this many bytes (it may pass it by less than one batch). */
  maxBytes?: number;
}

export interface ShardInfo {
  uri: string;
  rows: number;
  bytes: number;
}

export const shardName = (index: number): string => `part-${String(index).padStart(5, "0")}.arrow`;

function validateRow(def: TableDef, row: unknown, n: number): void {
  // zod knows number arrays, not typed arrays: check those as the arrays they stand for.
  let plain = row as Record<string, unknown>;
  for (const [k, v] of Object.entries(plain)) {
    if (ArrayBuffer.isView(v)) {
      if (plain === row) plain = { ...plain };
      plain[k] = Array.from(v as NumericList);
    }
  }
  const result = def.row.safeParse(plain);
  if (!result.success) throw new SchemaError(`${def.name} row ${n}`, formatIssues(result.error, row));
}

export class ShardedWriter<T extends TableDef> {
  private readonly batchRows: number;
  /** The shard being written, from its first row. */
  private file: TableFileWriter | null = null;
  private readonly shards: ShardInfo[] = [];
  private rowsSeen = 0;
  private closed = false;

  constructor(
    readonly prefix: string,
    readonly def: T,
    private readonly options: ShardOptions = {},
  ) {
    this.batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
    for (const [k, v] of Object.entries({ batchRows: this.batchRows, ...options })) {
      if (typeof v === "number" && !(Number.isInteger(v) && v > 0)) {
        throw new Error(`ShardedWriter ${def.name}: ${k} must be a positive integer, got ${v}`);
      }
    }
  }

  async write(row: WriteRow<T>): Promise<void> {
    if (this.closed) throw new Error(`ShardedWriter ${this.def.name}: write after close`);
    if (this.options.validate) validateRow(this.def, row, this.rowsSeen);
    this.file ??= new TableFileWriter(
      join(this.prefix, shardName(this.shards.length)),
      this.def,
      this.batchRows,
    );
    this.file.append(row as Record<string, unknown>, this.rowsSeen);
    this.rowsSeen++;
    if (this.file.pending >= this.nextBatchSize()) await this.flushBatch();
  }

  async writeBatch(rows: readonly WriteRow<T>[]): Promise<void> {
    for (const row of rows) await this.write(row);
  }

  /** Flushes the last rows and closes the last shard. A table with no rows still gets one (empty) shard. */
  async close(): Promise<ShardInfo[]> {
    if (this.closed) return this.shards;
    if (this.file && this.file.pending > 0) await this.flushBatch();
    if (this.shards.length === 0 && !this.file) {
      this.file = new TableFileWriter(join(this.prefix, shardName(0)), this.def, this.batchRows);
    }
    await this.closeShard();
    this.closed = true;
    return this.shards;
  }

  /** Drops the shard being written; shards already closed stay (a stage's `_SUCCESS` is what makes output valid). */
  async abort(): Promise<void> {
    this.closed = true;
    await this.file?.abort();
    this.file = null;
  }

  /** Rows that fit in the current batch: a full batch, cut short where a shard's row or byte cap ends. */
  private nextBatchSize(): number {
    let n = this.batchRows;
    const file = this.file;
    const { maxRows } = this.options;
    const maxBytes = this.byteCap();
    if (maxRows) n = Math.min(n, maxRows - (file?.rows ?? 0));
    if (maxBytes && file && file.rows > 0) {
      const perRow = file.bytes / file.rows;
      n = Math.min(n, Math.max(1, Math.floor((maxBytes - file.bytes) / perRow)));
    }
    return Math.max(1, n);
  }

  /** A shard's byte cap: `maxBytes`, or the held-batch bound while the shard's dictionaries are open. */
  private byteCap(): number | undefined {
    if (this.options.maxBytes) return this.options.maxBytes;
    if (this.file && !this.file.encoder.complete) return this.options.maxHeldBytes ?? DEFAULT_HELD_BYTES;
    return undefined;
  }

  private async flushBatch(): Promise<void> {
    const file = this.file!;
    await file.cut();
    const { maxRows } = this.options;
    const maxBytes = this.byteCap();
    if ((maxRows && file.rows >= maxRows) || (maxBytes && file.bytes >= maxBytes)) await this.closeShard();
  }

  /** Closes the shard; the next row starts a new one, with its own dictionaries. */
  private async closeShard(): Promise<void> {
    const file = this.file;
    this.file = null;
    if (!file) return;
    // A shard whose only row failed to encode is not written (unless it is the table's only shard).
    if (file.rows === 0 && file.pending === 0 && this.shards.length > 0) return file.abort();
    this.shards.push(await file.close());
  }
}

/** Writes rows as one Arrow IPC file at `uri`. */
export async function writeTable<T extends TableDef>(
  uri: string,
  def: T,
  rows: Iterable<WriteRow<T>> | AsyncIterable<WriteRow<T>>,
  options: WriteOptions = {},
): Promise<ShardInfo> {
  const batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
  const maxHeld = options.maxHeldBytes ?? DEFAULT_HELD_BYTES;
  const file = new TableFileWriter(uri, def, batchRows);
  await file.open();
  // An array can be looked at twice: its dictionary values are collected first, so the file streams.
  if (Array.isArray(rows)) file.encoder.collect(rows);
  let n = 0;
  try {
    for await (const row of rows) {
      if (options.validate) validateRow(def, row, n);
      file.append(row as Record<string, unknown>, n);
      n++;
      if (file.pending < batchRows) continue;
      await file.cut();
      if (file.heldBytes > maxHeld) {
        throw new Error(
          `writeTable ${def.name} (${uri}): the open dictionary columns ${file.encoder.openDictionaries.join(", ")} ` +
            `keep the file's batches in memory until its last row, and they passed maxHeldBytes (${maxHeld}) ` +
            `at row ${n}; pass the rows as an array (their dictionaries are collected first) or write shards with ShardedWriter`,
        );
      }
    }
    return await file.close();
  } catch (err) {
    await file.abort();
    throw err;
  }
}
