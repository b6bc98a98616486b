"""Finishing a stage: `metrics.json` (the stage summary), then `_SUCCESS` written LAST with the
hash of the stage's spec and inputs, so a re-run with the same hash may skip the stage and no
reader ever takes half-written output for finished output."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

from r1worker.io import store
from r1worker.io.canonical import canonical_json
from r1worker.io.errors import NotFoundError
from r1worker.io.metrics_log import MetricsLog
from r1worker.io.schemas import load_document
from r1worker.io.validation import apply_defaults, problems

__all__ = [
    "MetricsLog",
    "SUCCESS",
    "SUMMARY",
    "commit_stage",
    "is_complete",
    "now_iso",
    "read_success",
    "stage_hash",
    "write_summary",
]

SUCCESS = "_SUCCESS"
SUMMARY = "metrics.json"


def now_iso() -> str:
    """UTC time as JavaScript's `Date.toISOString()` spells it: 2026-05-09T07:35:25.123Z."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def stage_hash(*parts: Any) -> str:
    """sha256 hex of the canonical JSON of the list `[parts…]` (always a list, even for one part).

    The TypeScript side computes the same hex for the same plain JSON values; see
    `r1worker.io.canonical` for the exact text hashed.
    """
    return hashlib.sha256(canonical_json(list(parts)).encode("utf-8")).hexdigest()


def commit_stage(prefix: str, stage: str, hash: str, files: Sequence[str]) -> dict[str, Any]:
    """Write `<prefix>/_SUCCESS`; call it after every other output is written. Returns the marker.

    `files` names what the stage wrote (relative to `prefix`, or URIs).
    """
    marker = {"stage": stage, "hash": hash, "finishedAt": now_iso(), "files": list(files)}
    found = problems(marker, load_document("success-marker.schema.json"))
    if found:
        raise ValueError(f"invalid success marker for {store.join(prefix, SUCCESS)}: " + "; ".join(found))
    store.write_json(store.join(prefix, SUCCESS), marker)
    return marker


def read_success(prefix: str) -> dict[str, Any] | None:
    """The `_SUCCESS` marker under `prefix`, or None when the stage has not finished there."""
    uri = store.join(prefix, SUCCESS)
    try:
        marker = store.read_json(uri)
    except NotFoundError:
        return None
    found = problems(marker, load_document("success-marker.schema.json"))
    if found:
        raise ValueError(f"{uri}: not a valid success marker: " + "; ".join(found))
    return marker


def is_complete(prefix: str, hash: str) -> bool:
    """Whether the stage finished under `prefix` with this exact spec/input hash (resume check)."""
    try:
        marker = read_success(prefix)
    except ValueError:
        return False  # a damaged marker means: run the stage again
    return marker is not None and marker["hash"] == hash


def write_summary(prefix: str, summary: dict[str, Any]) -> dict[str, Any]:
    """Validate a stage summary (stage-summary.schema.json), fill its defaults, and write it to
    `<prefix>/metrics.json`. Returns the summary as written."""
    schema = load_document("stage-summary.schema.json")
    full = apply_defaults(summary, schema)
    found = problems(full, schema)
    if found:
        raise ValueError("invalid stage summary: " + "; ".join(found))
    store.write_json(store.join(prefix, SUMMARY), full)
    return full
