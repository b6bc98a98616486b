"""Two CPU processes under torchrun (gloo, FSDP2 `fully_shard`) train the same SFT steps as one
process: the global batch is the same (2 ranks × 1 micro-batch = 1 rank × 2 accumulated), and the
loss is normalised by the labelled tokens of the whole step, so the gradients agree up to the
floating-point order of the sum (reduce-scatter vs local accumulation).

Tolerance: per-step losses to 1e-5 relative; parameters after 3 AdamW steps to 1e-4 absolute.
Adam divides by √v, so a gradient entry near 0 can turn an ~1e-7 rounding difference into a
larger relative change of its update, bounded by lr (3e-3) per step; in practice differences stay
around 1e-6.
"""

import json
import socket
import subprocess
import sys

import pytest
import torch
from test_train_fixtures import (
    arithmetic_examples,
    read_model,
    sft_spec,
    worker_env,
    write_examples,
    write_spec,
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _losses(out):
    return [json.loads(x)["loss"] for x in (out / "metrics.jsonl").read_text().splitlines()]


def test_two_process_fsdp_step_equals_single_process(tmp_path_factory, tmp_path):
    cache = tmp_path_factory.mktemp("model-cache")
    uris = write_examples(tmp_path / "in", arithmetic_examples(48))
    common = {"maxSteps": 3, "tokenBudget": 160, "epochs": 1}
    single = sft_spec(tmp_path / "single", uris, gradAccumulation=2, **common)
    double = sft_spec(tmp_path / "double", uris, gradAccumulation=1, **common)
    done = subprocess.run(
        [sys.executable, "-m", "r1worker", "sft", "--spec", write_spec(tmp_path / "single.json", single)],
        capture_output=True,
        text=True,
        env=worker_env(cache),
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc_per_node",
            "2",
            "--master_addr",
            "127.0.0.1",
            "--master_port",
            str(_free_port()),
            "-m",
            "r1worker",
            "sft",
            "--spec",
            write_spec(tmp_path / "double.json", double),
        ],
        capture_output=True,
        text=True,
        env=worker_env(cache),
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((tmp_path / "double" / "metrics.json").read_text())
    assert summary["metrics"]["world_size"] == 2
    assert (tmp_path / "double" / "_SUCCESS").exists()

    one, two = _losses(tmp_path / "single"), _losses(tmp_path / "double")
    assert len(one) == len(two) == 3
    assert two == pytest.approx(one, rel=1e-5)
    a, b = read_model(tmp_path / "single" / "model"), read_model(tmp_path / "double" / "model")
    assert a.keys() == b.keys()
    start = read_model(next((cache).glob("builtin-tiny")))
    moved = max((a[k] - start[k]).abs().max().item() for k in a)
    assert moved > 1e-3  # the steps did change the weights
    for k in a:
        torch.testing.assert_close(b[k], a[k], atol=1e-4, rtol=0)
