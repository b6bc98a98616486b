/**
 * Async IPC stream decoding, one message at a time. apache-arrow's async stream reader spends
 * most of its time in async byte plumbing, while its sync reader decodes a batch in ~2 ms; so we
 * frame the messages ourselves (async), and hand each complete message to one sync reader.
 */
import * as arrow from "apache-arrow";

/** Exact-size reads from a chunk stream; zero-copy when the bytes lie within one chunk. */
class ByteReader {
  private chunk: Uint8Array = new Uint8Array(0);
  private at = 0;
  constructor(private readonly it: AsyncIterator<Uint8Array>) {}

  async read(n: number): Promise<Uint8Array | null> {
    if (this.chunk.byteLength - this.at >= n) {
      const out = this.chunk.subarray(this.at, this.at + n);
      this.at += n;
      return out;
    }
    const out = new Uint8Array(n); // fresh and 8-byte aligned, so typed-array views need no copy
    let filled = 0;
    while (filled < n) {
      if (this.at >= this.chunk.byteLength) {
        const next = await this.it.next();
        if (next.done) return filled === 0 ? null : out.subarray(0, filled);
        this.chunk = next.value;
        this.at = 0;
      }
      const take = Math.min(n - filled, this.chunk.byteLength - this.at);
      out.set(this.chunk.subarray(this.at, this.at + take), filled);
      this.at += take;
      filled += take;
    }
    return out;
  }
}

const aligned = (b: Uint8Array): Uint8Array => (b.byteOffset % 8 === 0 ? b : b.slice());
const EOS = new Uint8Array([255, 255, 255, 255, 0, 0, 0, 0]);

const int32 = (b: Uint8Array): number => new DataView(b.buffer, b.byteOffset, 4).getInt32(0, true);

/**
 * The rest of the message whose first 4 bytes are `head` (framing, metadata, body), or null at
 * end of stream.
 */
async function restOfMessage(
  head: Uint8Array | null,
  bytes: ByteReader,
  uri: string,
): Promise<{ header: arrow.MessageHeader; pieces: Uint8Array[] } | null> {
  if (!head || head.byteLength < 4) return null;
  const pieces: Uint8Array[] = [];
  let len = int32(head);
  if (len === -1) {
    const second = await bytes.read(4);
    if (!second || second.byteLength < 4) throw new Error(`${uri}: truncated Arrow message`);
    pieces.push(second);
    len = int32(second);
  }
  if (len === 0) return null;
  const meta = await bytes.read(len);
  if (!meta || meta.byteLength < len) throw new Error(`${uri}: truncated Arrow message`);
  const message = arrow.Message.decode(meta);
  pieces.push(meta);
  const bodyLength = Number(message.bodyLength);
  if (bodyLength > 0) {
    const body = await bytes.read(bodyLength);
    if (!body || body.byteLength < bodyLength) throw new Error(`${uri}: truncated Arrow record batch`);
    pieces.push(aligned(body));
  }
  return { header: message.headerType, pieces };
}

/**
 * Record batches of an IPC stream (schema, dictionaries, batches, end-of-stream), decoded one at
 * a time. `onSchema` sees the schema before any batch. Stops at end-of-stream (a file's footer follows).
 */
export async function* decodeStream(
  chunks: AsyncIterable<Uint8Array>,
  uri: string,
  onSchema: (schema: arrow.Schema) => void,
): AsyncGenerator<arrow.RecordBatch> {
  const bytes = new ByteReader(chunks[Symbol.asyncIterator]());
  // The sync reader pulls from this queue; we fill it with whole messages before each pull, so it
  // never finds it empty mid-message (an empty queue would end its stream).
  const queue: Uint8Array[] = [];
  const source = {
    [Symbol.iterator]: () => ({
      next: (): IteratorResult<Uint8Array> =>
        queue.length > 0 ? { done: false, value: queue.shift()! } : { done: true, value: undefined },
    }),
  };
  // apache-arrow's sync byte source pulls one more chunk whenever a read ends exactly on what it
  // holds, so the first 4 bytes of the next message are always queued ahead of the current one.
  let head = await bytes.read(4);
  queue.push(head ?? EOS);
  let reader: arrow.RecordBatchStreamReader | null = null;
  for (;;) {
    const message = await restOfMessage(head, bytes, uri);
    head = message ? await bytes.read(4) : null;
    if (message) queue.push(...message.pieces, head ?? EOS);
    if (!reader) {
      if (message?.header !== arrow.MessageHeader.Schema) {
        throw new Error(`${uri}: Arrow stream does not start with a schema`);
      }
      reader = arrow.RecordBatchReader.from(source) as arrow.RecordBatchStreamReader;
      reader.open();
      onSchema(reader.schema);
      continue;
    }
    if (!message) return;
    if (message.header !== arrow.MessageHeader.RecordBatch) continue; // dictionaries: decoded with the next batch
    const next = reader.next();
    if (next.done) return;
    yield next.value;
  }
}
