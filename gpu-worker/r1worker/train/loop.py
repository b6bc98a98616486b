"""The one training loop of the worker's sft, reward and grpo stages: set lr → accumulate the
micro-batches → clip → optimizer step → metrics → checkpoint every N steps and at SIGTERM; resume.

A stage hands it a step function and the micro-batches of each optimizer step, in the shape of
nanoGPT's `train.py`:

    model, resume = start_model(cfg.output, cfg.model, load, env)
    with TrainLoop(model, settings, env, save_model) as loop:
        loop.resume(resume)                                  # optimizer, RNG, step, stats, loop.state
        for step in range(loop.step, settings.steps):
            loop.train_step(micro_batches(step), loss_fn)    # one optimizer step
        model_uri = loop.save_final()

`loss_fn(micro_batch) -> (loss, metrics)`: `loss` is this micro-batch's part of the step's loss,
weighted so that the parts of all micro-batches on all ranks add up to the step's loss (a
zero-weight padding pass, which only keeps FSDP's collectives in step, returns 0 × its loss);
`metrics` are additive parts too (summed over micro-batches and ranks; every rank returns the same
names). A `tokens` metric adds tokens/s and, on a GPU of known peak, MFU (6·N FLOPs per token).

The optimizer lives in the loop object, so a caller that runs many iterations in one process (a
GRPO block) keeps AdamW's moments by calling `train_step` again with the next iteration's
micro-batches; `checkpoint()` and `stop_requested()` let it checkpoint at its own boundaries.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import torch

from r1worker.io import store
from r1worker.io.commit import MetricsLog
from r1worker.train import checkpoint, distributed, metrics, schedule
from r1worker.train.distributed import DistEnv

log = logging.getLogger(__name__)

M = TypeVar("M")
LossFn = Callable[[M], tuple[torch.Tensor, dict[str, float]]]
RECENT = 10  # step records kept for the summary's "last" figures


def train_fields(spec: dict[str, Any]) -> dict[str, Any]:
    """The fields every training stage's config shares, from its validated spec: where it writes,
    its sequence length and seed, `compute.checkpointEvery`, and the optimizer settings
    (OptimSettings in schemas/settings/worker-stages.ts)."""
    s = spec["settings"]
    return {
        "output": spec["output"],
        "max_seq_len": spec["maxSeqLen"],
        "seed": spec["seed"],
        "checkpoint_every": spec["compute"]["checkpointEvery"],
        "lr": s["learningRate"],
        "warmup_ratio": s["warmupRatio"],
        "min_lr_ratio": s["minLrRatio"],
        "weight_decay": s["weightDecay"],
        "grad_clip": s["gradClip"],
        "token_budget": s["tokenBudget"],
    }


@dataclass(frozen=True)
class LoopSettings:
    """How the loop steps (the stage's optimizer settings come from its schema, OptimSettings)."""

    output: str  # stage prefix: checkpoints/ and metrics.jsonl
    lr: float  # peak learning rate
    warmup_ratio: float  # share of the schedule with linear warm-up
    min_lr_ratio: float  # cosine decays to min_lr_ratio × lr
    weight_decay: float  # AdamW decoupled decay on matrices
    grad_clip: float  # global gradient-norm clip
    steps: int  # optimizer steps this loop makes; the last one writes no periodic checkpoint
    schedule_steps: int  # length of the warm-up + cosine schedule (grpo: iterations × μ of the RL run)
    schedule_start: int  # schedule position of this loop's step 0 (grpo: iteration × μ)
    checkpoint_every: int  # optimizer steps between checkpoints (compute.checkpointEvery)

    @classmethod
    def of(cls, cfg: Any, steps: int, schedule_steps: int, schedule_start: int) -> LoopSettings:
        """From a stage config with the `train_fields` fields."""
        return cls(
            cfg.output,
            cfg.lr,
            cfg.warmup_ratio,
            cfg.min_lr_ratio,
            cfg.weight_decay,
            cfg.grad_clip,
            steps,
            schedule_steps,
            schedule_start,
            cfg.checkpoint_every,
        )


@dataclass
class Stats:
    """Running figures for the stage's summary; saved in checkpoints, so a resumed run keeps them."""

    first: dict[str, float] = field(default_factory=dict)  # metrics of the run's first step
    recent: list[dict[str, float]] = field(default_factory=list)  # the last RECENT steps' metrics
    tokens: float = 0.0  # the `tokens` metric summed over all steps
    seconds: float = 0.0  # time spent in steps (checkpoints not counted)
    steps_here: int = 0  # steps this process ran (not carried over a resume)

    def add(self, step_metrics: dict[str, float], seconds: float) -> None:
        self.first = self.first or dict(step_metrics)
        self.recent = [*self.recent, dict(step_metrics)][-RECENT:]
        self.tokens += step_metrics.get("tokens", 0.0)
        self.seconds += seconds
        self.steps_here += 1

    @property
    def last(self) -> dict[str, float]:
        return self.recent[-1] if self.recent else {}

    def mean_of_last(self, name: str, n: int) -> float:
        values = [m[name] for m in self.recent[-n:] if name in m]
        return sum(values) / len(values) if values else 0.0

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds if self.seconds else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"first": self.first, "recent": self.recent, "tokens": self.tokens, "seconds": self.seconds}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Stats:
        return cls(doc["first"], doc["recent"], doc["tokens"], doc["seconds"])


