"""Logging for the worker: JSON lines on stderr, set up once per process by `setup_logging`.

Every line carries time, level, stage, run_id, logger, message and any `extra={…}` fields, so
CloudWatch Logs Insights (and `r1flow inspect`) can filter and plot them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any, TextIO

# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per record."""

    def __init__(self, stage: str, run_id: str | None) -> None:
        super().__init__()
        self.stage = stage
        self.run_id = run_id

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "stage": self.stage,
            "run_id": self.run_id,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def setup_logging(
    stage: str, run_id: str | None, level: int | str = logging.INFO, stream: TextIO | None = None
) -> logging.Handler:
    """Route every logger (ours and the libraries') to JSON lines on stderr.

    Calling it again replaces the handler it installed before, so it never logs a line twice.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_r1worker", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLinesFormatter(stage, run_id))
    handler._r1worker = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)
    return handler
