/**
 * IPC stream decoding, one message at a time, from positional reads of the object.
 *
 * apache-arrow's async readers spend most of their time in async byte plumbing (and its file
 * reader buffers the whole object), while its sync reader decodes a batch in ~2 ms. So we frame
 * the messages ourselves: each message's prefix and metadata come from a small reusable window,
 * and its body is read straight into a right-sized buffer of its own (the batch's columns are
 * views into it, so a body is never copied and no read chunk outlives its message). Only the
 * batch being decoded is held; nothing of a batch already yielded is kept by the reader.
 */
import * as arrow from "apache-arrow";
import type { RandomReader } from "./store.ts";

const MAGIC = "ARROW1";

/** A fresh, 8-byte aligned buffer (a body's columns are typed-array views, which need the alignment). */
function freshBuffer(n: number): Uint8Array {
  // allocUnsafeSlow: not from Node's shared pool and not zero-filled; always at offset 0.
  return n >= 4096 ? Buffer.allocUnsafeSlow(n) : new Uint8Array(n);
}

/**
 * The shared body buffer of the last `reuse` framer to finish, for the next one: a reader of many
 * shards in turn then holds one buffer throughout, instead of leaving one per shard to the GC.
 */
let spare: Uint8Array | null = null;

export interface Framed {
  header: arrow.MessageHeader;
  /** The decoded metadata. */
  message: arrow.Message;
  /** The body, in a fresh buffer of its own (empty for a schema). */
  body: Uint8Array;
}

/**
 * Frames the IPC messages of an object: continuation marker, int32 metadata length,
 * flatbuffer `Message`, body. Small reads go through one reusable window; a body is read into a
 * buffer of its own, directly from the object for all but what the window already holds of it.
 */
export class MessageFramer {
  private readonly win: Uint8Array;
  private winAt = 0;
  private winLen = 0;

  private pos = 0;
  /** With `reuse`, the buffer every record batch body is read into (grown as needed). */
  private shared: Uint8Array | null = null;
  /** Whether the object is in the IPC file format (magic, stream, footer) rather than the stream format. */
  isFile = false;

  private constructor(
    private readonly src: RandomReader,
    private readonly uri: string,
    private readonly reuse: boolean,
  ) {
    this.win = new Uint8Array(src.blockSize ?? 64 << 10);
  }

  /**
   * Frames the object's messages, after the leading `ARROW1` magic of the file format if it has
   * one. With `reuse`, every record batch body goes into one buffer, so a batch's columns are
   * overwritten by the next batch (dictionary bodies, which later batches refer to, never are).
   */
  static async open(src: RandomReader, uri: string, reuse = false): Promise<MessageFramer> {
    const f = new MessageFramer(src, uri, reuse);
    const start = await f.view(0, 8);
    f.isFile = start.byteLength >= 6 && Buffer.from(start.subarray(0, 6)).toString("latin1") === MAGIC;
    f.pos = f.isFile ? 8 : 0;
    return f;
  }

  /** Bytes [p, p + n) (fewer at the end of the object), valid until the next call. */
  private async view(p: number, n: number): Promise<Uint8Array> {
    if (p >= this.winAt && p + n <= this.winAt + this.winLen) {
      return this.win.subarray(p - this.winAt, p - this.winAt + n);
    }
    if (n > this.win.byteLength) {
      const out = freshBuffer(n);
      return out.subarray(0, await this.src.read(out, 0, n, p));
    }
    this.winAt = p;
    const want = Math.max(0, Math.min(this.win.byteLength, this.src.size - p));
    this.winLen = want > 0 ? await this.src.read(this.win, 0, want, p) : 0;
    return this.win.subarray(0, Math.min(n, this.winLen));
  }

  /**
   * Bytes [p, p + n) in a fresh buffer (or the shared one): what the window holds of them, then
   * one direct read.
   */
  private async fresh(p: number, n: number, shared: boolean): Promise<Uint8Array> {
    let out: Uint8Array;
    if (shared) {
      if (!this.shared && spare) {
        this.shared = spare;
        spare = null;
      }
      if (!this.shared || this.shared.byteLength < n) {
        this.shared = null; // let the old one go before allocating the new one
        this.shared = freshBuffer(n + (n >> 3)); // some headroom: batches vary a little in size
      }
      out = this.shared.subarray(0, n);
    } else {
      out = freshBuffer(n);
    }
    let have = 0;
    if (p >= this.winAt && p < this.winAt + this.winLen) {
      have = Math.min(n, this.winAt + this.winLen - p);
      out.set(this.win.subarray(p - this.winAt, p - this.winAt + have));
    }
    if (have < n) have += await this.src.read(out, have, n - have, p + have);
    if (have < n) throw new Error(`${this.uri}: truncated Arrow message`);
    return out;
  }

