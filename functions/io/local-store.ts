/**
 * The local-disk store. A write goes to a hidden temp file in the target directory and is
 * renamed into place on close, so readers never see half a file (rename is atomic on POSIX).
 */
import { randomBytes } from "node:crypto";
import { type FileHandle, mkdir, open, readdir, rename, rm, stat, unlink } from "node:fs/promises";
import { dirname, basename as pathBase, join as pathJoin } from "node:path";
import { formatUri, parseUri } from "../../recipe/uri.ts";
import { type Bytes, pump, toBuffer } from "./bytes.ts";
import { fsError, NotFoundError } from "./errors.ts";
import type { ObjectSink, ObjectStore, RandomReader } from "./store.ts";

/** Read size for streams: large enough for throughput, small next to a record batch. */
const CHUNK = 4 << 20;
const TEMP = /^\..*\.tmp-[0-9a-f]+$/;

function pathOf(uri: string): string {
  const parsed = parseUri(uri);
  if (parsed.scheme !== "file") throw new Error(`not a local URI: ${uri}`);
  return parsed.path;
}

async function openForRead(uri: string): Promise<FileHandle> {
  try {
    return await open(pathOf(uri), "r");
  } catch (err) {
    throw fsError(err, uri, "reading");
  }
}

class LocalSink implements ObjectSink {
  private done = false;
  constructor(
    private readonly uri: string,
    private readonly handle: FileHandle,
    private readonly temp: string,
    private readonly target: string,
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    try {
      let off = 0;
      while (off < chunk.byteLength) {
        const { bytesWritten } = await this.handle.write(chunk, off, chunk.byteLength - off);
        off += bytesWritten;
      }
    } catch (err) {
      await this.abort();
      throw fsError(err, this.uri, "writing");
    }
  }

  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    try {
      await this.handle.close();
      await rename(this.temp, this.target);
    } catch (err) {
      await unlink(this.temp).catch(() => {});
      throw fsError(err, this.uri, "writing");
    }
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.handle.close().catch(() => {});
    await unlink(this.temp).catch(() => {});
  }
}

export class LocalStore implements ObjectStore {
  async read(uri: string): Promise<Buffer> {
    const handle = await openForRead(uri);
    try {
      return await handle.readFile();
    } catch (err) {
      throw fsError(err, uri, "reading");
    } finally {
      await handle.close();
    }
  }

  async readRange(uri: string, start: number, end: number): Promise<Buffer> {
    const handle = await openForRead(uri);
    try {
      const buf = Buffer.allocUnsafe(Math.max(0, end - start));
      const { bytesRead } = await handle.read(buf, 0, buf.byteLength, start);
      return buf.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  async *readStream(uri: string): AsyncIterable<Uint8Array> {
    const handle = await openForRead(uri);
    try {
      let position = 0;
      for (;;) {
        // A fresh buffer per chunk: consumers may keep views into earlier chunks.
        const buf = Buffer.allocUnsafe(CHUNK);
        const { bytesRead } = await handle.read(buf, 0, CHUNK, position);
        if (bytesRead === 0) return;
        position += bytesRead;
        yield buf.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  }

  async openRead(uri: string): Promise<RandomReader> {
    const handle = await openForRead(uri);
    let size: number;
    try {
      size = (await handle.stat()).size;
    } catch (err) {
      await handle.close();
      throw fsError(err, uri, "reading");
    }
    return {
      size,
      read: async (into, offset, length, position) => {
        let done = 0;
        try {
          while (done < length && position + done < size) {
            const { bytesRead } = await handle.read(into, offset + done, length - done, position + done);
            if (bytesRead === 0) break;
            done += bytesRead;
          }
        } catch (err) {
          throw fsError(err, uri, "reading");
        }
        return done;
      },
      close: () => handle.close(),
    };
  }

  async size(uri: string): Promise<number> {
    try {
      return (await stat(pathOf(uri))).size;
    } catch (err) {
      throw fsError(err, uri, "reading");
    }
  }

  async write(uri: string, data: Bytes): Promise<void> {
    await pump(await this.openWrite(uri), [toBuffer(data)]);
  }

  async openWrite(uri: string): Promise<ObjectSink> {
    const target = pathOf(uri);
    const temp = pathJoin(dirname(target), `.${pathBase(target)}.tmp-${randomBytes(6).toString("hex")}`);
    try {
      await mkdir(dirname(target), { recursive: true });
      return new LocalSink(uri, await open(temp, "wx"), temp, target);
    } catch (err) {
      throw fsError(err, uri, "writing");
    }
  }

  async list(prefix: string): Promise<string[]> {
    const parsed = parseUri(prefix);
    if (parsed.scheme !== "file") throw new Error(`not a local URI: ${prefix}`);
    let entries: string[];
    try {
      entries = (await readdir(parsed.path, { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile() && !TEMP.test(e.name))
        .map((e) => pathJoin(e.parentPath, e.name));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return [];
      throw fsError(err, prefix, "listing");
    }
    return entries.sort().map((path) => formatUri({ ...parsed, path }));
  }

  async exists(uri: string): Promise<boolean> {
    try {
      return (await stat(pathOf(uri))).isFile();
    } catch (err) {
      if (fsError(err, uri, "reading") instanceof NotFoundError) return false;
      throw fsError(err, uri, "reading");
    }
  }

  async delete(uri: string): Promise<void> {
    try {
      await rm(pathOf(uri), { force: true });
    } catch (err) {
      throw fsError(err, uri, "deleting");
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    const all = await this.list(prefix);
    for (const uri of all) await this.delete(uri);
    return all.length;
  }
}
