/**
 * Arrow I/O benchmark: write and stream-read N `rollouts` rows (256 completion token ids,
 * log-probs of the same length, 8 prompt ids, short text) with functions/io, then the same with
 * pyarrow (bench/arrow_peer.py), and compare read throughput and peak memory. Then N `problems`
 * rows (text only, with dictionary columns whose values are not known up front) in shards of
 * 50,000 rows, as ingest writes them.
 *
 *   npm run bench:arrow -- [--rows N]      (default 1,000,000; S3 too when AWS_ENDPOINT_URL is set)
 *
 * Every write and read phase runs in a child process of its own, so its peak RSS is its alone.
 * The "read" iterates record batches and sums the completion token ids; it builds no JS row objects.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import type * as arrow from "apache-arrow";
import { readBatches, readShards } from "../functions/io/arrow-read.ts";
import { ShardedWriter, type WriteRow } from "../functions/io/arrow-write.ts";
import type { S3Store } from "../functions/io/s3-store.ts";
import { storeFor } from "../functions/io/store.ts";
import { problems, rollouts } from "../schemas/tables/index.ts";

const SHARD_ROWS = 250_000;
/** Shard size of the `problems` phase: what ingest uses. */
const PROBLEM_SHARD_ROWS = 50_000;
const MB = 1e6;

interface ReadResult {
  rows: number;
  batches: number;
  seconds: number;
  bytes: number;
  peakRss: number;
  baseRss: number;
  batchBytes: number;
  checksum: number;
}

/**
 * One row as a producer holding token ids in typed arrays (a tokenizer's or sampler's output)
 * builds it; plain loops, no per-element closures.
 */
function row(i: number): WriteRow<typeof rollouts> {
  const ids = new Int32Array(256);
  const logprobs = new Float32Array(256);
  for (let j = 0; j < 256; j++) {
    const x = (i + j) % 50_000;
    ids[j] = x;
    logprobs[j] = -(x % 7) / 8;
  }
  // One object literal (object spreads would make each row a slow dictionary-mode object).
  return {
    id: `g${i}`,
    problem_id: `p${i}`,
    group_id: `g${i}`,
    sample_index: i & 7,
    policy_version: 1,
    level: 1 + (i % 5),
    answer: "42",
    answer_type: "numeric",
    choices: [],
    prompt: "What is 6*7?",
    completion: "<think>6*7=42</think> 42",
    prompt_token_ids: [1, 2, 3, 4, 5, 6, 7, 8],
    completion_token_ids: ids,
    logprobs,
    finish_reason: i % 10 === 0 ? "length" : "stop",
    rm_score: null,
    rm_step_scores: null,
    step_token_ends: null,
  };
}

const SUBJECTS = ["algebra", "geometry", "number_theory", "counting", "precalculus", "prealgebra"];

/**
 * A `problems` row: `split` and `subject` are open dictionary columns (no enum), and new subjects
 * keep appearing (one more every 10,000 rows), so a shard's dictionary is only known at its end.
 */
function problemRow(i: number): WriteRow<typeof problems> {
  return {
    id: `bench/train/${i}`,
    source: "math",
    split: i % 10 === 0 ? "test" : "train",
    question: `Problem ${i}: what is the remainder when ${i * 7919} is divided by ${1 + (i % 97)}? Show every step.`,
    answer: String((i * 7919) % (1 + (i % 97))),
    answer_type: "numeric",
    choices: [],
    level: 1 + (i % 5),
    reasoning: `<think>Divide ${i * 7919} by ${1 + (i % 97)} and keep the remainder.</think> ${(i * 7919) % (1 + (i % 97))}`,
    subject: i % 3 === 0 ? null : `${SUBJECTS[i % SUBJECTS.length]}-${Math.floor(i / 10_000)}`,
  };
}

interface WriteResult {
  seconds: number;
  bytes: number;
  shards: number;
  buildSeconds: number;
  peakRss: number;
  baseRss: number;
}

