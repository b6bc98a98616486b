import { readdirSync, writeFileSync } from "node:fs";
import { join as pathJoin } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { fsError, NotFoundError, StoreError } from "../../functions/io/errors.ts";
import {
  exists,
  list,
  read,
  readJson,
  readStream,
  readText,
  remove,
  removePrefix,
  write,
  writeFromStream,
} from "../../functions/io/objects.ts";
import { storeFor } from "../../functions/io/store.ts";
import { joinUri as join, parseUri } from "../../recipe/uri.ts";
import { tempDir } from "./helpers.ts";

const { dir, cleanup } = tempDir();
afterAll(cleanup);

describe("uri", () => {
  it("parses s3, file URLs and paths, and joins segments", () => {
    expect(parseUri("s3://b/runs/x")).toEqual({ scheme: "s3", bucket: "b", key: "runs/x" });
    expect(parseUri("file:///tmp/a")).toEqual({ scheme: "file", path: "/tmp/a", style: "url" });
    expect(parseUri("/tmp/a")).toEqual({ scheme: "file", path: "/tmp/a", style: "path" });
    expect(join("s3://b/runs/", "x", "part-00000.arrow")).toBe("s3://b/runs/x/part-00000.arrow");
    expect(join("file:///tmp/r", "a/")).toBe("file:///tmp/r/a");
    expect(join("/tmp/r", "a", "b")).toBe("/tmp/r/a/b");
    expect(() => parseUri("gs://b/k")).toThrow(/unsupported URI scheme/);
  });
});

describe("local store", () => {
  it("round-trips bytes, text and JSON, creating directories", async () => {
    const uri = join(dir, "a/b/c.json");
    await write(uri, JSON.stringify({ x: [1, 2] }));
    expect(await readJson(uri)).toEqual({ x: [1, 2] });
    await write(uri, new Uint8Array([104, 105]));
    expect(await readText(uri)).toBe("hi");
    expect(await exists(uri)).toBe(true);
    expect(await exists(join(dir, "a/b/nope"))).toBe(false);
  });

  it("accepts file:// URIs and lists in the same style, recursively and sorted", async () => {
    const base = pathToFileURL(pathJoin(dir, "listing")).href;
    for (const name of ["z.txt", "a/2.txt", "a/1.txt"]) await write(join(base, name), name);
    expect(await list(base)).toEqual([join(base, "a/1.txt"), join(base, "a/2.txt"), join(base, "z.txt")]);
    expect(await list(join(dir, "listing"))).toEqual(
      ["a/1.txt", "a/2.txt", "z.txt"].map((n) => pathJoin(dir, "listing", n)),
    );
    expect(await list(join(dir, "no-such-prefix"))).toEqual([]);
    expect(await removePrefix(base)).toBe(3);
    expect(await list(base)).toEqual([]);
  });

  it("streams in chunks and writes from a stream", async () => {
    const uri = join(dir, "stream.bin");
    const big = Buffer.alloc(9 << 20, 7);
    async function* gen() {
      for (let i = 0; i < big.byteLength; i += 1 << 20) yield big.subarray(i, i + (1 << 20));
    }
    await writeFromStream(uri, gen());
    let n = 0;
    let chunks = 0;
    for await (const c of readStream(uri)) {
      n += c.byteLength;
      chunks++;
    }
    expect(n).toBe(big.byteLength);
    expect(chunks).toBeGreaterThan(1);
    expect((await read(uri)).equals(big)).toBe(true);
    expect((await storeFor(uri).readRange(uri, 10, 20)).byteLength).toBe(10);
  });

  it("never shows a half-written object: nothing is visible until close, abort leaves nothing", async () => {
    const uri = join(dir, "atomic/obj.bin");
    await write(uri, "old");
    const sink = await storeFor(uri).openWrite(uri);
    await sink.write(Buffer.from("new-part-1"));
    expect(await readText(uri)).toBe("old");
    expect(await list(join(dir, "atomic"))).toEqual([uri]); // the temp file is not listed
    await sink.close();
    expect(await readText(uri)).toBe("new-part-1");
    const aborted = await storeFor(uri).openWrite(uri);
    await aborted.write(Buffer.from("junk"));
    await aborted.abort();
    expect(await readText(uri)).toBe("new-part-1");
    expect(readdirSync(pathJoin(dir, "atomic"))).toEqual(["obj.bin"]);
  });

  it("a failing source stream aborts the write", async () => {
    const uri = join(dir, "atomic/failed.bin");
    async function* bad() {
      yield Buffer.from("x");
      throw new Error("producer died");
    }
    await expect(writeFromStream(uri, bad())).rejects.toThrow("producer died");
    expect(await exists(uri)).toBe(false);
  });

  it("a missing object throws NotFoundError naming the URI", async () => {
    const uri = join(dir, "missing/x.arrow");
    await expect(read(uri)).rejects.toThrow(new NotFoundError(uri));
    await expect(read(uri)).rejects.toThrow(`object not found: ${uri}`);
    await expect(async () => {
      for await (const _ of readStream(uri)) break;
    }).rejects.toBeInstanceOf(NotFoundError);
  });

  it("file-system errors name the URI and the cause (ENOSPC, EACCES)", () => {
    const errno = (code: string) => Object.assign(new Error(code), { code });
    expect(fsError(errno("ENOSPC"), "/d/x.arrow", "writing").message).toBe(
      "disk full writing /d/x.arrow (ENOSPC)",
    );
    expect(fsError(errno("EACCES"), "/d/x.arrow", "writing").message).toBe(
      "not writable: /d/x.arrow (EACCES)",
    );
    expect(fsError(errno("ENOENT"), "/d/x.arrow", "reading")).toBeInstanceOf(NotFoundError);
  });

  it("a target whose parent is a file is a store error naming the URI", async () => {
    const file = join(dir, "plain-file");
    await write(file, "x");
    const uri = join(file, "child.json");
    const err = await write(uri, "{}").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toContain(uri);
  });

  it("delete removes one object and ignores a missing one", async () => {
    const uri = join(dir, "del.txt");
    writeFileSync(uri, "x");
    await remove(uri);
    await remove(uri);
    expect(await exists(uri)).toBe(false);
  });
});
