/**
 * Typed writes of a table's rows to Arrow IPC files: one file (`writeTable`) or shards
 * `part-00000.arrow`, `part-00001.arrow` … under a prefix (`ShardedWriter`), so a Distributed
 * Map can fan out over them. Rows are encoded in chunks of `batchRows` into record batches.
 * List columns of numbers take `Int32Array`/`Float32Array`/`Int8Array` values as well as number
 * arrays (a typed array of the column's own kind is copied with one memcpy).
 */
import { joinUri as join } from "../../recipe/uri.ts";
import { formatIssues, SchemaError } from "../../schemas/errors.ts";
import type { Row, TableDef } from "../../schemas/tables/define.ts";
import { ArrowFileWriter } from "./arrow-sink.ts";
import { BatchEncoder } from "./record-batch.ts";

export const DEFAULT_BATCH_ROWS = 8192;

type NumericList = Int8Array | Int32Array | Float32Array;
type Writable<V> = V | (NonNullable<V> extends readonly number[] ? NumericList : never);
/** A row as the writers take it: a table row whose number lists may also be typed arrays. */
export type WriteRow<T extends TableDef> = { [K in keyof Row<T>]: Writable<Row<T>[K]> };

export interface WriteOptions {
  /** Rows per record batch (default 8,192). */
  batchRows?: number;
  /** Check every row against the table's zod schema first (errors name table, row and field). */
  validate?: boolean;
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
  /** The shard being written: its encoder (from its first row) and its file (from its first batch). */
  private encoder: BatchEncoder | null = null;
  private file: ArrowFileWriter | null = null;
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
    this.encoder ??= new BatchEncoder(this.def, this.batchRows);
    this.encoder.append(row as Record<string, unknown>, this.rowsSeen);
    this.rowsSeen++;
    if (this.encoder.pending >= this.nextBatchSize()) await this.flushBatch();
  }

  async writeBatch(rows: readonly WriteRow<T>[]): Promise<void> {
    for (const row of rows) await this.write(row);
  }

  /** Flushes the last rows and closes the last shard. A table with no rows still gets one (empty) shard. */
  async close(): Promise<ShardInfo[]> {
    if (this.closed) return this.shards;
    if (this.encoder && this.encoder.pending > 0) await this.flushBatch();
    if (this.shards.length === 0 && !this.file) this.file = await this.openShard();
    await this.closeShard();
    this.closed = true;
    return this.shards;
  }

  /** Drops the shard being written; shards already closed stay (a stage's `_SUCCESS` is what makes output valid). */
  async abort(): Promise<void> {
    this.closed = true;
    this.encoder = null;
    await this.file?.abort();
    this.file = null;
  }

  /** Rows that fit in the current batch: a full batch, cut short where a shard's row or byte cap ends. */
  private nextBatchSize(): number {
    let n = this.batchRows;
    const file = this.file;
    const { maxRows, maxBytes } = this.options;
    if (maxRows) n = Math.min(n, maxRows - (file?.rows ?? 0));
    if (maxBytes && file && file.rows > 0) {
      const perRow = file.bytes / file.rows;
      n = Math.min(n, Math.max(1, Math.floor((maxBytes - file.bytes) / perRow)));
    }
    return Math.max(1, n);
  }

  private async flushBatch(): Promise<void> {
    this.file ??= await this.openShard();
    const file = this.file;
    await file.writeBatch(this.encoder!.flush());
    const { maxRows, maxBytes } = this.options;
    if ((maxRows && file.rows >= maxRows) || (maxBytes && file.bytes >= maxBytes)) await this.closeShard();
  }

  private openShard(): Promise<ArrowFileWriter> {
    return ArrowFileWriter.open(join(this.prefix, shardName(this.shards.length)), this.def.arrowSchema);
  }

  /** Closes the shard; the next row starts a new one, with its own dictionaries. */
  private async closeShard(): Promise<void> {
    const file = this.file;
    this.file = null;
    this.encoder = null;
    if (!file) return;
    const bytes = await file.close();
    this.shards.push({ uri: file.uri, rows: file.rows, bytes });
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
  const file = await ArrowFileWriter.open(uri, def.arrowSchema);
  const encoder = new BatchEncoder(def, batchRows);
  let n = 0;
  try {
    for await (const row of rows) {
      if (options.validate) validateRow(def, row, n);
      encoder.append(row as Record<string, unknown>, n);
      n++;
      if (encoder.pending >= batchRows) await file.writeBatch(encoder.flush());
    }
    if (encoder.pending > 0) await file.writeBatch(encoder.flush());
  } catch (err) {
    await file.abort();
    throw err;
  }
  return { uri, rows: file.rows, bytes: await file.close() };
}
