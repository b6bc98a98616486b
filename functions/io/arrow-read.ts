/**
 * Streaming reads of Arrow IPC files (file or stream format) from the object store, one record
 * batch at a time, so a table far larger than memory can be read.
 *
 * apache-arrow reads the *file* format from an async stream by buffering the whole object, so we
 * strip the leading magic and read the body as the IPC stream it is (schema, dictionaries,
 * batches, end-of-stream), ignoring the footer. Files whose body lacks the schema message (plain
 * arrow-js writers put it only in the footer) fall back to the footer with ranged reads.
 */
import * as arrow from "apache-arrow";
import type { Row, TableDef } from "../../schemas/tables/define.ts";
import { checkSchema } from "./arrow-check.ts";
import { StoreError } from "./errors.ts";
import { decodeStream } from "./ipc-stream.ts";
import { batchRows } from "./rows.ts";
import { type ObjectStore, storeFor } from "./store.ts";
import { basename, formatUri, parseUri } from "./uri.ts";

const MAGIC = "ARROW1";

/** The object's bytes after the file magic, and whether its first message is the schema. */
async function openBody(
  chunks: AsyncIterable<Uint8Array>,
  uri: string,
): Promise<{ isFile: boolean; schemaFirst: boolean; body: AsyncGenerator<Uint8Array> }> {
  const it = chunks[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let ended = false;
  const want = async (n: number): Promise<boolean> => {
    while (head.byteLength < n && !ended) {
      const next = await it.next();
      if (next.done) ended = true;
      else head = Buffer.concat([head, next.value]);
    }
    return head.byteLength >= n;
  };
  if (!(await want(8))) throw new StoreError(uri, `${uri}: not an Arrow IPC file (${head.byteLength} bytes)`);
  const isFile = head.toString("latin1", 0, 6) === MAGIC;
  const start = isFile ? 8 : 0;
  // Message framing: 0xFFFFFFFF continuation, int32 metadata length, flatbuffer `Message`.
  let schemaFirst = false;
  if ((await want(start + 8)) && head.readInt32LE(start) === -1) {
    const len = head.readInt32LE(start + 4);
    if (len > 0 && (await want(start + 8 + len))) {
      const message = arrow.Message.decode(head.subarray(start + 8, start + 8 + len));
      schemaFirst = message.headerType === arrow.MessageHeader.Schema;
    }
  }
  async function* body(): AsyncGenerator<Uint8Array> {
    try {
      if (head.byteLength > start) yield head.subarray(start);
      for (let next = await it.next(); !next.done; next = await it.next()) yield next.value;
    } finally {
      await it.return?.();
    }
  }
  return { isFile, schemaFirst, body: body() };
}

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

type Reader = arrow.AsyncRecordBatchStreamReader | arrow.AsyncRecordBatchFileReader;

/** A reader for the object, and how to release the object's stream when done with it. */
async function openReader(uri: string): Promise<{ reader: Reader; release: () => Promise<void> }> {
  const store = storeFor(uri);
  const { isFile, schemaFirst, body } = await openBody(store.readStream(uri), uri);
  const release = async () => {
    await body.return(undefined);
  };
  if (isFile && !schemaFirst) {
    await release();
    const handle = rangeHandle(store, uri, await store.size(uri));
    const reader = (await arrow.RecordBatchReader.from(handle as never)) as arrow.AsyncRecordBatchFileReader;
    return { reader, release: async () => {} };
  }
  // The stream reader stops at the end-of-stream marker, before the footer; `release` closes the object.
  return {
    reader: (await arrow.RecordBatchReader.from(body)) as arrow.AsyncRecordBatchStreamReader,
    release,
  };
}

/**
 * The record batches of one Arrow file, in order. With a table, the schema is checked first
 * (`SchemaMismatchError`). Only about one batch is held in memory at a time.
 */
export async function* readBatches(uri: string, def?: TableDef): AsyncGenerator<arrow.RecordBatch> {
  const store = storeFor(uri);
  const { isFile, schemaFirst, body } = await openBody(store.readStream(uri), uri);
  if (!isFile || schemaFirst) {
    try {
      const check = (schema: arrow.Schema) => def && checkSchema(schema, def, uri);
      for await (const batch of decodeStream(body, uri, check)) if (batch.numRows > 0) yield batch;
      return;
    } finally {
      await body.return(undefined);
    }
  }
  await body.return(undefined);
  yield* readByFooter(uri, def);
}

/** Files without a leading schema message: the footer, read with ranged reads. */
async function* readByFooter(uri: string, def?: TableDef): AsyncGenerator<arrow.RecordBatch> {
  const { reader, release } = await openReader(uri);
  try {
    await reader.open();
    if (def) checkSchema(reader.schema, def, uri);
    for await (const batch of reader) if (batch.numRows > 0) yield batch;
  } catch (err) {
    if (err instanceof Error && !err.message.includes(uri)) err.message = `${uri}: ${err.message}`;
    throw err;
  } finally {
    await reader.cancel();
    await release();
  }
}

/** The schema of an Arrow file, read from its first message (or its footer). */
export async function readSchema(uri: string): Promise<arrow.Schema> {
  const { reader, release } = await openReader(uri);
  try {
    return (await reader.open()).schema;
  } finally {
    await reader.cancel();
    await release();
  }
}

/** The rows of one Arrow file as plain objects, batch by batch. */
export async function* readRows<T extends TableDef>(uri: string, def: T): AsyncGenerator<Row<T>> {
  for await (const batch of readBatches(uri, def)) yield* batchRows(batch, def);
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
