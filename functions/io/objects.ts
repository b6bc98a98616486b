/** The object-store operations as plain functions of a URI; each picks its store with `storeFor`. */
import { pump } from "./bytes.ts";
import { type Bytes, storeFor } from "./store.ts";

export const read = (uri: string): Promise<Buffer> => storeFor(uri).read(uri);
export const readStream = (uri: string): AsyncIterable<Uint8Array> => storeFor(uri).readStream(uri);
export const write = (uri: string, data: Bytes): Promise<void> => storeFor(uri).write(uri, data);
/** Streams chunks into one object through the store's sink (multipart on S3); aborted if the source fails. */
export async function writeFromStream(
  uri: string,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<void> {
  await pump(await storeFor(uri).openWrite(uri), chunks);
}
export const list = (prefix: string): Promise<string[]> => storeFor(prefix).list(prefix);
export const exists = (uri: string): Promise<boolean> => storeFor(uri).exists(uri);
export const remove = (uri: string): Promise<void> => storeFor(uri).delete(uri);
export const removePrefix = (prefix: string): Promise<number> => storeFor(prefix).deletePrefix(prefix);

export async function readText(uri: string): Promise<string> {
  return (await read(uri)).toString("utf8");
}

/** Parses JSON, naming the object when it is not JSON. */
export async function readJson(uri: string): Promise<unknown> {
  const text = await readText(uri);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${uri}: not valid JSON (${(err as Error).message})`);
  }
}

export async function writeJson(uri: string, value: unknown): Promise<void> {
  await write(uri, `${JSON.stringify(value, null, 2)}\n`);
}
