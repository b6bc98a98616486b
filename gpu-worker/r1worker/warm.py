"""`python -m r1worker.warm`: a warm start for worker jobs on one machine (the local runner's).

A worker job spends its first seconds importing torch, transformers and the stage modules: about
5 s on two CPU cores, more than a whole GRPO iteration of the demo. This parent process pays that
once: it imports them, then forks one child per job. A child is a fresh process as far as the job
can tell: its own pid (a stop request signals it alone), stdout and stderr appended to the job's
log file, the exit code of `python -m r1worker <argv>`. Only the parent's imports are shared.
On AWS a job is one container, so Batch never uses this.

Protocol, one JSON object per line:
- parent → stdout, first: `{"ready": true, "pid": P, "preloadS": S}`, or an import failure on
  stderr and exit 1;
- stdin → parent: `{"id": N, "argv": [...], "log": "/path", "cwd": "/dir"}`;
- parent → stdout: `{"id": N, "pid": C}` once forked, then `{"id": N, "exit": code}` where code is
  the exit status, or minus the signal that ended the child (as `os.waitstatus_to_exitcode`);
  `{"id": N, "error": "..."}` for a request it cannot start.
EOF on stdin ends the parent once its running children have ended.

The parent stays single-threaded (fork copies only the calling thread, so a lock held by another
thread would stay locked in the child) and never runs a torch op (an OpenMP pool started before
fork hangs the child's first parallel region). The import-time environment is the parent's; the
runner starts a new parent when its environment changes.
"""

from __future__ import annotations

import atexit
import importlib
import json
import logging
import os
import selectors
import signal
import sys
import threading
import time
from typing import Any

# What a job imports before its first step (the stage modules pull in torch and transformers), and
# the model classes of the built-in tiny model (Llama) and of the Qwen family R1's distills start from.
PRELOAD = (
    "torch",
    "transformers",
    "r1worker.rollout.ts_scorer",
    "transformers.models.llama.modeling_llama",
    "transformers.models.qwen2.modeling_qwen2",
)


def preload() -> None:
    from r1worker.cli import WORKER_STAGES

    for name in PRELOAD:
        importlib.import_module(name)
    from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: F401 — lazy modules: load them now

    _build_weight_conversions()

    for stage in WORKER_STAGES:
        try:
            importlib.import_module(f"r1worker.stages.{stage.replace('-', '_')}")
        except ImportError as e:  # an optional extra (vLLM …) missing here: the job reports it itself
            print(f"r1worker.warm: not preloaded: stage {stage}: {e}", file=sys.stderr)


def _build_weight_conversions() -> None:
    """transformers builds its table of checkpoint weight renamings (about a thousand regular
    expressions, for every model type) at a process's first model load or save: 0.5 s of each job on
    two cores. Built here, every child inherits it. Pure Python: no torch op, no thread."""
    try:
        from transformers.conversion_mapping import get_checkpoint_conversion_mapping
    except ImportError:  # another transformers release: the jobs build it themselves
        return
    get_checkpoint_conversion_mapping("llama")


def _run_job(request: dict[str, Any], closing: list[int]) -> None:
    """In the child: become `python -m r1worker <argv>` with its output in the log; never returns."""
    code = 70
    try:
        signal.set_wakeup_fd(-1)
        for s in (signal.SIGCHLD, signal.SIGTERM):
            signal.signal(s, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        for fd in (log, null, *closing):
            os.close(fd)
        os.chdir(request.get("cwd") or os.getcwd())
        sys.argv = ["r1worker", *request["argv"]]
        from r1worker.cli import main

        try:
            code = main(request["argv"])
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        # What interpreter shutdown would do for `python -m r1worker`: wait for non-daemon
        # threads, run exit hooks, flush.
        for t in threading.enumerate():
            if t is not threading.main_thread() and not t.daemon:
                t.join()
        atexit._run_exitfuncs()
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException as e:  # noqa: BLE001 — the child must end here, never back in the parent's loop
        try:
            print(f"r1worker.warm: job failed to start: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        except BaseException:  # noqa: BLE001,S110 — stderr itself may be gone
            pass
        code = code if code != 0 else 1
    os._exit(code)


class Parent:
    def __init__(self, out_fd: int) -> None:
        self.out = out_fd
        self.jobs: dict[int, int] = {}  # child pid → request id
        self.buffer = b""

    def send(self, message: dict[str, Any]) -> None:
        data = (json.dumps(message) + "\n").encode()
        while data:
            data = data[os.write(self.out, data) :]

    def start(self, line: bytes, closing: list[int]) -> None:
        try:
            request = json.loads(line)
            rid = request["id"]
            if not isinstance(request.get("argv"), list) or not isinstance(request.get("log"), str):
                raise ValueError("a request needs argv (a list) and log (a path)")
        except (ValueError, KeyError, TypeError) as e:
            self.send({"id": None, "error": f"bad request {line[:200]!r}: {e}"})
            return
        pid = os.fork()
        if pid == 0:
            _run_job(request, closing)
        self.jobs[pid] = rid
        self.send({"id": rid, "pid": pid})

    def reap(self, block: bool = False) -> None:
        while self.jobs:
            try:
                pid, status = os.waitpid(-1, 0 if block else os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            rid = self.jobs.pop(pid, None)
            if rid is not None:
                self.send({"id": rid, "exit": os.waitstatus_to_exitcode(status)})

    def drain(self) -> None:
        """At EOF: report the jobs still running as they end (the reader may already be gone)."""
        try:
            self.reap(block=True)
        except BrokenPipeError:
            pass


def serve() -> int:
    # The protocol has fd 1 to itself; anything printed in the parent goes to stderr instead.
    out = os.dup(1)
    os.dup2(2, 1)
    signal.signal(
        signal.SIGINT, signal.SIG_IGN
    )  # Ctrl-C stops the jobs (the runner); the parent reports them
    t0 = time.monotonic()
    try:
        preload()
    except Exception as e:  # noqa: BLE001 — no jobs without the imports: say why and stop
        print(f"r1worker.warm: preload failed: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so that SIGCHLD writes the wake-up fd
    parent = Parent(out)
    parent.send({"ready": True, "pid": os.getpid(), "preloadS": round(time.monotonic() - t0, 3)})
    selector = selectors.DefaultSelector()
    selector.register(0, selectors.EVENT_READ, "stdin")
    selector.register(wake_r, selectors.EVENT_READ, "child")
    closing = [out, wake_r, wake_w, selector.fileno()]
    while True:
        for key, _ in selector.select():
            if key.data == "child":
                try:
                    while os.read(wake_r, 512):
                        pass
                except BlockingIOError:
                    pass
                parent.reap()
                continue
            chunk = os.read(0, 65536)
            if not chunk:
                parent.drain()
                return 0
            parent.buffer += chunk
            *lines, parent.buffer = parent.buffer.split(b"\n")
            for line in lines:
                if line.strip():
                    parent.start(line, closing)
        parent.reap()  # a SIGCHLD that arrived while a line was being handled


if __name__ == "__main__":
    sys.exit(serve())
