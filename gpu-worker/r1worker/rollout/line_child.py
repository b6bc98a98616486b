"""A long-lived child process spoken to in lines: one line out on stdin, one line back on stdout.

Threads read stdout (into a queue, so a wait can time out) and stderr (its last lines kept, for the
error when the child dies); a request is written from a thread too, so a child that stops reading
cannot block the caller past its timeout. Used by `ts_scorer.TsScorer`.
"""

from __future__ import annotations

import collections
import os
import queue
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence

STDERR_TAIL_LINES = 60  # stderr lines kept for the error message of a dead child


class ChildDied(RuntimeError):
    """The child exited, timed out or broke the protocol; the message holds its stderr tail."""


class LineChild:
    """`command` started with pipes; `request(line, timeout_s)` → its response line."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        name: str,
        cwd: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.command = list(command)
        try:
            self.proc = subprocess.Popen(
                self.command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=cwd,
                env=None if env is None else {**os.environ, **env},
            )
        except OSError as err:
            raise ChildDied(f"{name}: could not start {self.command}: {err}") from err
        self._lines: queue.Queue[bytes | None] = queue.Queue()
        self._stderr: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
        self._threads = [
            threading.Thread(target=self._read_stdout, name=f"{name}-stdout", daemon=True),
            threading.Thread(target=self._read_stderr, name=f"{name}-stderr", daemon=True),
        ]
        for t in self._threads:
            t.start()
        self._broken: str | None = None  # why the child can no longer be used

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)  # EOF: the child closed stdout or exited

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._stderr.append(line.decode("utf-8", "replace").rstrip("\n"))

    def _write(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass  # the child is gone; the reader sees EOF and the caller raises with its stderr

    def stderr_tail(self) -> str:
        return "\n".join(self._stderr)

    def fail(self, why: str) -> ChildDied:
        """Kills the child (it cannot be trusted any more) and returns the error to raise."""
        self._broken = why
        if self.proc.poll() is None:
            self.proc.kill()
        rc = self.proc.wait()
        for t in self._threads:
            t.join(timeout=5)  # let stderr drain, so the tail holds the child's last words
        tail = self.stderr_tail() or "(nothing on stderr)"
        return ChildDied(f"{self.name} {why} (exit code {rc}); its stderr, last lines:\n{tail}")

    def read_line(self, timeout_s: float, what: str) -> bytes:
        """The next stdout line, within `timeout_s`; a dead or silent child raises `ChildDied`."""
        try:
            line = self._lines.get(timeout=timeout_s)
        except queue.Empty:
            raise self.fail(f"gave no {what} within {timeout_s:g} s and was killed") from None
        if line is None:
            self.proc.wait()
            raise self.fail(f"exited before its {what}")
        return line

    def request(self, data: bytes, timeout_s: float, what: str) -> bytes:
        """Writes `data` (one or more whole lines) and returns the next stdout line."""
        if self._broken is not None:
            raise ChildDied(f"{self.name} is not usable: it {self._broken}")
        if self.proc.poll() is not None:
            raise self.fail("had exited before the request")
        writer = threading.Thread(target=self._write, args=(data,), name=f"{self.name}-stdin", daemon=True)
        writer.start()
        line = self.read_line(timeout_s, what)
        writer.join(timeout=timeout_s)
        if writer.is_alive():  # it answered without reading the whole request: out of step
            raise self.fail(f"answered before reading the whole request ({what})")
        return line

    def close(self, timeout_s: float = 10.0) -> int:
        """Closes stdin (the child's signal to exit), waits, kills it if it lingers; its exit code."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        deadline = time.monotonic() + timeout_s
        try:
            rc = self.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        for t in self._threads:
            t.join(timeout=5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        self._broken = self._broken or "was closed"
        return rc