def start_model(
    output: str, initial: str, load: Callable[[str], torch.nn.Module], env: DistEnv
) -> tuple[torch.nn.Module, str | None]:
    """The model to train, wrapped for FSDP, and the checkpoint it resumes from (or None).

    `load(ref)` loads a model reference onto this rank's device: the newest complete checkpoint's
    `model/` under `output` when there is one, else `initial`. Build the loop (the optimizer) after.
    """
    resume = checkpoint.latest_checkpoint(output)
    model = load(store.join(resume, "model") if resume else initial)
    model = distributed.wrap_model(model, env)
    model.train()
    return model, resume


def accumulate(
    model: torch.nn.Module, micro_batches: Sequence[M], loss_fn: LossFn, world_size: int
) -> dict[str, float]:
    """Forward and backward over this rank's micro-batches of one step; returns the summed metrics.

    Each part is multiplied by `world_size` because FSDP averages gradients over ranks: the
    gradient is then that of the step's loss, whatever the split over micro-batches and ranks.
    """
    sums: dict[str, float] = {}
    for k, mb in enumerate(micro_batches):
        if hasattr(model, "set_requires_gradient_sync"):  # FSDP2: reduce on the last pass only
            model.set_requires_gradient_sync(k == len(micro_batches) - 1)
        loss, parts = loss_fn(mb)
        (loss * world_size).backward()
        for name, value in parts.items():
            sums[name] = sums.get(name, 0.0) + value
    return sums


