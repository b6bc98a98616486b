"""sft stage: supervised fine-tuning on `sft_examples` (R1 cold start, and round 2 / distillation).

Completion-only cross-entropy over the `<think>…</think>` answers, examples packed into rows and
rows grouped into token-budget micro-batches, gradient accumulation, AdamW with warm-up + cosine,
gradient clipping, bf16 autocast on GPU; FSDP under torchrun. Checkpoints every
`compute.checkpointEvery` steps and at SIGTERM; a restarted job resumes from the newest complete
checkpoint. Writes `<output>/model/` (HF layout + tokenizer) and `metrics.jsonl`; the CLI then
writes `metrics.json` and `_SUCCESS`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import torch

from r1worker.algos import sft_loss
from r1worker.io.tables import read_shards
from r1worker.model import load_tokenizer
from r1worker.model.save import causal_lm_saver
from r1worker.stages import cache_dir, load_policy, start_runtime
from r1worker.train import batching, distributed
from r1worker.train.loop import LoopSettings, TrainLoop, start_model, train_fields
from r1worker.train.precision import Precision, autocast

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SftConfig:
    """The sft spec, flattened (defaults come from schemas/settings/worker-stages.ts SftSettings)."""

    model: str  # checkpoint to start from (HF layout, s3:// prefix, hub id) or builtin:tiny
    examples: tuple[str, ...]  # sft_examples shard URIs
    output: str  # stage prefix: model/, checkpoints/, metrics.jsonl
    max_seq_len: int  # prompt + completion tokens per example (longer completions are cut)
    seed: int  # data order and initialisation
    lr: float  # peak learning rate; DeepSeekMath-Instruct SFT used 5e-5
    warmup_ratio: float  # share of steps with linear warm-up
    min_lr_ratio: float  # cosine decays to min_lr_ratio × lr
    weight_decay: float  # AdamW decoupled decay on matrices
    grad_clip: float  # global gradient-norm clip
    token_budget: int  # padded tokens per micro-batch (rows × longest row)
    grad_accumulation: int  # micro-batches per optimizer step on each rank
    epochs: int  # passes over the examples (R1: 2)
    packing: bool  # several examples per row, attention kept within each
    curriculum: bool  # ascending level, shuffled within a level
    max_steps: int  # > 0 caps the optimizer steps
    checkpoint_every: int  # optimizer steps between checkpoints

    def __post_init__(self) -> None:
        if self.token_budget < 2:
            raise ValueError("tokenBudget must hold at least 2 tokens")

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> SftConfig:
        s = spec["settings"]
        return cls(
            model=spec["model"],
            examples=tuple(spec["examples"]),
            **train_fields(spec),
            grad_accumulation=s["gradAccumulation"],
            epochs=s["epochs"],
            packing=s["packing"],
            curriculum=s["curriculumOrder"],
            max_steps=s["maxSteps"],
        )


def load_examples(cfg: SftConfig, tokenizer) -> tuple[list[batching.Encoded], list[int], int]:
    """Encoded examples, their levels, and how many rows were dropped (prompt too long)."""
    table = read_shards(list(cfg.examples), "sft_examples")
    encoded, levels = [], []
    row_len = min(cfg.max_seq_len, cfg.token_budget)
    for row in table.select(["prompt", "completion", "level"]).to_pylist():
        ex = batching.encode_example(tokenizer, row["prompt"], row["completion"], row_len)
        if ex is not None:
            encoded.append(ex)
            levels.append(row["level"])
    return encoded, levels, table.num_rows - len(encoded)


def build_plan(
    cfg: SftConfig, examples: list[batching.Encoded], levels: list[int]
) -> list[batching.MicroBatch]:
    """Every epoch's micro-batches, epoch after epoch (deterministic in cfg.seed)."""
    lengths = [len(e.input_ids) for e in examples]
    plan: list[batching.MicroBatch] = []
    for epoch in range(cfg.epochs):
        plan += batching.plan_epoch(
            lengths,
            levels,
            seed=cfg.seed,
            epoch=epoch,
            curriculum=cfg.curriculum,
            packing=cfg.packing,
            row_len=cfg.max_seq_len,
            token_budget=cfg.token_budget,
        )
    return plan


