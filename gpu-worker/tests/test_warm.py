"""`python -m r1worker.warm`, the local runner's warm start: a real parent process forks real jobs.
Each child must look like `python -m r1worker <argv>` from outside: its own pid, exit code and log."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

READY_S = 120  # the imports take ~5 s on a free core, far longer on a loaded 2-core runner


class Parent:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "r1worker.warm"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.next_id = 0

    def read(self) -> dict:
        line = self.proc.stdout.readline()
        assert line, f"the parent closed stdout; stderr: {self.proc.stderr.read().decode()}"
        return json.loads(line)

    def send(self, raw: bytes) -> None:
        self.proc.stdin.write(raw + b"\n")
        self.proc.stdin.flush()

    def job(self, argv: list[str], log: Path) -> int:
        self.next_id += 1
        self.send(json.dumps({"id": self.next_id, "argv": argv, "log": str(log)}).encode())
        return self.next_id


@pytest.fixture
def parent():
    p = Parent()
    yield p
    if p.proc.poll() is None:
        p.proc.kill()
        p.proc.wait()


def test_jobs_run_as_their_own_processes_with_output_and_exit_codes_of_their_own(parent, tmp_path):
    ready = parent.read()
    assert ready["ready"] is True and ready["pid"] == parent.proc.pid and ready["preloadS"] > 0

    good = parent.job(
        ["write-sample", "--table", "problems", "--out", str(tmp_path / "s.arrow"), "--rows", "3"],
        tmp_path / "good.log",
    )
    started = parent.read()
    assert started["id"] == good and started["pid"] not in (parent.proc.pid, os.getpid())
    assert parent.read() == {"id": good, "exit": 0}
    # The job's stdout (its result line) went to its log, not into the protocol.
    assert json.loads((tmp_path / "good.log").read_text().strip().splitlines()[-1])["rows"] == 3

    missing = parent.job(
        ["check-table", str(tmp_path / "nope.arrow"), "--table", "problems"], tmp_path / "missing.log"
    )
    assert parent.read()["id"] == missing
    assert parent.read() == {"id": missing, "exit": 3}  # the CLI's "missing input" code
    assert "r1worker: error: missing input" in (tmp_path / "missing.log").read_text()

    parent.send(b"not json")
    refused = parent.read()
    assert refused["id"] is None and "bad request" in refused["error"]

    # EOF: the parent ends, and its stdout had nothing more to say.
    parent.proc.stdin.close()
    assert parent.proc.wait(timeout=30) == 0
    assert parent.proc.stdout.read() == b""


def test_a_signal_ends_the_job_alone_and_the_parent_reports_it(parent, tmp_path):
    assert parent.read()["ready"]
    fifo = tmp_path / "spec.json"
    os.mkfifo(fifo)  # reading the spec blocks until a writer comes: a job that waits
    waiting = parent.job(["grpo", "--spec", str(fifo)], tmp_path / "waiting.log")
    pid = parent.read()["pid"]
    time.sleep(0.5)
    os.kill(pid, signal.SIGTERM)
    assert parent.read() == {"id": waiting, "exit": -signal.SIGTERM}

    after = parent.job(
        ["write-sample", "--table", "problems", "--out", str(tmp_path / "s.arrow")], tmp_path / "after.log"
    )
    assert parent.read()["id"] == after
    assert parent.read() == {"id": after, "exit": 0}


def test_a_job_whose_log_cannot_be_opened_fails_without_touching_the_parent(parent, tmp_path):
    assert parent.read()["ready"]
    bad = parent.job(
        ["write-sample", "--table", "problems", "--out", str(tmp_path / "s.arrow")],
        tmp_path / "no-such-dir" / "x.log",
    )
    assert parent.read()["id"] == bad
    assert parent.read() == {"id": bad, "exit": 70}
    assert parent.proc.poll() is None


def test_preloading_starts_no_thread_so_forking_is_safe():
    # In a fresh interpreter: this one may hold other tests' threads.
    probe = "import threading; from r1worker import warm; warm.preload(); print(threading.active_count())"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=READY_S
    )
    assert out.stdout.strip() == "1"


def test_preloading_leaves_the_children_no_first_load_work():
    """A child inherits the model classes and transformers' weight-renaming table (built at a
    process's first load or save), so a job's first model load costs what its second does."""
    probe = (
        "import sys; from r1worker import warm; warm.preload(); "
        "from transformers import conversion_mapping as c; "
        "print(c._checkpoint_conversion_mapping_cache is not None, "
        "'transformers.models.llama.modeling_llama' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=READY_S
    )
    assert out.stdout.strip() == "True True"
