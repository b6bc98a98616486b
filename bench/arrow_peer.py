"""pyarrow side of `npm run bench:arrow`: write and stream-read the same rollouts shape.

Usage: arrow_peer.py --rows N --dir DIR            write shards, then read them in a child process
       arrow_peer.py --read DIR                     (child) stream-read and report
Prints one JSON object per phase on stdout.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

BATCH = 8192
SHARD_ROWS = 250_000
COMPLETION = 256
PROMPT = 8


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def make_batch(n: int, start: int) -> pa.RecordBatch:
    i = np.arange(start, start + n, dtype=np.int64)
    ids = ((i[:, None] + np.arange(COMPLETION)[None, :]) % 50_000).astype(np.int32)
    logprobs = (-(ids % 7) / 8).astype(np.float32)
    lst = lambda values, width: pa.ListArray.from_arrays(
        pa.array(np.arange(0, n * width + 1, width, dtype=np.int32)), pa.array(values.ravel())
    )
    dict_col = lambda values, idx: pa.DictionaryArray.from_arrays(pa.array(idx, pa.int32()), pa.array(values))
    strs = lambda fmt: pa.array([fmt % k for k in i.tolist()])
    cols = {
        "id": strs("g%d"),
        "problem_id": strs("p%d"),
        "group_id": strs("g%d"),
        "sample_index": pa.array((i & 7).astype(np.int32)),
        "policy_version": pa.array(np.ones(n, np.int32)),
        "level": pa.array((1 + i % 5).astype(np.int8)),
        "answer": pa.array(["42"] * n),
        "answer_type": dict_col(["numeric", "math", "choice", "label"], np.zeros(n, np.int32)),
        "choices": pa.array([[]] * n, pa.list_(pa.string())),
        "prompt": pa.array(["What is 6*7?"] * n),
        "completion": pa.array(["<think>6*7=42</think> 42"] * n),
        "prompt_token_ids": lst(np.tile(np.arange(1, PROMPT + 1, dtype=np.int32), n), PROMPT),
        "completion_token_ids": lst(ids, COMPLETION),
        "logprobs": lst(logprobs, COMPLETION),
        "finish_reason": dict_col(["stop", "length"], (i % 10 == 0).astype(np.int32)),
        "rm_score": pa.nulls(n, pa.float32()),
        "rm_step_scores": pa.nulls(n, pa.list_(pa.float32())),
        "step_token_ends": pa.nulls(n, pa.list_(pa.int32())),
    }
    return pa.RecordBatch.from_pydict(cols)


def write(rows: int, out_dir: str) -> dict:
    os.makedirs(out_dir, exist_ok=True)
    t0 = time.perf_counter()
    written = shard = 0
    while written < rows:
        n_shard = min(SHARD_ROWS, rows - written)
        path = os.path.join(out_dir, f"part-{shard:05d}.arrow")
        with pa.OSFile(path, "wb") as sink:
            batch = make_batch(BATCH, written)
            with pa.ipc.new_file(sink, batch.schema) as w:
                done = 0
                while done < n_shard:
                    n = min(BATCH, n_shard - done)
                    # Build the columns for each batch, as a producer would.
                    w.write_batch(make_batch(n, written + done))
                    done += n
        written += n_shard
        shard += 1
    seconds = time.perf_counter() - t0
    size = sum(os.path.getsize(os.path.join(out_dir, f)) for f in os.listdir(out_dir))
    return {"phase": "write", "rows": written, "seconds": seconds, "bytes": size}


def read(in_dir: str) -> dict:
    base = rss_bytes()
    paths = sorted(os.path.join(in_dir, f) for f in os.listdir(in_dir) if f.endswith(".arrow"))
    t0 = time.perf_counter()
    rows = batches = total = 0
    batch_bytes = 0
    for path in paths:
        with pa.OSFile(path) as source:  # plain reads, not a memory map: a stream, like S3
            reader = pa.ipc.open_file(source)
            for i in range(reader.num_record_batches):
                b = reader.get_batch(i)
                rows += b.num_rows
                batches += 1
                batch_bytes = max(batch_bytes, b.nbytes)
                total += pc.sum(b.column("completion_token_ids").values).as_py()
    seconds = time.perf_counter() - t0
    size = sum(os.path.getsize(p) for p in paths)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"phase": "read", "rows": rows, "batches": batches, "seconds": seconds, "bytes": size,
            "peakRss": peak, "baseRss": base, "batchBytes": batch_bytes, "checksum": total}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--dir")
    ap.add_argument("--read")
    args = ap.parse_args()
    if args.read:
        print(json.dumps(read(args.read)))
        return
    print(json.dumps(write(args.rows, args.dir)), flush=True)
    # Read in a fresh process so its peak RSS is the read's alone.
    out = subprocess.run([sys.executable, __file__, "--read", args.dir], check=True, capture_output=True, text=True)
    print(out.stdout.strip())


if __name__ == "__main__":
    main()