  /** Done with the object: hands the shared body buffer on to the next `reuse` framer. */
  release(): void {
    if (this.shared && (!spare || spare.byteLength < this.shared.byteLength)) spare = this.shared;
    this.shared = null;
  }

  /** The next message, or null at end-of-stream (or where the object ends). */
  async next(): Promise<Framed | null> {
    const at = this.pos;
    const prefix = await this.view(at, 8);
    if (prefix.byteLength < 4) return null;
    const dv = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
    let len = dv.getInt32(0, true);
    let skip = 4; // pre-0.15 streams have no continuation marker
    if (len === -1) {
      if (prefix.byteLength < 8) throw new Error(`${this.uri}: truncated Arrow message`);
      len = dv.getInt32(4, true);
      skip = 8;
    }
    if (len <= 0) return null; // end-of-stream marker
    const meta = await this.view(at + skip, len);
    if (meta.byteLength < len) throw new Error(`${this.uri}: truncated Arrow message`);
    const message = arrow.Message.decode(meta.slice()); // the window is reused; the header may be read lazily
    const bodyLength = Number(message.bodyLength);
    const shared = this.reuse && message.headerType === arrow.MessageHeader.RecordBatch;
    const body = bodyLength > 0 ? await this.fresh(at + skip + len, bodyLength, shared) : new Uint8Array(0);
    this.pos = at + skip + len + bodyLength;
    return { header: message.headerType, message, body };
  }
}

/** The parts of apache-arrow's reader that turn a message and its body into a batch (apache-arrow 21, pinned). */
interface BatchLoader {
  dictionaries: Map<number, arrow.Vector>;
  reset(schema: arrow.Schema): BatchLoader;
  _loadRecordBatch(header: unknown, body: Uint8Array, metadata: Map<string, string>): arrow.RecordBatch;
  _loadDictionaryBatch(header: unknown, body: Uint8Array): arrow.Vector;
}

function batchLoader(schema: arrow.Schema): BatchLoader {
  const reader = arrow.RecordBatchReader.from([] as Uint8Array[]) as unknown as { _impl?: BatchLoader };
  const impl = reader._impl;
  if (typeof impl?._loadRecordBatch !== "function" || typeof impl._loadDictionaryBatch !== "function") {
    throw new Error(
      "apache-arrow's reader has changed: no _impl._loadRecordBatch (functions/io/ipc-stream.ts)",
    );
  }
  return impl.reset(schema);
}

/**
 * Record batches of an IPC stream (schema, dictionaries, batches, end-of-stream), decoded one at
 * a time with apache-arrow's own batch loader, `first` being the stream's first message. `onSchema`
 * sees the schema before any batch. Stops at end-of-stream (a file's footer follows).
 */
export async function* decodeStream(
  messages: MessageFramer,
  first: Framed | null,
  uri: string,
  onSchema: (schema: arrow.Schema) => void,
): AsyncGenerator<arrow.RecordBatch> {
  if (first?.header !== arrow.MessageHeader.Schema) {
    throw new Error(`${uri}: Arrow stream does not start with a schema`);
  }
  const schema = first.message.header() as arrow.Schema;
  onSchema(schema);
  const loader = batchLoader(schema);
  for (;;) {
    let m = await messages.next();
    if (!m) return;
    const { header, message, body } = m;
    m = null;
    if (header === arrow.MessageHeader.RecordBatch) {
      yield loader._loadRecordBatch(message.header(), body, message.metadata);
    } else if (header === arrow.MessageHeader.DictionaryBatch) {
      const dict = message.header() as unknown as { id: number };
      loader.dictionaries.set(dict.id, loader._loadDictionaryBatch(dict, body));
    } else {
      throw new Error(`${uri}: unexpected ${arrow.MessageHeader[header]} message in an Arrow stream`);
    }
  }
}
