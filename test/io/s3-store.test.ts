import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRows } from "../../functions/io/arrow-read.ts";
import { writeTable } from "../../functions/io/arrow-write.ts";
import { commitStage, isComplete, stageHash } from "../../functions/io/commit.ts";
import { NotFoundError } from "../../functions/io/errors.ts";
import { exists, list, read, readJson, readStream, removePrefix, write } from "../../functions/io/objects.ts";
import type { S3Store } from "../../functions/io/s3-store.ts";
import { storeFor } from "../../functions/io/store.ts";
import { TABLES } from "../../schemas/tables/index.ts";
import { makeRows } from "./fixtures.ts";
import { type S3Emulator, startS3Emulator } from "./s3-emulator.ts";

let emu: S3Emulator;
let base: string;

beforeAll(async () => {
  emu = await startS3Emulator();
  base = `s3://${emu.bucket}`;
  await (storeFor(base) as S3Store).client.send(new CreateBucketCommand({ Bucket: emu.bucket }));
});
afterAll(async () => {
  await removePrefix(`${base}/`).catch(() => {});
  await emu?.stop();
});

describe("S3 store against an S3 emulator (LocalStack via AWS_ENDPOINT_URL, else moto)", () => {
  it("puts, gets, checks existence; a missing key names the URI", async () => {
    await write(`${base}/a/x.json`, JSON.stringify({ ok: true }));
    expect(await readJson(`${base}/a/x.json`)).toEqual({ ok: true });
    expect(await exists(`${base}/a/x.json`)).toBe(true);
    expect(await exists(`${base}/a/nope`)).toBe(false);
    await expect(read(`${base}/a/nope`)).rejects.toThrow(new NotFoundError(`${base}/a/nope`));
    await expect(read(`${base}/a/nope`)).rejects.toThrow(`object not found: ${base}/a/nope`);
  });

  it("lists more than 1,000 keys across pages, sorted, under a directory-like prefix", async () => {
    const keys = Array.from({ length: 1050 }, (_, i) => `${base}/many/k${String(i).padStart(4, "0")}`);
    const store = storeFor(base);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((k) => store.write(k, "x")));
    }
    await write(`${base}/many-not-under/k`, "x");
    const listed = await list(`${base}/many`);
    expect(listed.length).toBe(1050);
    expect(listed).toEqual(keys);
    expect(await removePrefix(`${base}/many`)).toBe(1050);
    expect(await list(`${base}/many`)).toEqual([]);
  });

  it("uploads a ~20 MB object in parts and streams it back equal", async () => {
    const big = Buffer.alloc(20 << 20);
    for (let i = 0; i < big.length; i += 4) big.writeUInt32LE(i, i);
    const uri = `${base}/big/blob.bin`;
    await write(uri, big);
    let off = 0;
    let chunks = 0;
    let same = true;
    for await (const c of readStream(uri)) {
      same &&= Buffer.from(c).equals(big.subarray(off, off + c.byteLength));
      off += c.byteLength;
      chunks++;
    }
    expect(off).toBe(big.length);
    expect(same).toBe(true);
    expect(chunks).toBeGreaterThan(1);
    expect((await storeFor(uri).readRange(uri, 4, 8)).readUInt32LE(0)).toBe(4);
  });

  it("writes and reads Arrow tables and commits a stage on S3", async () => {
    const prefix = `${base}/runs/r/stages/01-ingest`;
    const rows = makeRows(TABLES.problems, 30);
    await writeTable(`${prefix}/part-00000.arrow`, TABLES.problems, rows, { batchRows: 8 });
    const back: unknown[] = [];
    for await (const r of readRows(`${prefix}/part-00000.arrow`, TABLES.problems)) back.push(r);
    expect(back).toEqual(rows);
    const hash = stageHash([{ stage: "ingest" }]);
    await commitStage(prefix, { stage: "ingest", hash, files: ["part-00000.arrow"] });
    expect(await isComplete(prefix, hash)).toBe(true);
  });
});
