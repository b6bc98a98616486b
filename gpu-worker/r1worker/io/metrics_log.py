"""`MetricsLog`: live progress as JSON lines in `<prefix>/metrics.jsonl`, one object per step."""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from typing import Any

from r1worker.io import store
from r1worker.io.uri import parse

FILE_NAME = "metrics.jsonl"


def _plain(value: Any) -> Any:
    # NaN and ±inf are not JSON; a diverged loss must not make the whole log unreadable.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item") and callable(value.item):  # 0-d tensors and numpy scalars
        return _plain(value.item())
    return value


class MetricsLog:
    """Appends one JSON line per `log()` call.

    Local prefixes: the line is appended and flushed at once. S3 (no appends there): lines go to
    a local file that is uploaded whole every `upload_every_s` seconds and at `close()`.

        with MetricsLog(out) as metrics:
            metrics.log(step=10, loss=0.73, lr=3e-6)
    """

    def __init__(self, prefix: str, upload_every_s: float = 30.0, clock: Any = time.monotonic) -> None:
        self.uri = store.join(prefix, FILE_NAME)
        self.upload_every_s = upload_every_s
        self._clock = clock
        self._remote = parse(self.uri).scheme == "s3"
        # Opened at the first line: under torchrun every rank enters the log but only rank 0 writes,
        # and a rank that never logs must not create (or, on S3, overwrite at close) the shared file.
        self._file: Any = None
        self._path = ""
        self._last_upload = self._clock()
        self.lines = 0

    def _open(self) -> None:
        if self._remote:
            fd, self._path = tempfile.mkstemp(prefix="r1worker-metrics-", suffix=".jsonl")
            os.close(fd)
        else:
            self._path = parse(self.uri).key
            os.makedirs(os.path.dirname(os.path.abspath(self._path)), exist_ok=True)
        self._file = open(self._path, "a", encoding="utf-8")

    def log(self, **fields: Any) -> None:
        """Append {"time": …, **fields}; values must be JSON scalars, lists or dicts (or 0-d tensors)."""
        from r1worker.io.commit import now_iso

        record = {"time": now_iso(), **{k: _plain(v) for k, v in fields.items()}}
        if self._file is None:
            self._open()
        self._file.write(json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n")
        self._file.flush()
        self.lines += 1
        if self._remote and self._clock() - self._last_upload >= self.upload_every_s:
            self.upload()

    def upload(self) -> None:
        """Publish the lines so far (S3 only; local lines are already in place)."""
        if self._remote and self._file is not None:
            with open(self._path, "rb") as f:
                store.write_bytes(self.uri, f.read())
            self._last_upload = self._clock()

    def close(self) -> None:
        if self._file is None or self._file.closed:
            return
        self._file.close()
        if self._remote:
            self.upload()
            os.remove(self._path)

    def __enter__(self) -> MetricsLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
