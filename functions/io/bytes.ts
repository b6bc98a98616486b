/** Helpers shared by the stores (kept apart from store.ts, which imports the stores). */
import type { ObjectSink } from "./store.ts";

export type Bytes = Buffer | Uint8Array | string;

/** Pumps chunks into a sink, aborting it if the source or the sink fails. */
export async function pump(
  sink: ObjectSink,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<void> {
  try {
    for await (const chunk of chunks) await sink.write(chunk);
  } catch (err) {
    await sink.abort().catch(() => {});
    throw err;
  }
  await sink.close();
}

export function toBuffer(data: Bytes): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
