"""The GRPO loop's scorer: the TypeScript rewards and verifier (functions/score), run as one long-lived
`node` child per block, so the loop and the score Lambda score with one implementation.

    with TsScorer() as scorer:                       # starts `node bin/r1flow-scorer.js` once
        for it in range(k):
            result = scorer.score(rollout_rows, settings, source=f"iter-{it:04d}")
            result.rows      # `scored_rollouts` rows, in the order the score stage writes them
            result.summary   # the ScoreSummary (accuracy per level, zero-variance groups, ...)

The wire format is functions/score/protocol.ts: JSON lines; a batch goes in chunks of about
`chunk_bytes`, and only the columns scoring adds come back (joined here onto the sent rows). A
refused request raises `ScorerRequestError` naming the row and field, and the child keeps serving;
a child that exits or falls silent raises `ScorerDied` with its stderr tail, and is gone.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import shlex
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .line_child import ChildDied, LineChild

PROTOCOL_VERSION = 1  # PROTOCOL_VERSION of functions/score/protocol.ts
SCORER_ENV = "R1FLOW_SCORER_CMD"  # the child's command line (the GPU image sets it)
SCORER_SCRIPT = "bin/r1flow-scorer.js"  # relative to the repository root, in a checkout

ScorerDied = ChildDied


class ScorerError(RuntimeError):
    """Base of the scorer's own errors (a `ScorerDied` is a `RuntimeError` too)."""


class ScorerRequestError(ScorerError):
    """The child refused a request (bad settings or rows); it is still up and serving."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        self.problems = list(problems)
        super().__init__("\n  ".join([message, *self.problems]))


@dataclass(frozen=True)
class ScoreSettings:
    """What scoring reads from the run manifest (the same fields as the score stage's `scoreShard`)."""

    rewards: Mapping[str, Any]  # the manifest's `rewards` block (RewardWeights); {} = its defaults
    group_size: int  # G, stages.grpo.groupSize: each group must hold exactly G rows
    advantage: str  # stages.grpo.advantage: "outcome" | "process" (token_advantages)
    advantage_norm: str  # stages.grpo.advantageNorm: "std" (GRPO) | "none" (Dr. GRPO)

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, Any]) -> ScoreSettings:
        """From a parsed manifest (defaults filled, as the stage specs carry it)."""
        grpo = manifest["stages"]["grpo"]
        return cls(manifest["rewards"], grpo["groupSize"], grpo["advantage"], grpo["advantageNorm"])

    def to_json(self) -> dict[str, Any]:
        return {
            "rewards": dict(self.rewards),
            "grpo": {
                "groupSize": self.group_size,
                "advantage": self.advantage,
                "advantageNorm": self.advantage_norm,
            },
        }


@dataclass(frozen=True)
class ScoreResult:
    rows: list[dict[str, Any]]  # `scored_rollouts` rows: groups in the order they complete
    summary: dict[str, Any]  # ScoreSummary of functions/score/summary.ts
    seconds: float = field(default=0.0, compare=False)  # round-trip time of the batch


def find_repo_root(start: Path | None = None) -> Path | None:
    """The checkout holding `bin/r1flow-scorer.js`, searching up from this file (or `start`)."""
    for folder in (start or Path(__file__).resolve()).parents:
        if (folder / SCORER_SCRIPT).is_file():
            return folder
    return None


def default_command() -> list[str]:
    """`$R1FLOW_SCORER_CMD` (shell words) when set, else `node <checkout>/bin/r1flow-scorer.js`."""
    if os.environ.get(SCORER_ENV):
        return shlex.split(os.environ[SCORER_ENV])
    root = find_repo_root()
    node = shutil.which("node")
    if root is None or node is None:
        missing = "no checkout with " + SCORER_SCRIPT if root is None else "no `node` on PATH"
        raise ScorerError(
            f"cannot start the TypeScript scorer: {missing}; set {SCORER_ENV} to its command "
            "(e.g. `node /opt/r1flow/bin/r1flow-scorer.js`) or install Node >= 20.19"
        )
    return [node, str(root / SCORER_SCRIPT)]


