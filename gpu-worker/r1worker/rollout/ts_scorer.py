"""The GRPO loop's scorer: the TypeScript rewards and verifier (functions/score), run as one long-lived
`node` child per block, so the loop and the score Lambda score with one implementation.

    with TsScorer() as scorer:                       # starts `node bin/r1flow-scorer.js` once
        for it in range(k):
            result = scorer.score(rollout_rows, settings, source=f"iter-{it:04d}")
            result.rows      # `scored_rollouts` rows, in the order the score stage writes them
            result.summary   # the ScoreSummary (accuracy per level, zero-variance groups, ...)

        batch = scorer.open_batch(settings, source="iter-0003")  # one batch sampled in rounds
        rows = batch.add(round_rows) + batch.add(more_rows)      # each round's groups, scored
        summary = batch.close()                                  # one summary over every round

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
        wait_ready: bool = True,  # False: start the child now, read its ready line at first use
    ) -> None:
        self.command = list(command) if command is not None else default_command()
        self.timeout_s = timeout_s
        self.chunk_bytes = chunk_bytes
        self._ids = itertools.count()
        self._start_timeout_s = start_timeout_s
        self._ready = False
        self._child = LineChild(self.command, name="the TypeScript scorer", env=env)
        if wait_ready:
            self.wait_ready()

    def wait_ready(self) -> None:
        """Waits for the child's ready line (once); a child that dies or answers otherwise fails here."""
        if self._ready:
            return
        hello = self._decode(self._child.read_line(self._start_timeout_s, "ready line"), "ready line")
        if hello.get("ready") is not True or hello.get("protocol") != PROTOCOL_VERSION:
            raise self._child.fail(f"answered {hello!r} instead of ready, protocol {PROTOCOL_VERSION}")
        self._ready = True

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
        batch = self.open_batch(settings, source=source)
        out = batch._send(rows, last=True)
        return ScoreResult(out, batch.summary, time.monotonic() - started)

    def open_batch(self, settings: ScoreSettings, *, source: str | None = None) -> ScoreBatch:
        """A batch scored over several `add` calls and ended by `close()`, whose summary covers them
        all (e.g. a GRPO iteration sampled in rounds); the child holds it open in between. Opening
        needs no answer from the child: its ready line is awaited at the batch's first send."""
        return ScoreBatch(self, settings, source)

    def _chunks(self, encoded: Sequence[bytes]):
        """(start, end, more) ranges of rows of about `chunk_bytes` each; at least one (empty batch)."""
        start, size = 0, 0
        for i, row in enumerate(encoded):
            size += len(row) + 1
            if size >= self.chunk_bytes and i + 1 < len(encoded):
                yield start, i + 1, True
                start, size = i + 1, 0
        yield start, len(encoded), False


class ScoreBatch:
    """One scorer batch sent in parts (`TsScorer.open_batch`): each `add` goes as `more` chunks and
    returns the groups it completes, so whole groups come back at once; `close` sends the last,
    empty chunk and returns the batch's `ScoreSummary`."""

    def __init__(self, scorer: TsScorer, settings: ScoreSettings, source: str | None) -> None:
        self._scorer = scorer
        self.id = f"{source or 'batch'}#{next(scorer._ids)}"
        head = {"id": self.id, "settings": settings.to_json()}
        if source is not None:
            head["source"] = source
        self._prefix = json.dumps(head, separators=(",", ":"))[:-1].encode()
        self._sent: dict[str, Mapping[str, Any]] = {}
        self._scored: set[str] = set()
        self.summary: dict[str, Any] | None = None  # set by the last chunk

    def wait_ready(self) -> None:
        """The scorer's `wait_ready` (a no-op once ready), for callers that time the wait apart."""
        self._scorer.wait_ready()

    def add(self, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """`scored_rollouts` rows of the groups these rows complete (all of them for whole groups)."""
        return self._send(rows, last=False) if rows else []

    def close(self) -> dict[str, Any]:
        """Ends the batch; its ScoreSummary over every row added."""
        if self._send([], last=True):  # a group still open at the end: the child refuses it first
            raise self._scorer._child.fail(f"scored rows after the last chunk of batch {self.id!r}")
        return self.summary

    def _send(self, rows: Sequence[Mapping[str, Any]], *, last: bool) -> list[dict[str, Any]]:
        child, scorer = self._scorer._child, self._scorer
        if self.summary is not None:
            raise ScorerError(f"batch {self.id!r} is closed")
        scorer.wait_ready()
        encoded = [_encode_row(i, row) for i, row in enumerate(rows)]
        self._sent |= {row["id"]: row for row in rows}
        out: list[dict[str, Any]] = []
        for start, end, more in scorer._chunks(encoded):
            flag = b"true" if more or not last else b"false"
            body = b",".join(encoded[start:end])
            line = b'%s,"more":%s,"rows":[%s]}\n' % (self._prefix, flag, body)
            response = scorer._decode(child.request(line, scorer.timeout_s, "response"), "response")
            if response.get("id") != self.id:
                raise child.fail(f"answered batch {response.get('id')!r} to batch {self.id!r}")
            if not response.get("ok"):
                raise ScorerRequestError(str(response.get("error")), response.get("problems") or [])
            for columns in response["rows"]:
                key = columns.get("id")
                if key not in self._sent or key in self._scored:
                    raise child.fail(f"returned row {key!r}, not one awaiting its score in {self.id!r}")
                self._scored.add(key)
                out.append({**self._sent[key], **columns})
            self.summary = response.get("summary")
        if last and (len(self._scored) != len(self._sent) or self.summary is None):
            raise child.fail(f"returned {len(self._scored)} scored rows for {len(self._sent)} rollouts")
        return out