/** Child-process mode: write `rows` rows of `table` as shards under `prefix`; print JSON. */
async function writeBench(
  prefix: string,
  rows: number,
  table: "rollouts" | "problems",
): Promise<WriteResult> {
  const make = table === "rollouts" ? row : problemRow;
  let build = 0;
  for (let i = 0; i < Math.min(rows, 50_000); i++) {
    const t = performance.now();
    make(i);
    build += performance.now() - t;
  }
  const baseRss = process.memoryUsage.rss();
  let peakRss = baseRss;
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 2);
  const t0 = performance.now();
  const w =
    table === "rollouts"
      ? new ShardedWriter(prefix, rollouts, { maxRows: SHARD_ROWS })
      : new ShardedWriter(prefix, problems, { maxRows: PROBLEM_SHARD_ROWS });
  // rows are built as a producer would build them
  for (let i = 0; i < rows; i++) {
    await w.write(make(i) as never);
    if ((i & 1023) === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }
  const shards = await w.close();
  clearInterval(timer);
  return {
    seconds: (performance.now() - t0) / 1000,
    bytes: shards.reduce((n, s) => n + s.bytes, 0),
    shards: shards.length,
    buildSeconds: ((build / Math.min(rows, 50_000)) * rows) / 1000,
    peakRss: Math.max(peakRss, process.memoryUsage.rss()),
    baseRss,
  };
}

function dataBytes(data: arrow.Data): number {
  const own = [data.values, data.valueOffsets, data.nullBitmap].reduce((n, b) => n + (b?.byteLength ?? 0), 0);
  return own + data.children.reduce((n, c) => n + dataBytes(c), 0);
}

/**
 * Child-process mode: stream-read every shard, summing the token ids; print JSON. `reuse`: the
 * batches share one buffer (`reuseBuffers`), as suits a consumer that is done with each batch
 * before the next, as this one is.
 */
