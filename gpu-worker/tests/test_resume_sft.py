"""Kill and resume: SIGTERM mid-run checkpoints and exits 143 without _SUCCESS; the re-run resumes
from the newest complete checkpoint and ends where an uninterrupted run does (same data order,
optimizer state and RNG), parameters within 1e-5."""

import json
import signal
import subprocess
import sys
import time

import torch
from test_train_fixtures import (
    arithmetic_examples,
    read_model,
    sft_spec,
    worker_env,
    write_examples,
    write_spec,
)

from r1worker.train.checkpoint import PREEMPTED_EXIT, latest_checkpoint


def _start(spec_path, cache):
    return subprocess.Popen(
        [sys.executable, "-m", "r1worker", "sft", "--spec", spec_path],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=worker_env(cache),
    )


def _steps(out):
    path = out / "metrics.jsonl"
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_killed_and_resumed_run_ends_where_an_uninterrupted_one_does(tmp_path_factory, tmp_path):
    cache = tmp_path_factory.mktemp("model-cache")
    uris = write_examples(tmp_path / "in", arithmetic_examples(120))
    settings = {"maxSteps": 30, "epochs": 2, "tokenBudget": 256}
    spec = sft_spec(tmp_path / "killed", uris, **settings)
    spec["compute"]["checkpointEvery"] = 4
    spec_path = write_spec(tmp_path / "killed.json", spec)

    proc = _start(spec_path, cache)
    deadline = time.monotonic() + 120
    while _steps(tmp_path / "killed") < 6 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == PREEMPTED_EXIT, err[-3000:]
    stopped_at = _steps(tmp_path / "killed")
    assert 6 <= stopped_at < 30
    ckpt = latest_checkpoint(str(tmp_path / "killed"))
    assert ckpt is not None and ckpt.endswith(f"step-{stopped_at:08d}")  # the SIGTERM checkpoint
    assert not (tmp_path / "killed" / "_SUCCESS").exists()
    assert not (tmp_path / "killed" / "model").exists()

    resumed = subprocess.run(
        [sys.executable, "-m", "r1worker", "sft", "--spec", spec_path],
        capture_output=True,
        text=True,
        env=worker_env(cache),
        timeout=180,
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert (tmp_path / "killed" / "_SUCCESS").exists()
    steps = [json.loads(x)["step"] for x in (tmp_path / "killed" / "metrics.jsonl").read_text().splitlines()]
    assert steps == list(range(1, 31))  # each step logged once: resumed right after the checkpoint

    whole = sft_spec(tmp_path / "whole", uris, **settings)
    done = subprocess.run(
        [sys.executable, "-m", "r1worker", "sft", "--spec", write_spec(tmp_path / "w.json", whole)],
        capture_output=True,
        text=True,
        env=worker_env(cache),
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    a, b = read_model(tmp_path / "whole" / "model"), read_model(tmp_path / "killed" / "model")
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(b[k], a[k], atol=1e-5, rtol=0)
    summary = json.loads((tmp_path / "killed" / "metrics.json").read_text())
    first = json.loads((tmp_path / "whole" / "metrics.json").read_text())
    assert summary["metrics"]["loss_first"] == first["metrics"]["loss_first"]  # totals carried over
