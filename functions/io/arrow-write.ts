/**
 * Typed writes of a table's rows to Arrow IPC files: one file (`writeTable`) or shards
 * `part-00000.arrow`, `part-00001.arrow` … under a prefix (`ShardedWriter`), so a Distributed
 * Map can fan out over them. Rows are encoded in chunks of `batchRows` into record batches.
 */
import { formatIssues, SchemaError } from "../../schemas/errors.ts";
import type { Row, TableDef } from "../../schemas/tables/define.ts";
import { ArrowFileWriter } from "./arrow-sink.ts";
import { BatchEncoder } from "./record-batch.ts";
import { join } from "./uri.ts";

export const DEFAULT_BATCH_ROWS = 8192;

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
  const result = def.row.safeParse(row);
  if (!result.success) throw new SchemaError(`${def.name} row ${n}`, formatIssues(result.error, row));
}

export class ShardedWriter<T extends TableDef> {
  private readonly batchRows: number;
  private buffer: Row<T>[] = [];
  private current: { file: ArrowFileWriter; encoder: BatchEncoder } | null = null;
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

  async write(row: Row<T>): Promise<void> {
    if (this.closed) throw new Error(`ShardedWriter ${this.def.name}: write after close`);
    if (this.options.validate) validateRow(this.def, row, this.rowsSeen);
    this.rowsSeen++;
    this.buffer.push(row);
    if (this.buffer.length >= this.nextBatchSize()) await this.flushBatch();
  }

  async writeBatch(rows: readonly Row<T>[]): Promise<void> {
    for (const row of rows) await this.write(row);
  }

  /** Flushes the last rows and closes the last shard. A table with no rows still gets one (empty) shard. */
  async close(): Promise<ShardInfo[]> {
    if (this.closed) return this.shards;
    while (this.buffer.length > 0) await this.flushBatch();
    if (this.shards.length === 0 && !this.current) await this.openShard();
    await this.closeShard();
    this.closed = true;
    return this.shards;
  }

  /** Drops the shard being written; shards already closed stay (a stage's `_SUCCESS` is what makes output valid). */
  async abort(): Promise<void> {
    this.closed = true;
    this.buffer = [];
    await this.current?.file.abort();
    this.current = null;
  }

  /** Rows that fit in the current batch: a full batch, cut short where a shard's row or byte cap ends. */
  private nextBatchSize(): number {
    let n = this.batchRows;
    const file = this.current?.file;
    const { maxRows, maxBytes } = this.options;
    if (maxRows) n = Math.min(n, maxRows - (file?.rows ?? 0));
    if (maxBytes && file && file.rows > 0) {
      const perRow = file.bytes / file.rows;
      n = Math.min(n, Math.max(1, Math.floor((maxBytes - file.bytes) / perRow)));
    }
    return Math.max(1, n);
  }

  private async flushBatch(): Promise<void> {
    if (!this.current) await this.openShard();
    const n = Math.min(this.buffer.length, this.nextBatchSize());
    const rows = this.buffer.slice(0, n);
    this.buffer = this.buffer.slice(n);
    const { file, encoder } = this.current!;
    await file.writeBatch(
      encoder.encode(rows as Record<string, unknown>[], this.rowsSeen - this.buffer.length - n),
    );
    const { maxRows, maxBytes } = this.options;
    if ((maxRows && file.rows >= maxRows) || (maxBytes && file.bytes >= maxBytes)) await this.closeShard();
  }

  private async openShard(): Promise<void> {
    const uri = join(this.prefix, shardName(this.shards.length));
    this.current = {
      file: await ArrowFileWriter.open(uri, this.def.arrowSchema),
      encoder: new BatchEncoder(this.def),
    };
  }

  private async closeShard(): Promise<void> {
    if (!this.current) return;
    const { file } = this.current;
    this.current = null;
    const bytes = await file.close();
    this.shards.push({ uri: file.uri, rows: file.rows, bytes });
  }
}

/** Writes rows as one Arrow IPC file at `uri`. */
export async function writeTable<T extends TableDef>(
  uri: string,
  def: T,
  rows: Iterable<Row<T>> | AsyncIterable<Row<T>>,
  options: WriteOptions = {},
): Promise<ShardInfo> {
  const batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
  const file = await ArrowFileWriter.open(uri, def.arrowSchema);
  const encoder = new BatchEncoder(def);
  let chunk: Record<string, unknown>[] = [];
  let n = 0;
  try {
    for await (const row of rows) {
      if (options.validate) validateRow(def, row, n);
      n++;
      chunk.push(row);
      if (chunk.length >= batchRows) {
        await file.writeBatch(encoder.encode(chunk, n - chunk.length));
        chunk = [];
      }
    }
    if (chunk.length > 0) await file.writeBatch(encoder.encode(chunk, n - chunk.length));
  } catch (err) {
    await file.abort();
    throw err;
  }
  return { uri, rows: file.rows, bytes: await file.close() };
}
