/**
 * Streaming reads of Arrow IPC files (file or stream format) from the object store, one record
 * batch at a time, so a table far larger than memory can be read.
 *
 * apache-arrow reads the *file* format from an async stream by buffering the whole object, so we
 * skip the leading magic and read the body as the IPC stream it is (schema, dictionaries,
 * batches, end-of-stream), ignoring the footer, one message at a time with positional reads
 * (`ipc-stream.ts`). Files whose body lacks the schema message (plain arrow-js writers put it
 * only in the footer) fall back to the footer with ranged reads.
 */
import * as arrow from "apache-arrow";
import { basename, formatUri, parseUri } from "../../recipe/uri.ts";
import type { Row, TableDef } from "../../schemas/tables/define.ts";
import { checkSchema } from "./arrow-check.ts";
import { StoreError } from "./errors.ts";
import { decodeStream, type Framed, MessageFramer } from "./ipc-stream.ts";
import { batchRows } from "./rows.ts";
import { type ObjectStore, type RandomReader, storeFor } from "./store.ts";

/** A stand-in for a Node FileHandle that apache-arrow's random-access file reader accepts. */
function rangeHandle(store: ObjectStore, uri: string, size: number) {
  return {
    fd: -1,
    stat: async () => ({ size }),
    close: async () => {},
    read: async (buffer: Uint8Array, offset: number, length: number, position: number) => {
      const bytes = await store.readRange(uri, position, Math.min(size, position + length));
      buffer.set(bytes, offset);
      return { bytesRead: bytes.byteLength, buffer };
    },
  };
}

/** apache-arrow's file reader over ranged reads, for files whose schema is only in the footer. */
async function openFooterReader(uri: string): Promise<arrow.AsyncRecordBatchFileReader> {
  const store = storeFor(uri);
  const handle = rangeHandle(store, uri, await store.size(uri));
  return (await arrow.RecordBatchReader.from(handle as never)) as arrow.AsyncRecordBatchFileReader;
}

/**
 * The object opened for positional reads, framed from its first message; `first` is null for an
 * empty stream. The caller closes `src`.
 */
async function openMessages(
  uri: string,
  reuse = false,
): Promise<{ src: RandomReader; framer: MessageFramer; first: Framed | null }> {
  const src = await storeFor(uri).openRead(uri);
  try {
    if (src.size < 8) throw new StoreError(uri, `${uri}: not an Arrow IPC file (${src.size} bytes)`);
    const framer = await MessageFramer.open(src, uri, reuse);
    return { src, framer, first: await framer.next() };
  } catch (err) {
    await src.close();
    throw err;
  }
}

export interface ReadOptions {
  /**
   * Read every batch into the same memory, so a batch's columns are overwritten by the next one
   * (a batch is valid until the consumer resumes the iteration, including the resumption that
   * ends it: the memory then goes to the next read that reuses buffers).
   * For consumers that are done with each batch before asking for the next (they copy out what
   * they keep), as `readRows` is: the read then holds one batch, and never waits on the garbage
   * collector to free the ones before it. Default false: each batch owns its memory.
   */
  reuseBuffers?: boolean;
}

/**
 * The record batches of one Arrow file, in order. With a table, the schema is checked first
 * (`SchemaMismatchError`). The read streams: each message is read with positional reads into a
 * buffer of its own size (the batch's columns are views of it), so only the batch being read is
 * held by the reader; batches already yielded are freed by the garbage collector once dropped
 * (or, with `reuseBuffers`, overwritten by the next).
 */
export async function* readBatches(
  uri: string,
  def?: TableDef,
  options: ReadOptions = {},
): AsyncGenerator<arrow.RecordBatch> {
  const { src, framer, first } = await openMessages(uri, options.reuseBuffers);
  try {
    if (!framer.isFile || first?.header === arrow.MessageHeader.Schema) {
      const check = (schema: arrow.Schema) => def && checkSchema(schema, def, uri);
      for await (const batch of decodeStream(framer, first, uri, check)) if (batch.numRows > 0) yield batch;
      return;
    }
  } finally {
    framer.release();
    await src.close();
  }
  yield* readByFooter(uri, def);
}

/** Files without a leading schema message: the footer, read with ranged reads. */
async function* readByFooter(uri: string, def?: TableDef): AsyncGenerator<arrow.RecordBatch> {
  const reader = await openFooterReader(uri);
  try {
    await reader.open();
    if (def) checkSchema(reader.schema, def, uri);
    for await (const batch of reader) if (batch.numRows > 0) yield batch;
  } catch (err) {
    if (err instanceof Error && !err.message.includes(uri)) err.message = `${uri}: ${err.message}`;
    throw err;
  } finally {
    await reader.cancel();
  }
}

/** The schema of an Arrow file, read from its first message (or its footer). */
export async function readSchema(uri: string): Promise<arrow.Schema> {
  const { src, framer, first } = await openMessages(uri);
  await src.close();
  if (first?.header === arrow.MessageHeader.Schema) return first.message.header() as arrow.Schema;
  if (!framer.isFile) throw new Error(`${uri}: Arrow stream does not start with a schema`);
  const reader = await openFooterReader(uri);
  try {
    return (await reader.open()).schema;
  } finally {
    await reader.cancel();
  }
}

/** The rows of one Arrow file as plain objects, batch by batch. */
export async function* readRows<T extends TableDef>(uri: string, def: T): AsyncGenerator<Row<T>> {
  // Rows copy everything out of their batch, so the batch's memory can be reused for the next one.
  for await (const batch of readBatches(uri, def, { reuseBuffers: true })) yield* batchRows(batch, def);
}

/** The shards `part-NNNNN.arrow` directly under a prefix, in order. */
export async function readShards(prefix: string): Promise<string[]> {
  const base = formatUri(parseUri(prefix)).replace(/\/+$/, "");
  const all = await storeFor(prefix).list(prefix);
  return all
    .filter((u) => u.startsWith(`${base}/`) && !u.slice(base.length + 1).includes("/"))
    .filter((u) => /^part-\d{5,}\.arrow$/.test(basename(u)))
    .sort();
}

/** The rows of every shard under a prefix, shard by shard. */
export async function* readShardRows<T extends TableDef>(prefix: string, def: T): AsyncGenerator<Row<T>> {
  for (const uri of await readShards(prefix)) yield* readRows(uri, def);
}
