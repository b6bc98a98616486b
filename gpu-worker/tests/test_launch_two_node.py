"""A simulated 2-node AWS Batch multi-node job on CPU: two local "nodes", each started the way the
multi-node job definition starts it (`python -m r1worker launch --nproc-per-node 1 -- sft --spec …`)
with the variables Batch sets (AWS_BATCH_JOB_NUM_NODES, AWS_BATCH_JOB_NODE_INDEX,
AWS_BATCH_JOB_MAIN_NODE_INDEX, and AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS on the child node
only, as on AWS). The launcher turns them into one torchrun rendezvous (gloo), both ranks train the
same SFT steps, and the shared output (a local store both nodes see, as S3 on AWS) is committed by
rank 0 alone.

What each process writes is recorded by a Python audit hook (a `sitecustomize` on PYTHONPATH): every
file opened for writing, created, renamed onto or removed under the run folder, per node and rank.
Writes made below Python (safetensors' Rust writer) are invisible to the hook, so the test also checks
that every file in the output is one rank 0 was seen to write.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from test_train_fixtures import arithmetic_examples, sft_spec, worker_env, write_examples, write_spec

# The audit hook, installed in every Python process of the job (launcher, torchrun agents, ranks).
WRITE_JOURNAL = r"""
import json, os, sys

_root = os.environ.get("R1FLOW_TEST_WATCH")
_dir = os.environ.get("R1FLOW_TEST_JOURNAL")
if _root and _dir:
    _root = os.path.realpath(_root) + os.sep
    _who = (os.environ.get("AWS_BATCH_JOB_NODE_INDEX", "?"), os.environ.get("RANK", "agent"))
    _fd = os.open(
        os.path.join(_dir, f"node{_who[0]}-{_who[1]}-{os.getpid()}.jsonl"),
        os.O_WRONLY | os.O_CREAT | os.O_APPEND,
    )
    _WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def _under(path):
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not isinstance(path, str):
            return None
        full = os.path.realpath(path)
        return full if full.startswith(_root) else None

    def _note(kind, path):
        line = json.dumps({"node": _who[0], "rank": _who[1], "kind": kind, "path": path}) + "\n"
        os.write(_fd, line.encode())

    def _hook(event, args):
        if event == "open":
            path, mode, flags = args
            writes = any(c in mode for c in "wax+") if isinstance(mode, str) else bool(flags & _WRITE)
            if writes and (p := _under(path)):
                _note("open", p)
        elif event in ("os.rename", "os.replace") and (p := _under(args[1])):
            _note("replace", p)
        elif event in ("os.remove", "os.rmdir", "shutil.rmtree") and (p := _under(args[0])):
            _note("remove", p)
        elif event == "os.mkdir" and (p := _under(args[0])) and not os.path.isdir(p):
            _note("mkdir", p)

    sys.addaudithook(_hook)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _node_env(node: int, base: dict[str, str], port: int, hooks: Path, run: Path, journal: Path):
    env = {
        **base,
        "AWS_BATCH_JOB_NUM_NODES": "2",
        "AWS_BATCH_JOB_NODE_INDEX": str(node),
        "AWS_BATCH_JOB_MAIN_NODE_INDEX": "0",
        "MASTER_PORT": str(port),
        "PYTHONPATH": os.pathsep.join([str(hooks), base.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        "R1FLOW_TEST_WATCH": str(run),
        "R1FLOW_TEST_JOURNAL": str(journal),
    }
    env.pop("MASTER_ADDR", None)
    env.pop("AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS", None)
    if node != 0:  # Batch sets the main node's address on child nodes only
        env["AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS"] = "127.0.0.1"
    return env


def _journal(folder: Path) -> list[dict[str, str]]:
    return [json.loads(line) for f in sorted(folder.glob("*.jsonl")) for line in f.read_text().splitlines()]


def test_two_node_job_through_the_launcher_commits_once_from_rank_0(tmp_path_factory, tmp_path):
    run = tmp_path / "runs" / "two-node"
    uris = write_examples(run / "stages" / "02-examples", arithmetic_examples(48))
    out = run / "stages" / "03-sft"
    spec = sft_spec(out, uris, maxSteps=3, tokenBudget=160, epochs=1, gradAccumulation=1)
    spec_uri = write_spec(run / "stages" / "03-sft-spec.json", spec)
    hooks, journal = tmp_path / "hooks", tmp_path / "journal"
    hooks.mkdir()
    journal.mkdir()
    (hooks / "sitecustomize.py").write_text(WRITE_JOURNAL)

    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "r1worker",
        "launch",
        "--nproc-per-node",
        "1",
        "--",
        "sft",
        "--spec",
        spec_uri,
    ]
    nodes = []
    for node in (0, 1):  # each "node" has its own model cache, as separate hosts would
        base = worker_env(tmp_path_factory.mktemp(f"cache-node{node}"))
        env = _node_env(node, base, port, hooks, run, journal)
        log = (tmp_path / f"node{node}.log").open("w")
        nodes.append((subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT), log))
    for proc, log in nodes:
        try:
            proc.wait(timeout=300)
        finally:
            if proc.poll() is None:
                proc.kill()
            log.close()
    logs = [(tmp_path / f"node{n}.log").read_text() for n in (0, 1)]
    for n, (proc, _) in enumerate(nodes):
        assert proc.returncode == 0, f"node {n} exited {proc.returncode}:\n{logs[n][-3000:]}"
    # The launcher saw the Batch variables: node 0 is torchrun's master, node 1 found it.
    assert "node 1/2 (torchrun node_rank 0)" in logs[0] and "node 2/2 (torchrun node_rank 1)" in logs[1]

    summary = json.loads((out / "metrics.json").read_text())
    assert summary["status"] == "succeeded" and summary["metrics"]["world_size"] == 2
    steps = [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3]  # each optimizer step logged once, by one rank
    success = json.loads((out / "_SUCCESS").read_text())
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert "model/model.safetensors" in files and "_SUCCESS" in files
    assert set(success["files"]) == set(files) - {"_SUCCESS"}

    events = _journal(journal)
    assert events, "the audit hook recorded nothing: it was not installed"
    by_rank0 = [e for e in events if e["rank"] == "0"]
    others = [e for e in events if e["rank"] != "0"]
    assert others == [], f"only rank 0 may write under the run folder; also wrote: {others[:5]}"
    assert {e["node"] for e in by_rank0} == {"0"}
    # Every output file was put in place exactly once (temp file + rename, or one append-open).
    finals = [e["path"] for e in by_rank0 if e["kind"] in ("replace", "open")]
    for name in files:
        full = os.path.realpath(out / name)
        assert finals.count(full) == 1, f"{name} written {finals.count(full)} times"
    # And nothing was written outside the stage's output (inputs and the spec are read-only).
    root = os.path.realpath(out)
    outside = [e for e in by_rank0 if os.path.commonpath([e["path"], root]) != root]
    assert outside == [], f"rank 0 wrote outside its output: {outside[:5]}"
