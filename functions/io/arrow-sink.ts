/**
 * Record-batch-level writer of one Arrow IPC file into the object store, for producers that
 * already have columns. Bytes go to the store as each batch is written, with back-pressure.
 */
import * as arrow from "apache-arrow";
import { type ObjectSink, storeFor } from "./store.ts";

/** Pieces below this size are concatenated before they reach the store (fewer syscalls / stream writes). */
const COALESCE = 1 << 20;

/**
 * apache-arrow's file writer, with two changes:
 * - it writes the schema message after the leading magic, as pyarrow does, so the file's body
 *   is a complete IPC stream and can be read front to back (arrow-js alone puts the schema only
 *   in the footer);
 * - it hands its bytes to us (`take`) instead of queueing them on an unbounded internal queue;
 * - it writes each dictionary once: a second dictionary batch for a column, a delta (which Polars
 *   cannot read) or a replacement (which the file format forbids), is an error (a file's
 *   dictionary is written once, complete: see dictionary.ts).
 * They rest on protected members of apache-arrow 21 (`_write`, `_writeSchema`,
 * `_writeDictionaryBatch`), pinned in package.json.
 */
class TakeableFileWriter extends arrow.RecordBatchFileWriter {
  private pending: Uint8Array[] = [];

  protected override _writeSchema(schema: arrow.Schema): this {
    this._writeMagic()._writePadding(2);
    return this._writeMessage(arrow.Message.from(schema));
  }

  protected override _write(chunk: Uint8Array | ArrayBufferView): this {
    if (!this._started) return this;
    const bytes =
      chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (bytes.byteLength > 0) {
      this.pending.push(bytes);
      this._position += bytes.byteLength;
    }
    return this;
  }

  protected override _writeDictionaryBatch(dictionary: arrow.Data, id: number, isDelta = false): this {
    if (isDelta || this._seenDictionaries.has(id)) {
      throw new Error(`dictionary ${id} changed after the file's first batch (no deltas or replacements)`);
    }
    return super._writeDictionaryBatch(dictionary, id, isDelta);
  }

  take(): Uint8Array[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }
}

/** One Arrow IPC file being written. Nothing appears at the URI until `close()` resolves. */
export class ArrowFileWriter {
  private readonly writer = new TakeableFileWriter();
  private sink: ObjectSink | null = null;
  private bytesOut = 0;
  private rowsOut = 0;
  private batchesOut = 0;

  private constructor(
    readonly uri: string,
    readonly schema: arrow.Schema,
  ) {}

  static async open(uri: string, schema: arrow.Schema): Promise<ArrowFileWriter> {
    const w = new ArrowFileWriter(uri, schema);
    w.sink = await storeFor(uri).openWrite(uri);
    w.writer.reset(undefined, schema); // writes the magic and the schema, so a file with no batches is valid
    await w.flush();
    return w;
  }

  get bytes(): number {
    return this.bytesOut;
  }
  get rows(): number {
    return this.rowsOut;
  }
  get batches(): number {
    return this.batchesOut;
  }

  async writeBatch(batch: arrow.RecordBatch): Promise<void> {
    if (!this.sink) throw new Error(`${this.uri}: writer is closed`);
    if (batch.numRows === 0) return;
    // arrow-js would silently end the file on a schema change; refuse instead.
    if (!arrow.util.compareSchemas(batch.schema, this.schema)) {
      throw new Error(`${this.uri}: record batch schema differs from the file's schema`);
    }
    try {
      this.writer.write(batch);
    } catch (err) {
      throw new Error(`${this.uri}: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.rowsOut += batch.numRows;
    this.batchesOut++;
    await this.flush();
  }

  /** Writes the footer and publishes the file; returns its size in bytes. */
  async close(): Promise<number> {
    if (!this.sink) throw new Error(`${this.uri}: writer is closed`);
    this.writer.finish();
    await this.flush();
    const sink = this.sink;
    this.sink = null;
    await sink.close();
    return this.bytesOut;
  }

  async abort(): Promise<void> {
    const sink = this.sink;
    this.sink = null;
    await sink?.abort();
  }

  /** Sends the writer's bytes to the store, gluing the small header and padding pieces together. */
  private async flush(): Promise<void> {
    let small: Uint8Array[] = [];
    let smallBytes = 0;
    const send = async (chunk: Uint8Array): Promise<void> => {
      try {
        await this.sink!.write(chunk);
      } catch (err) {
        await this.abort();
        throw err;
      }
      this.bytesOut += chunk.byteLength;
    };
    const sendSmall = async (): Promise<void> => {
      if (smallBytes > 0) await send(small.length === 1 ? small[0]! : Buffer.concat(small, smallBytes));
      small = [];
      smallBytes = 0;
    };
    for (const chunk of this.writer.take()) {
      if (chunk.byteLength >= COALESCE) {
        await sendSmall();
        await send(chunk);
      } else {
        small.push(chunk);
        smallBytes += chunk.byteLength;
        if (smallBytes >= COALESCE) await sendSmall();
      }
    }
    await sendSmall();
  }
}