def _encode_row(i: int, row: Mapping[str, Any]) -> bytes:
    try:
        return json.dumps(row, allow_nan=False, separators=(",", ":"), ensure_ascii=False).encode()
    except (TypeError, ValueError) as err:
        bad = [k for k, v in row.items() if not _finite(v)]
        where = f"rows[{i}] (id {row.get('id')!r})"
        detail = f"non-finite numbers (NaN or ±inf) in {', '.join(bad)}" if bad else str(err)
        raise ScorerRequestError(f"{where} cannot be sent to the scorer: {detail}") from err


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list | tuple):
        return all(_finite(v) for v in value)
    return True


class TsScorer:
    """The scoring child for one block; a context manager (`close()` on exit)."""

    def __init__(
        self,
        command: Sequence[str] | None = None,
        *,
        start_timeout_s: float = 120.0,  # node + tsx + mathjs load: ~2 s on a free core, ~10 s on a busy one
        timeout_s: float = 600.0,  # per chunk: scoring 10k rows takes seconds
        chunk_bytes: int = 32 << 20,  # rows per request line up to about this much JSON
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.command = list(command) if command is not None else default_command()
        self.timeout_s = timeout_s
        self.chunk_bytes = chunk_bytes
        self._ids = itertools.count()
        self._child = LineChild(self.command, name="the TypeScript scorer", env=env)
        hello = self._decode(self._child.read_line(start_timeout_s, "ready line"), "ready line")
        if hello.get("ready") is not True or hello.get("protocol") != PROTOCOL_VERSION:
            raise self._child.fail(f"answered {hello!r} instead of ready, protocol {PROTOCOL_VERSION}")

    def __enter__(self) -> TsScorer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int:
        return self._child.proc.pid

    def close(self) -> int:
        """Stops the child; its exit code (0 when it ended cleanly)."""
        return self._child.close()

    def _decode(self, line: bytes, what: str) -> dict[str, Any]:
        try:
            message = json.loads(line)
        except ValueError:
            raise self._child.fail(f"wrote a {what} that is not JSON: {line[:200]!r}") from None
        if not isinstance(message, dict):
            raise self._child.fail(f"wrote a {what} that is not an object: {line[:200]!r}")
        return message

    def score(
        self, rows: Sequence[Mapping[str, Any]], settings: ScoreSettings, *, source: str | None = None
    ) -> ScoreResult:
        """Scores one batch of `rollouts` rows (whole groups of `settings.group_size` rows)."""
        started = time.monotonic()
        batch_id = f"{source or 'batch'}#{next(self._ids)}"
        head = {"id": batch_id, "settings": settings.to_json()}
        if source is not None:
            head["source"] = source
        prefix = json.dumps(head, separators=(",", ":"))[:-1].encode()
        encoded = [_encode_row(i, row) for i, row in enumerate(rows)]
        scored: dict[str, dict[str, Any]] = {}
        order: list[str] = []
        summary = None
        for start, end, more in self._chunks(encoded):
            body = b",".join(encoded[start:end])
            line = b'%s,"more":%s,"rows":[%s]}\n' % (prefix, b"true" if more else b"false", body)
            response = self._decode(self._child.request(line, self.timeout_s, "response"), "response")
            if response.get("id") != batch_id:
                raise self._child.fail(f"answered batch {response.get('id')!r} to batch {batch_id!r}")
            if not response.get("ok"):
                raise ScorerRequestError(str(response.get("error")), response.get("problems") or [])
            for columns in response["rows"]:
                scored[columns["id"]] = columns
                order.append(columns["id"])
            summary = response.get("summary")
        by_id = {row["id"]: row for row in rows}
        if len(order) != len(rows) or set(order) != set(by_id) or summary is None:
            raise self._child.fail(f"returned {len(order)} scored rows for {len(rows)} rollouts")
        out = [{**by_id[i], **scored[i]} for i in order]
        return ScoreResult(out, summary, time.monotonic() - started)

    def _chunks(self, encoded: Sequence[bytes]):
        """(start, end, more) ranges of rows of about `chunk_bytes` each; at least one (empty batch)."""
        start, size = 0, 0
        for i, row in enumerate(encoded):
            size += len(row) + 1
            if size >= self.chunk_bytes and i + 1 < len(encoded):
                yield start, i + 1, True
                start, size = i + 1, 0
        yield start, len(encoded), False