def micro_batches(cfg: SftConfig, plan, steps, examples, tokenizer, env, device):
    """`micro_batches(step)`: this rank's (batch, weight, labelled tokens of the step, tokens) of one
    optimizer step. A rank short of a micro-batch in the last step re-runs its first with weight 0
    (keeps FSDP's collectives in step); the labelled tokens count the whole step over all ranks."""

    def of_step(step: int) -> list[tuple[batching.Batch, float, int, int]]:
        slots = batching.rank_slots(steps[step], env.rank, env.world_size, cfg.grad_accumulation)
        n_items = sum(examples[i].n_labels for s in steps[step] for row in plan[s] for i in row)
        out = []
        for s in slots:
            mb = plan[s if s is not None else (slots[0] if slots[0] is not None else steps[step][0])]
            batch = batching.collate(mb, examples, tokenizer.pad_token_id, cfg.packing).to(device)
            weight = 1.0 if s is not None else 0.0
            out.append((batch, weight, n_items, sum(len(examples[i].input_ids) for row in mb for i in row)))
        return out

    return of_step


def loss_fn(model, precision: Precision):
    """The step function: completion-only token loss, normalised by the step's labelled tokens over
    all ranks, so the gradient is that of the global token mean whatever the split."""

    def loss(mb: tuple[batching.Batch, float, int, int]) -> tuple[torch.Tensor, dict[str, float]]:
        batch, weight, n_items, tokens = mb
        with autocast(precision):
            logits = model(**batch.model_inputs()).logits
        value, _ = sft_loss(logits, batch.labels, num_items_in_batch=n_items)
        return value * weight, {"loss": value.item() * weight, "tokens": float(tokens) * weight}

    return loss


def run(spec: dict[str, Any]) -> dict[str, Any]:
    cfg = SftConfig.from_spec(spec)
    rt = start_runtime(spec)
    env, device = rt.env, rt.precision.device
    tokenizer = load_tokenizer(cfg.model, cache_dir())
    examples, levels, dropped = load_examples(cfg, tokenizer)
    if not examples:
        raise ValueError(
            f"no usable sft_examples in {list(cfg.examples)} (all {dropped} prompts exceed the row length)"
        )
    plan = build_plan(cfg, examples, levels)
    steps = batching.plan_steps(len(plan), cfg.grad_accumulation * env.world_size, cfg.max_steps)
    model, resume = start_model(cfg.output, cfg.model, load_policy(device), env)
    settings = LoopSettings.of(cfg, steps=len(steps), schedule_steps=len(steps), schedule_start=0)
    batches_of = micro_batches(cfg, plan, steps, examples, tokenizer, env, device)
    step_fn = loss_fn(model, rt.precision)
    with TrainLoop(model, settings, env, causal_lm_saver(model, tokenizer)) as loop:
        loop.resume(resume)
        log.info(
            "sft plan",
            extra={
                "examples": len(examples),
                "dropped": dropped,
                "micro_batches": len(plan),
                "steps": len(steps),
                "resume_step": loop.step,
                "world_size": env.world_size,
            },
        )
        for step in range(loop.step, len(steps)):
            loop.train_step(batches_of(step), step_fn, steps=len(steps))
        model_uri = loop.save_final()
    distributed.shutdown(env)
    stats = loop.stats
    return {
        "rowsIn": len(examples) + dropped,
        "outputs": {"model": model_uri},
        "metrics": {
            "loss_first": stats.first["loss"],
            "loss_last": stats.mean_of_last("loss", 5),
            "steps": len(steps),
            "tokens": int(stats.tokens),
            "tokens_per_s": stats.tokens_per_s,
            "examples": len(examples),
            "dropped": dropped,
            "world_size": env.world_size,
        },
        "warnings": [f"{dropped} examples dropped: prompt longer than the row length"] if dropped else [],
    }
