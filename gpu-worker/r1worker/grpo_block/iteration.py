"""One GRPO iteration inside a block, in pieces the stage's `run()` calls in order: sample with the
live policy, write the tables, update on the informative groups (grpo_block/refill.py picks them),
and time each phase.

Scoring is the TypeScript scorer child's (rollout/ts_scorer.py); the update is the grpo stage's own
step function (train/grpo_step.py) driven by the block's one TrainLoop, so AdamW's moments persist.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from r1worker.io.sharded import ShardedWriter
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


@dataclass
class Sampled:
    """What sampling some problems gave: `rollouts` rows and the counts the rollout metrics sum."""

    rows: list[dict[str, Any]]
    prompts: int  # problems sampled
    skipped: int  # problems whose prompt leaves no room for a completion token
    batches: int  # generate calls (each has its own seed)
    seconds: float  # generate wall time


def sample(backend, tokenizer, cfg: RolloutConfig, problems: Sequence[dict], first_batch: int = 0) -> Sampled:
    """`rollouts` rows of `problems`, `cfg.batch_size` prompts per generate call; call b is seeded
    by (seed, policy version, first_batch + b), so later rounds of an iteration draw fresh seeds."""
    todo, skipped = render_prompts(problems, tokenizer, cfg.max_seq_len)
    rows: list[dict[str, Any]] = []
    seconds, batches = 0.0, 0
    for start in range(0, len(todo), cfg.batch_size):
        chunk = todo[start : start + cfg.batch_size]
        batch_rows, s = sample_batch(backend, chunk, cfg, first_batch + batches, tokenizer)
        rows += batch_rows
        seconds += s
        batches += 1
    return Sampled(rows, len(todo), skipped, batches, seconds)


def write_shards(prefix: str, table: str, rows: Sequence[dict]) -> list[str]:
    """`rows` as `<prefix>/part-*.arrow` shards of `table`, a group never split over two shards
    (no rows: one empty shard, as every finished table has)."""
    with ShardedWriter(prefix, table, max_rows=SHARD_ROWS, group_column="group_id") as writer:
        if rows:
            writer.write(list(rows))
    return writer.uris


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
