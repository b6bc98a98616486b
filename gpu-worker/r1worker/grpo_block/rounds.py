"""One block iteration's sampling and scoring: the curriculum's batch, then, with dynamic sampling
on and too few informative groups, refill rounds from the iteration's reserve (grpo_block/refill.py),
all with the live policy and in one scorer batch, so the iteration's ScoreSummary covers every row
that its `rollouts` and `scored` tables hold."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from r1worker.io.tables import read_shards
from r1worker.rollout.ts_scorer import ScoreBatch, TsScorer
from r1worker.stages.rollout import RolloutConfig, score_rows

from .config import BlockConfig
from .iteration import Timer, sample
from .refill import RefillReport, group_verdicts, refill


@dataclass
class IterationSample:
    rollouts: list[dict[str, Any]]  # `rollouts` rows: the batch's groups, then each round's
    scored: list[dict[str, Any]]  # `scored_rollouts` rows, in the same group order
    summary: dict[str, Any]  # the scorer's ScoreSummary over every round
    rollout: dict[str, float]  # the rollout metrics, summed over the rounds
    refill: RefillReport


class _Draws:
    """Samples and scores problems for one iteration, round after round; keeps the rows and counts.
    With a reward model, each round's rows get rm_score / rm_step_scores before the scorer sees them
    (the scorer weighs rm_score by rewards.rewardModel)."""

    def __init__(
        self, engine, reward_model, tokenizer, cfg: RolloutConfig, batch: ScoreBatch, timer: Timer
    ) -> None:
        self.engine, self.tokenizer, self.cfg, self.batch, self.timer = engine, tokenizer, cfg, batch, timer
        self.reward_model = reward_model
        pad = tokenizer.pad_token_id
        self.pad_id = pad if pad is not None else tokenizer.eos_token_id
        self.rollouts: list[dict[str, Any]] = []
        self.prompts = self.skipped = self.batches = 0
        self.seconds = self.rm_sum = 0.0

    def __call__(self, problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
        with self.timer("rollout"):
            got = sample(self.engine, self.tokenizer, self.cfg, problems, first_batch=self.batches)
        if self.reward_model is not None and got.rows:
            with self.timer("reward_model"):
                self.rm_sum += score_rows(self.reward_model, got.rows, self.cfg, self.pad_id)
        # The child started with the job and loaded its verifier meanwhile; only the block's first
        # round can still wait for it, and that wait is start-up, not scoring.
        with self.timer("scorer_wait"):
            self.batch.wait_ready()
        with self.timer("score"):
            scored = self.batch.add(got.rows)
        self.rollouts += got.rows
        self.prompts, self.skipped = self.prompts + got.prompts, self.skipped + got.skipped
        self.batches, self.seconds = self.batches + got.batches, self.seconds + got.seconds
        return scored

    def metrics(self, dropped_prompts: int) -> dict[str, float]:
        rows = self.rollouts
        tokens = sum(len(r["completion_token_ids"]) for r in rows)
        rm = {"rm_score_mean": self.rm_sum / len(rows)} if self.reward_model is not None and rows else {}
        return {
            "prompts": self.prompts,
            "skipped_prompts": self.skipped,
            "dropped_prompts": dropped_prompts,
            "tokens": tokens,
            "tokens_per_s": tokens / self.seconds if self.seconds else 0.0,
            "truncated_share": sum(r["finish_reason"] == "length" for r in rows) / max(len(rows), 1),
        } | rm


def sample_iteration(
    engine,
    reward_model,
    tokenizer,
    cfg: BlockConfig,
    iteration: int,
    scorer: TsScorer,
    dropped: set[str],
    timer: Timer,
) -> IterationSample:
    """Samples and scores RL iteration `iteration`: its batch less the problems dropped earlier in
    the block (`dropped`), then the refill rounds when dynamic sampling is on; `reward_model` (or
    None) fills each round's rm_score / rm_step_scores."""
    rollout_cfg = cfg.rollout(iteration)
    batch = scorer.open_batch(cfg.score, source=f"iter-{iteration:04d}")
    draws = _Draws(engine, reward_model, tokenizer, rollout_cfg, batch, timer)
    problems = read_shards(list(rollout_cfg.prompts), "problems").to_pylist()
    fresh = [p for p in problems if p["id"] not in dropped]
    scored = draws(fresh)
    informative = sum(group_verdicts(scored).values())
    report = RefillReport(0, 0, informative, informative)
    ds, target = cfg.dynamic, cfg.groups_per_iteration
    if ds.enabled and informative < target:
        shards = list(cfg.reserve_of(iteration))
        reserve = read_shards(shards, "problems").to_pylist() if shards else []
        scored, report = refill(scored, reserve, dropped, target, ds.max_rounds, draws)
    with timer("score"):
        summary = batch.close()
    metrics = draws.metrics(len(problems) - len(fresh))
    return IterationSample(draws.rollouts, scored, summary, metrics, report)
