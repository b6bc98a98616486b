/**
 * One Arrow file of a table, written row by row: rows → `BatchEncoder` → `ArrowFileWriter`.
 *
 * Every dictionary column gets one complete dictionary, written before the file's first batch
 * (dictionary.ts). While the encoder's dictionaries are all closed (enum columns, or values
 * collected up front), each batch goes to the store as it is cut: memory is one batch. While one
 * is open, the file's batches are held until `close`, which points them at the completed
 * dictionaries and writes them: memory is then the file's size, which the caller bounds with
 * `heldBytes` (a shard cap).
 */
import type * as arrow from "apache-arrow";
import type { TableDef } from "../../schemas/tables/define.ts";
import { ArrowFileWriter } from "./arrow-sink.ts";
import { BatchEncoder } from "./record-batch.ts";

export interface FileInfo {
  uri: string;
  rows: number;
  bytes: number;
}

/** Bytes of a batch's buffers: about what it takes in the file. */
function dataBytes(data: arrow.Data): number {
  let n = (data.values?.byteLength ?? 0) + (data.valueOffsets?.byteLength ?? 0);
  n += data.nullBitmap?.byteLength ?? 0;
  for (const child of data.children) n += dataBytes(child);
  return n;
}

export class TableFileWriter {
  readonly encoder: BatchEncoder;
  private file: ArrowFileWriter | null = null;
  private held: arrow.RecordBatch[] = [];
  private heldRows = 0;
  private heldByteCount = 0;

  constructor(
    readonly uri: string,
    readonly def: TableDef,
    batchRows: number,
  ) {
    this.encoder = new BatchEncoder(def, batchRows);
  }

  /** Rows appended and not yet cut into a batch. */
  get pending(): number {
    return this.encoder.pending;
  }
  /** Rows in the batches cut so far, written or held. */
  get rows(): number {
    return (this.file?.rows ?? 0) + this.heldRows;
  }
  /** Bytes so far: those sent to the store plus those held. */
  get bytes(): number {
    return (this.file?.bytes ?? 0) + this.heldByteCount;
  }
  /** Bytes of the batches held until the dictionaries are complete. */
  get heldBytes(): number {
    return this.heldByteCount;
  }

  /** Opens the object in the store (else the first written batch or `close` does). */
  async open(): Promise<ArrowFileWriter> {
    this.file ??= await ArrowFileWriter.open(this.uri, this.def.arrowSchema);
    return this.file;
  }

  /** Takes one row; `rowNumber` is its number in the whole write, for error messages. */
  append(row: Readonly<Record<string, unknown>>, rowNumber: number): void {
    this.encoder.append(row, rowNumber);
  }

  /** Cuts the pending rows into one batch and writes it, or holds it while a dictionary is open. */
  async cut(): Promise<void> {
    if (this.encoder.pending === 0) return;
    const batch = this.encoder.flush();
    if (this.encoder.complete && this.held.length === 0) {
      await (await this.open()).writeBatch(batch);
      return;
    }
    this.held.push(batch);
    this.heldRows += batch.numRows;
    this.heldByteCount += dataBytes(batch.data);
  }

  /** Writes the last rows, the held batches (with their now complete dictionaries) and the footer. */
  async close(): Promise<FileInfo> {
    await this.cut();
    const file = await this.open();
    const held = this.held;
    this.held = [];
    for (let i = 0; i < held.length; i++) {
      const batch = this.encoder.completed(held[i]!);
      held[i] = undefined as never; // let each batch go once it is written
      await file.writeBatch(batch);
    }
    this.heldRows = 0;
    this.heldByteCount = 0;
    return { uri: this.uri, rows: file.rows, bytes: await file.close() };
  }

  /** Drops the file: nothing appears at its URI. */
  async abort(): Promise<void> {
    this.held = [];
    await this.file?.abort();
    this.file = null;
  }
}