class TrainLoop:
    """AdamW, the schedule, the metrics log, the SIGTERM flag and checkpoints of one model."""

    def __init__(
        self,
        model: torch.nn.Module,
        settings: LoopSettings,
        env: DistEnv,
        save_model: Callable[[dict[str, torch.Tensor], str], None],
    ) -> None:
        self.model, self.settings, self.env, self.save_model = model, settings, env, save_model
        self.optimizer = schedule.build_optimizer(model, settings.lr, settings.weight_decay)
        self.warmup = schedule.warmup_steps_for(settings.schedule_steps, settings.warmup_ratio)
        self.step = 0  # optimizer steps done under this output (checkpoint name, resume position)
        self.stats = Stats()
        self.state: dict[str, Any] = {}  # the stage's own JSON, saved with every checkpoint
        self._saved: tuple[int, str] | None = None  # (step, URI) of a checkpoint of these weights
        device = next(model.parameters()).device
        self._n_params = metrics.count_parameters(model)
        self._peak = metrics.peak_flops(device)
        self._log = MetricsLog(settings.output)
        self._stop = checkpoint.StopSignal()

    def __enter__(self) -> TrainLoop:
        self._log.__enter__()
        self._stop.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.__exit__(*exc)
        self._log.__exit__(*exc)

    def resume(self, ckpt: str | None) -> dict[str, Any]:
        """Restore optimizer, RNG, step, stats and `state` from `ckpt` (the model came with
        `start_model`); returns `state` ({} on a fresh start)."""
        if ckpt is not None:
            saved = checkpoint.load_checkpoint(ckpt, self.model, self.optimizer, self.env)
            self.step, self.state = saved["step"], saved["state"]
            self.stats = Stats.from_json(saved["stats"])
            self._saved = (self.step, ckpt)
        return self.state

    def train_step(
        self, micro_batches: Sequence[M], loss_fn: LossFn, *, at_boundary: bool = True, **fields: Any
    ) -> dict[str, float]:
        """One optimizer step over this rank's `micro_batches`; logs `fields` with its metrics, then
        checkpoints every `checkpoint_every` steps, and at SIGTERM checkpoints and raises
        `Preempted` (unless this was the last step). Returns the step's metrics (over all ranks).

        `at_boundary=False`: a step inside a larger unit that can only resume whole (a GRPO block's
        iteration, whose rollouts came from the policy before it): no checkpoint or stop here; the
        caller checks `stop_requested()` and calls `checkpoint()` at its own boundaries."""
        t0 = time.perf_counter()
        s = self.settings
        lr = schedule.lr_at(s.schedule_start + self.step, s.lr, self.warmup, s.schedule_steps, s.min_lr_ratio)
        schedule.set_lr(self.optimizer, lr)
        sums = accumulate(self.model, micro_batches, loss_fn, self.env.world_size)
        grad_norm = distributed.clip_grad_norm(self.model, s.grad_clip)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)

        names = sorted(sums)
        step_metrics = dict(
            zip(names, distributed.all_reduce([sums[n] for n in names], self.env), strict=True)
        )
        step_metrics |= {"lr": lr, "grad_norm": grad_norm}
        seconds = time.perf_counter() - t0
        if "tokens" in step_metrics:
            tok_s = step_metrics["tokens"] / max(seconds, 1e-9)
            step_metrics["tokens_per_s"] = tok_s
            mfu = metrics.mfu(tok_s, self._n_params, self._peak, self.env.world_size)
            if mfu is not None:  # a known GPU's peak
                step_metrics["mfu"] = mfu
        self.step += 1
        self.stats.add(step_metrics, seconds)
        if self.env.is_main:
            self._log.log(step=self.step, **fields, **step_metrics)

        if not at_boundary:
            return step_metrics
        stopping = self.stop_requested()
        done = self.step == s.steps
        if stopping or (not done and self.step % s.checkpoint_every == 0):
            self.checkpoint()
        if stopping and not done:
            raise checkpoint.Preempted(self.step)
        return step_metrics

    def stop_requested(self) -> bool:
        """Whether any rank got SIGTERM (collective: every rank must call it)."""
        return distributed.any_rank(self._stop.requested, self.env)

    def checkpoint(self) -> str:
        """Save model, optimizer, RNG, step, stats and `state` now (collective)."""
        state = {"stats": self.stats.to_json(), "state": self.state}
        uri = checkpoint.save_checkpoint(
            self.settings.output, self.step, self.model, self.optimizer, self.env, state, self.save_model
        )
        self._saved = (self.step, uri)
        return uri

    def save_final(self) -> str:
        """The trained model under `<output>/model/` (collective); returns its URI. Copied from the
        checkpoint of this step when there is one (a GRPO block checkpoints at its end), since
        only optimizer steps move the weights; else gathered and written."""
        if self._saved is not None and self._saved[0] == self.step:
            return checkpoint.publish_checkpoint_model(self._saved[1], self.env, self.settings.output)
        return checkpoint.save_final_model(self.model, self.save_model, self.env, self.settings.output)
