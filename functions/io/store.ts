/**
 * One object-store interface for S3 (and LocalStack) and the local disk, chosen by URI.
 * Writes are all-or-nothing: a reader sees the whole object or none of it.
 */

import { parseUri } from "../../recipe/uri.ts";
import { LocalStore } from "./local-store.ts";
import { S3Store, s3ClientFromEnv } from "./s3-store.ts";

export type { Bytes } from "./bytes.ts";

import type { Bytes } from "./bytes.ts";

/** An object being written; nothing is visible at its URI until `close()` resolves. */
export interface ObjectSink {
  /** Appends bytes; resolves when the sink can take more (back-pressure). */
  write(chunk: Uint8Array): Promise<void>;
  /** Publishes the object. */
  close(): Promise<void>;
  /** Drops everything written so far; the URI keeps whatever it held before. */
  abort(): Promise<void>;
}

/**
 * Positional reads of one object (a local file handle; ranged GETs on S3), for readers that
 * know where the bytes they want lie, such as the Arrow reader framing one message at a time.
 */
export interface RandomReader {
  /** The object's size in bytes. */
  readonly size: number;
  /** Reads this small cost about as much as one of this many bytes (one S3 GET), so read-ahead this much. */
  readonly blockSize?: number;
  /**
   * Reads bytes [position, position + length) into `into` at `offset`; returns how many were read,
   * fewer only where the object ends.
   */
  read(into: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

export interface ObjectStore {
  read(uri: string): Promise<Buffer>;
  /** Bytes [start, end) of the object. */
  readRange(uri: string, start: number, end: number): Promise<Buffer>;
  /** The object in chunks, in order; never the whole object at once. */
  readStream(uri: string): AsyncIterable<Uint8Array>;
  /** The object opened for positional reads; close it when done. */
  openRead(uri: string): Promise<RandomReader>;
  size(uri: string): Promise<number>;
  write(uri: string, data: Bytes): Promise<void>;
  openWrite(uri: string): Promise<ObjectSink>;
  /** Every object under the prefix (taken as a directory), as full URIs, sorted. */
  list(prefix: string): Promise<string[]>;
  exists(uri: string): Promise<boolean>;
  /** Deletes one object; deleting a missing object is not an error. */
  delete(uri: string): Promise<void>;
  /** Deletes every object under the prefix; returns how many. */
  deletePrefix(prefix: string): Promise<number>;
}

let local: LocalStore | undefined;
const s3Stores = new Map<string, S3Store>();

/**
 * The store serving a URI. S3 clients are cached per endpoint (`AWS_ENDPOINT_URL_S3`, then
 * `AWS_ENDPOINT_URL`, read at call time so tests can point at an emulator).
 */
export function storeFor(uri: string): ObjectStore {
  if (parseUri(uri).scheme === "file") {
    local ??= new LocalStore();
    return local;
  }
  const endpoint = process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || "";
  let store = s3Stores.get(endpoint);
  if (!store) {
    store = new S3Store(s3ClientFromEnv(endpoint || undefined));
    s3Stores.set(endpoint, store);
  }
  return store;
}
