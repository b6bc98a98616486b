"""One GRPO iteration inside a block, in pieces the stage's `run()` calls in order: sample with the
live policy, keep the informative groups, update on them, and time each phase.

Scoring is the TypeScript scorer child's (rollout/ts_scorer.py); the update is the grpo stage's own
step function (train/grpo_step.py) driven by the block's one TrainLoop, so AdamW's moments persist.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from r1worker.io.sharded import ShardedWriter
from r1worker.io.tables import read_shards
from r1worker.stages.grpo import GrpoConfig
from r1worker.stages.rollout import SHARD_ROWS, RolloutConfig, render_prompts, sample_batch
from r1worker.train.grpo_step import GrpoStep, frozen_logprobs, plan_batches, rollouts_of
from r1worker.train.loop import TrainLoop

GAPS = ("sampler_logprob_gap", "sampler_logprob_gap_abs")  # measured on an iteration's first epoch


class Timer:
    """Wall seconds per named phase of one iteration."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._start = time.perf_counter()

    @contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[phase] = self.seconds.get(phase, 0.0) + time.perf_counter() - t0

    def total(self) -> dict[str, float]:
        """The phases, `iteration_s` (wall time since the timer started) and `other_s` (the rest)."""
        wall = time.perf_counter() - self._start
        out = {f"{k}_s": v for k, v in self.seconds.items()}
        return out | {"iteration_s": wall, "other_s": wall - sum(self.seconds.values())}


def sample(backend, tokenizer, cfg: RolloutConfig, dropped: set[str]) -> tuple[list[dict], dict[str, float]]:
    """`rollouts` rows of one iteration's prompts, sampled by `backend`; prompts whose problem was
    all right or all wrong earlier in the block (`dropped`) are not sampled again."""
    problems = read_shards(list(cfg.prompts), "problems").to_pylist()
    fresh = [p for p in problems if p["id"] not in dropped]
    todo, skipped = render_prompts(fresh, tokenizer, cfg.max_seq_len)
    rows: list[dict[str, Any]] = []
    seconds = 0.0
    for b, start in enumerate(range(0, len(todo), cfg.batch_size)):
        batch_rows, s = sample_batch(backend, todo[start : start + cfg.batch_size], cfg, b, tokenizer)
        rows += batch_rows
        seconds += s
    tokens = sum(len(r["completion_token_ids"]) for r in rows)
    metrics = {
        "prompts": len(todo),
        "skipped_prompts": skipped,
        "dropped_prompts": len(problems) - len(fresh),
        "tokens": tokens,
        "tokens_per_s": tokens / seconds if seconds else 0.0,
        "truncated_share": sum(r["finish_reason"] == "length" for r in rows) / max(len(rows), 1),
    }
    return rows, metrics


def write_shards(prefix: str, table: str, rows: Sequence[dict]) -> list[str]:
    """`rows` as `<prefix>/part-*.arrow` shards of `table`, a group never split over two shards
    (no rows: one empty shard, as every finished table has)."""
    with ShardedWriter(prefix, table, max_rows=SHARD_ROWS, group_column="group_id") as writer:
        if rows:
            writer.write(list(rows))
    return writer.uris


def informative_groups(rows: Sequence[dict]) -> tuple[list[dict], set[str]]:
    """(rows of groups with right and wrong answers, problem ids of all-right / all-wrong groups).

    An all-right or all-wrong group carries no outcome signal (its advantages are 0); as the
    curriculum does between iterations, its problem is dropped. When every group is so, all rows
    are kept (the step is then the KL term's alone, as the grpo stage would make it).
    """
    verdicts: dict[str, set[bool]] = {}
    for r in rows:
        verdicts.setdefault(r["group_id"], set()).add(bool(r["correct"]))
    flat = {g for g, v in verdicts.items() if len(v) == 1}
    dropped = {r["problem_id"] for r in rows if r["group_id"] in flat}
    kept = [r for r in rows if r["group_id"] not in flat]
    return (kept or list(rows)), dropped


def update(
    loop: TrainLoop, reference, rows: Sequence[dict], cfg: GrpoConfig, pad_id: int, precision, iteration: int
) -> dict[str, float]:
    """μ optimizer steps on one iteration's scored rows (the grpo stage's step function); returns the
    last step's metrics with the first epoch's sampler log-prob gaps. Nothing to train on (every
    prompt dropped, or no completion): no step, {"rows": 0}."""
    data = rollouts_of(rows, cfg.advantage)
    if not data.completions:
        return {"rows": 0}
    plan = plan_batches(
        data, cfg.max_seq_len, cfg.token_budget, cfg.loss_agg, pad_id, loop.env, precision.device
    )
    ref = (
        frozen_logprobs(reference, plan.micro, precision, cfg.temperature) if reference is not None else None
    )
    step = GrpoStep(loop.model, cfg.objective, plan, precision, ref)
    first: dict[str, float] = {}
    for _ in range(cfg.inner_epochs):
        metrics = loop.train_step(plan.micro, step, at_boundary=False, iteration=iteration)
        first = first or metrics
    out = {k: v for k, v in metrics.items() if k not in GAPS}
    return out | {g: first.get(g, 0.0) for g in GAPS} | {"rows": len(data.completions), "cut": plan.cut}