async function readBench(prefix: string, reuse: boolean): Promise<ReadResult> {
  const baseRss = process.memoryUsage.rss();
  let peakRss = baseRss;
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 2);
  const t0 = performance.now();
  const out = { rows: 0, batches: 0, bytes: 0, batchBytes: 0, checksum: 0 };
  for (const uri of await readShards(prefix)) {
    out.bytes += await storeFor(uri).size(uri);
    for await (const batch of readBatches(uri, rollouts, { reuseBuffers: reuse })) {
      const ids = batch.getChild("completion_token_ids")!.data[0]!.children[0]!.values as Int32Array;
      let sum = 0;
      for (let i = 0; i < ids.length; i++) sum += ids[i]!;
      out.checksum += sum;
      out.rows += batch.numRows;
      out.batches++;
      out.batchBytes = Math.max(out.batchBytes, dataBytes(batch.data));
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  return { ...out, seconds, peakRss, baseRss };
}

function runChild(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    maxBuffer: 1 << 24,
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status})`);
  return r.stdout;
}

const fmt = (n: number, d = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

function report(label: string, rows: number, bytes: number, seconds: number): void {
  console.log(
    `${label.padEnd(28)} ${fmt(rows / seconds).padStart(11)} rows/s ${fmt(bytes / MB / seconds, 1).padStart(8)} MB/s  (${fmt(seconds, 2)} s, ${fmt(bytes / MB)} MB)`,
  );
}

function reportRead(label: string, r: ReadResult): void {
  report(label, r.rows, r.bytes, r.seconds);
  const over = (r.peakRss - r.baseRss) / r.batchBytes;
  console.log(
    `${"".padEnd(28)} peak RSS ${fmt(r.peakRss / MB)} MB (base ${fmt(r.baseRss / MB)} MB, +${fmt((r.peakRss - r.baseRss) / MB)} MB = ${fmt(over, 1)}× one record batch of ${fmt(r.batchBytes / MB, 1)} MB), ${r.batches} batches`,
  );
}

const self = fileURLToPath(import.meta.url);

function runWrite(prefix: string, rows: number, table: "rollouts" | "problems", label: string): WriteResult {
  const w = JSON.parse(
    runChild(process.execPath, [...process.execArgv, self, "--write", prefix, String(rows), table]),
  ) as WriteResult;
  report(label, rows, w.bytes, w.seconds);
  console.log(
    `${"".padEnd(28)} of which building the rows ~${fmt(w.buildSeconds, 2)} s (measured apart); ${w.shards} shards; peak RSS ${fmt(w.peakRss / MB)} MB (base ${fmt(w.baseRss / MB)} MB, +${fmt((w.peakRss - w.baseRss) / MB)} MB)`,
  );
  return w;
}

async function benchTs(
  prefix: string,
  rows: number,
  where: string,
): Promise<{ writeSeconds: number; reads: ReadResult[] }> {
  const w = runWrite(prefix, rows, "rollouts", `TS write (${where})`);
  const out: ReadResult[] = [];
  for (const [mode, label] of [
    ["owned", "TS stream read"],
    ["reuse", "TS read, reuseBuffers"],
  ] as const) {
    const r = JSON.parse(
      runChild(process.execPath, [...process.execArgv, self, "--read", prefix, mode]),
    ) as ReadResult;
    reportRead(`${label} (${where})`, r);
    out.push(r);
  }
  return { writeSeconds: w.seconds, reads: out };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const readAt = args.indexOf("--read");
  if (readAt >= 0) {
    console.log(JSON.stringify(await readBench(args[readAt + 1]!, args[readAt + 2] === "reuse")));
    return;
  }
  const writeAt = args.indexOf("--write");
  if (writeAt >= 0) {
    const table = args[writeAt + 3] === "problems" ? "problems" : "rollouts";
    console.log(JSON.stringify(await writeBench(args[writeAt + 1]!, Number(args[writeAt + 2]), table)));
    return;
  }
  const rowsAt = args.indexOf("--rows");
  const rows = rowsAt >= 0 ? Number(args[rowsAt + 1]) : 1_000_000;
  if (!Number.isInteger(rows) || rows <= 0)
    throw new Error(`--rows must be a positive integer, got ${args[rowsAt + 1]}`);
  const dir = mkdtempSync(join(tmpdir(), "r1flow-bench-arrow-"));
  console.log(
    `rollouts × ${fmt(rows)}: 256 completion ids + 256 log-probs (list<int32>/list<float32>), 8 prompt ids`,
  );
  console.log("read = iterate record batches and sum the completion token ids (no JS row objects)\n");
  try {
    const local = await benchTs(join(dir, "ts"), rows, "local");
    const [ts, tsReuse] = local.reads as [ReadResult, ReadResult];
    rmSync(join(dir, "ts"), { recursive: true, force: true });
    runWrite(join(dir, "problems"), rows, "problems", "TS write problems (local)");
    if (process.env.AWS_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_S3) {
      const bucket = `r1flow-bench-${Date.now()}`;
      await (storeFor(`s3://${bucket}`) as S3Store).client.send(new CreateBucketCommand({ Bucket: bucket }));
      await benchTs(`s3://${bucket}/bench`, rows, "S3");
      await storeFor(`s3://${bucket}`).deletePrefix(`s3://${bucket}/`);
    }
    const venv = resolve(".venv/bin/python");
    const python = existsSync(venv) ? venv : "python3";
    const peer = fileURLToPath(new URL("./arrow_peer.py", import.meta.url));
    const [pw, pr] = runChild(python, [peer, "--rows", String(rows), "--dir", join(dir, "py")])
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    report("pyarrow write (local)", pw.rows, pw.bytes, pw.seconds);
    reportRead("pyarrow stream read (local)", pr as ReadResult);
    console.log(
      `\nwrite throughput TS / pyarrow = ${fmt(rows / local.writeSeconds / (pw.rows / pw.seconds), 2)}`,
    );
    for (const [name, r] of [
      ["owned batches", ts],
      ["reuseBuffers", tsReuse],
    ] as const) {
      const ratio = r.rows / r.seconds / (pr.rows / pr.seconds);
      const over = (r.peakRss - r.baseRss) / r.batchBytes;
      console.log(
        `TS read (${name}): throughput TS / pyarrow = ${fmt(ratio, 2)} (target ≥ 0.5); memory above base = ${fmt(over, 1)}× one record batch (target < 3×)`,
      );
      if (r.checksum !== pr.checksum)
        console.log(`checksum differs: TS ${r.checksum}, pyarrow ${pr.checksum}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
