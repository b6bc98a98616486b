/**
 * Arrow tables through the emulator's real S3 API: a `rollouts` table written with the stages'
 * ShardedWriter under a run's prefix, large enough that lib-storage uploads a shard in parts, then
 * streamed back with readBatches and compared row for row (count and a checksum of every row's id,
 * token ids and log-probs).
 */
import { createHash } from "node:crypto";
import { CreateBucketCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import type * as arrow from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBatches, readShards } from "../../functions/io/arrow-read.ts";
import { ShardedWriter, type WriteRow } from "../../functions/io/arrow-write.ts";
import { PART_SIZE } from "../../functions/io/s3-store.ts";
import { rollouts } from "../../schemas/tables/rollouts.ts";
import { tokenRow } from "../io/fixtures.ts";
import { endpoint, s3Client, uniqueName } from "./aws.ts";

endpoint(); // fails the file, with what to do, when AWS_ENDPOINT_URL is not set

const s3 = s3Client();
const bucket = uniqueName("r1flow-arrow");

const ROWS = 4500;
const TOKENS = 512; // 4 KiB of token ids and log-probs per row: about 18 MiB in all
const SHARD_BYTES = 12 << 20;

function rowHash(hash: ReturnType<typeof createHash>, id: string, ids: Int32Array, logprobs: Float32Array) {
  hash.update(id).update("\0");
  hash.update(Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength));
  hash.update(Buffer.from(logprobs.buffer, logprobs.byteOffset, logprobs.byteLength));
}

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(() => s3.destroy());

describe("Arrow tables through the emulator's S3", () => {
  it("writes a sharded rollouts table with multipart uploads and streams it back equal", async () => {
    const prefix = `s3://${bucket}/runs/x/stages/08-grpo-rollout/iter-0000`;
    const written = createHash("sha256");
    const writer = new ShardedWriter(prefix, rollouts, { maxBytes: SHARD_BYTES, batchRows: 512 });
    for (let i = 0; i < ROWS; i++) {
      const row = tokenRow(i, TOKENS);
      const ids = Int32Array.from(row.completion_token_ids as number[]);
      const logprobs = Float32Array.from(row.logprobs as number[]);
      rowHash(written, row.id as string, ids, logprobs);
      await writer.write({ ...row, completion_token_ids: ids, logprobs } as WriteRow<typeof rollouts>);
    }
    const shards = await writer.close();
    expect(shards.length).toBe(2);
    expect(shards.reduce((n, s) => n + s.rows, 0)).toBe(ROWS);

    // The first shard passed the part size: S3 gives a multipart upload's object the ETag
    // `"<md5 of the parts' md5s>-<parts>"`; the second, smaller one went up in one PUT.
    const [big, rest] = shards as [(typeof shards)[0], (typeof shards)[0]];
    expect(big.bytes).toBeGreaterThan(PART_SIZE);
    expect(rest.bytes).toBeLessThan(PART_SIZE);
    for (const shard of shards) {
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: bucket, Key: shard.uri.slice(`s3://${bucket}/`.length) }),
      );
      expect(head.ContentLength).toBe(shard.bytes);
      const parts = Math.ceil(shard.bytes / PART_SIZE);
      expect(head.ETag, shard.uri).toMatch(
        parts > 1 ? new RegExp(`^"[0-9a-f]{32}-${parts}"$`) : /^"[0-9a-f]{32}"$/,
      );
    }

    expect(await readShards(prefix)).toEqual(shards.map((s) => s.uri));
    const read = createHash("sha256");
    let rows = 0;
    let batches = 0;
    for (const shard of shards) {
      for await (const batch of readBatches(shard.uri, rollouts)) {
        batches++;
        const id = batch.getChild("id")!;
        const tokens = batch.getChild("completion_token_ids")!;
        const logprobs = batch.getChild("logprobs")!;
        for (let i = 0; i < batch.numRows; i++) {
          const t = tokens.get(i) as arrow.Vector<arrow.Int32>;
          const l = logprobs.get(i) as arrow.Vector<arrow.Float32>;
          rowHash(read, id.get(i) as string, t.toArray() as Int32Array, l.toArray() as Float32Array);
          rows++;
        }
      }
    }
    expect(rows).toBe(ROWS);
    expect(batches).toBeGreaterThan(2);
    expect(read.digest("hex")).toBe(written.digest("hex"));
  });
});
