/**
 * The S3 store (AWS, or LocalStack/moto through an endpoint URL). Large writes go through
 * `@aws-sdk/lib-storage`'s multipart Upload, which publishes the object only on completion.
 */
import { PassThrough } from "node:stream";
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { parseUri } from "../../recipe/uri.ts";
import { type Bytes, pump, toBuffer } from "./bytes.ts";
import { observed } from "./call-observers.ts";
import { NotFoundError, StoreError } from "./errors.ts";
import type { ObjectSink, ObjectStore, RandomReader } from "./store.ts";

/** S3's minimum part is 5 MiB; 8 MiB parts keep a 10,000-part upload good for 80 GB. */
export const PART_SIZE = 8 << 20;
const QUEUE_SIZE = 4;

export function s3ClientFromEnv(endpoint?: string): S3Client {
  const client = new S3Client({
    region: process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || "us-east-1",
    // Emulators serve buckets by path, not by virtual host.
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
  });
  return observed(client, "s3");
}

function location(uri: string): { Bucket: string; Key: string } {
  const parsed = parseUri(uri);
  if (parsed.scheme !== "s3") throw new Error(`not an S3 URI: ${uri}`);
  return { Bucket: parsed.bucket, Key: parsed.key };
}

function s3Error(err: unknown, uri: string, doing: string): Error {
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  if (e?.name === "NoSuchKey" || e?.name === "NotFound" || status === 404) return new NotFoundError(uri);
  if (e?.name === "NoSuchBucket") return new StoreError(uri, `bucket does not exist: ${uri}`, { cause: err });
  if (e?.name === "AccessDenied" || status === 403) {
    return new StoreError(uri, `access denied ${doing} ${uri}`, { cause: err });
  }
  const why = err instanceof Error ? err.message : String(err);
  return new StoreError(uri, `error ${doing} ${uri}: ${why}`, { cause: err });
}

class S3Sink implements ObjectSink {
  private readonly body = new PassThrough({ highWaterMark: PART_SIZE });
  private readonly upload: Upload;
  private readonly done: Promise<unknown>;
  private failed: unknown = null;

  constructor(
    client: S3Client,
    private readonly uri: string,
  ) {
    this.upload = new Upload({
      client,
      params: { ...location(uri), Body: this.body },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    this.done = this.upload.done().catch((err) => {
      this.failed = err;
      this.body.destroy();
      throw err;
    });
    this.done.catch(() => {}); // observed in write/close; avoid an unhandled rejection meanwhile
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.failed) throw s3Error(this.failed, this.uri, "writing");
    if (this.body.write(chunk)) return;
    // Wait for the uploader to drain, or for it to fail.
    await Promise.race([new Promise((r) => this.body.once("drain", r)), this.done]).catch((err) => {
      throw s3Error(err, this.uri, "writing");
    });
  }

  async close(): Promise<void> {
    this.body.end();
    try {
      await this.done;
    } catch (err) {
      throw s3Error(err, this.uri, "writing");
    }
  }

  async abort(): Promise<void> {
    await this.upload.abort().catch(() => {});
    this.body.destroy();
  }
}

export class S3Store implements ObjectStore {
  constructor(readonly client: S3Client) {}

  async read(uri: string): Promise<Buffer> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.readStream(uri)) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  async readRange(uri: string, start: number, end: number): Promise<Buffer> {
    if (end <= start) return Buffer.alloc(0);
    try {
      const out = await this.client.send(
        new GetObjectCommand({ ...location(uri), Range: `bytes=${start}-${end - 1}` }),
      );
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (err) {
      throw s3Error(err, uri, "reading");
    }
  }

  async *readStream(uri: string): AsyncIterable<Uint8Array> {
    let body: AsyncIterable<Uint8Array> & { destroy?: () => void };
    try {
      const out = await this.client.send(new GetObjectCommand(location(uri)));
      body = out.Body as unknown as typeof body;
    } catch (err) {
      throw s3Error(err, uri, "reading");
    }
    try {
      // The SDK's body is a Node stream: chunks arrive as the network delivers them.
      yield* body;
    } finally {
      body.destroy?.();
    }
  }

  /** Each read is one ranged GET, streamed straight into the caller's buffer. */
  async openRead(uri: string): Promise<RandomReader> {
    const size = await this.size(uri);
    const read = async (into: Uint8Array, offset: number, length: number, position: number) => {
      const end = Math.min(size, position + length);
      if (end <= position) return 0;
      let done = 0;
      try {
        const out = await this.client.send(
          new GetObjectCommand({ ...location(uri), Range: `bytes=${position}-${end - 1}` }),
        );
        const body = out.Body as unknown as AsyncIterable<Uint8Array> & { destroy?: () => void };
        try {
          for await (const chunk of body) {
            const take = Math.min(chunk.byteLength, end - position - done);
            into.set(take === chunk.byteLength ? chunk : chunk.subarray(0, take), offset + done);
            done += take;
          }
        } finally {
          body.destroy?.();
        }
      } catch (err) {
        throw s3Error(err, uri, "reading");
      }
      return done;
    };
    return { size, blockSize: 1 << 20, read, close: async () => {} };
  }

  async size(uri: string): Promise<number> {
    try {
      return (await this.client.send(new HeadObjectCommand(location(uri)))).ContentLength ?? 0;
    } catch (err) {
      throw s3Error(err, uri, "reading");
    }
  }

  async write(uri: string, data: Bytes): Promise<void> {
    const body = toBuffer(data);
    if (body.byteLength > PART_SIZE) return pump(await this.openWrite(uri), [body]);
    try {
      await this.client.send(new PutObjectCommand({ ...location(uri), Body: body }));
    } catch (err) {
      throw s3Error(err, uri, "writing");
    }
  }

  async openWrite(uri: string): Promise<ObjectSink> {
    return new S3Sink(this.client, uri);
  }

  async list(prefix: string): Promise<string[]> {
    const { Bucket, Key } = location(prefix);
    const dir = Key === "" || Key.endsWith("/") ? Key : `${Key}/`;
    const out: string[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({ Bucket, Prefix: dir, ContinuationToken: token }),
        );
        for (const item of page.Contents ?? []) if (item.Key) out.push(`s3://${Bucket}/${item.Key}`);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw s3Error(err, prefix, "listing");
    }
    return out.sort();
  }

  async exists(uri: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand(location(uri)));
      return true;
    } catch (err) {
      const e = s3Error(err, uri, "reading");
      if (e instanceof NotFoundError) return false;
      throw e;
    }
  }

  async delete(uri: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand(location(uri)));
    } catch (err) {
      throw s3Error(err, uri, "deleting");
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    const all = await this.list(prefix);
    const { Bucket } = location(prefix);
    for (let i = 0; i < all.length; i += 1000) {
      const Objects = all.slice(i, i + 1000).map((uri) => ({ Key: location(uri).Key }));
      try {
        const out = await this.client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects } }));
        const first = out.Errors?.[0];
        if (first) throw new Error(`${first.Code}: ${first.Message} (s3://${Bucket}/${first.Key})`);
      } catch (err) {
        throw s3Error(err, prefix, "deleting");
      }
    }
    return all.length;
  }
}
