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
from r1worker.io import store
from r1worker.io.commit import MetricsLog
from r1worker.io.tables import read_shards
from r1worker.model import load_causal_lm, load_tokenizer
from r1worker.stages import cache_dir, start_runtime
from r1worker.train import batching, checkpoint, distributed, metrics, schedule
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
            output=spec["output"],
            max_seq_len=spec["maxSeqLen"],
            seed=spec["seed"],
            **schedule.optim_fields(s),
            epochs=s["epochs"],
            packing=s["packing"],
            curriculum=s["curriculumOrder"],
            max_steps=s["maxSteps"],
            checkpoint_every=spec["compute"]["checkpointEvery"],
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


def train_step(
    model, batches: list[tuple[batching.Batch, float]], n_items: int, world_size: int, precision: Precision
) -> float:
    """Forward/backward over this rank's micro-batches of one optimizer step (no optimizer step).

    Each micro-batch's summed token loss is divided by `n_items`, the labelled tokens of the whole
    step over all ranks, and multiplied by `world_size` (FSDP averages gradients over ranks): the
    gradient is that of the global token-mean loss, whatever the split. A weight of 0 marks a
    padding pass that only keeps collectives in step. Returns this rank's share of the loss.
    """
    total = 0.0
    for k, (batch, weight) in enumerate(batches):
        if hasattr(model, "set_requires_gradient_sync"):  # FSDP2: reduce gradients on the last pass only
            model.set_requires_gradient_sync(k == len(batches) - 1)
        with autocast(precision):
            logits = model(**batch.model_inputs()).logits
        loss, _ = sft_loss(logits, batch.labels, num_items_in_batch=n_items)
        (loss * weight * world_size).backward()
        total += loss.item() * weight
    return total


def hf_saver(model, tokenizer):
    """`save(full_state_dict, local_dir)`: HF layout + tokenizer. Tied copies (lm_head = embeddings)
    are dropped: gathered from FSDP shards they no longer share storage, and HF ties them on load."""
    tied = getattr(model, "all_tied_weights_keys", None) or {}

    def save(state: dict[str, torch.Tensor], local_dir: str) -> None:
        model.save_pretrained(
            local_dir, state_dict={k: v for k, v in state.items() if k not in tied}, safe_serialization=True
        )
        tokenizer.save_pretrained(local_dir)

    return save


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
    per_step = cfg.grad_accumulation * env.world_size
    steps = batching.plan_steps(len(plan), per_step, cfg.max_steps)
    warmup = schedule.warmup_steps_for(len(steps), cfg.warmup_ratio)

    resume = checkpoint.latest_checkpoint(cfg.output)
    model = load_causal_lm(store.join(resume, "model") if resume else cfg.model, cache_dir(), device=device)
    model.config.use_cache = False
    model = distributed.wrap_model(model, env)
    model.train()
    optimizer = schedule.build_optimizer(model, cfg.lr, cfg.weight_decay)
    state = checkpoint.load_checkpoint(resume, model, optimizer, env) if resume else {}
    start = state.get("step", 0)
    totals = state.get("totals", {"tokens": 0, "seconds": 0.0, "loss_first": None, "losses": []})
    log.info(
        "sft plan",
        extra={
            "examples": len(examples),
            "dropped": dropped,
            "micro_batches": len(plan),
            "steps": len(steps),
            "resume_step": start,
            "world_size": env.world_size,
        },
    )

    save_model = hf_saver(model, tokenizer)
    meter = metrics.Throughput()
    n_params = metrics.count_parameters(model)
    with MetricsLog(cfg.output) as mlog, checkpoint.StopSignal() as stop:
        for step in range(start, len(steps)):
            lr = schedule.lr_at(step, cfg.lr, warmup, len(steps), cfg.min_lr_ratio)
            schedule.set_lr(optimizer, lr)

            slots = batching.rank_slots(steps[step], env.rank, env.world_size, cfg.grad_accumulation)
            pad = slots[0] if slots[0] is not None else steps[step][0]
            mbs = [(plan[s] if s is not None else plan[pad], 1.0 if s is not None else 0.0) for s in slots]
            batches = [
                (batching.collate(mb, examples, tokenizer.pad_token_id, cfg.packing).to(device), w)
                for mb, w in mbs
            ]
            n_items = sum(examples[i].n_labels for s in steps[step] for row in plan[s] for i in row)
            loss = train_step(model, batches, n_items, env.world_size, rt.precision)
            grad_norm = distributed.clip_grad_norm(model, cfg.grad_clip)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

            tokens = sum(
                len(examples[i].input_ids)
                for s, (_, w) in zip(slots, batches, strict=True)
                if w
                for row in plan[s]
                for i in row
            )
            loss, tokens = distributed.all_reduce([loss, float(tokens)], env)
            meter.add(int(tokens))
            tok_s = meter.tick()
            totals["tokens"] += int(tokens)
            totals["loss_first"] = loss if totals["loss_first"] is None else totals["loss_first"]
            totals["losses"] = (totals["losses"] + [loss])[-10:]
            if env.is_main:
                mlog.log(
                    step=step + 1,
                    steps=len(steps),
                    loss=loss,
                    lr=lr,
                    grad_norm=grad_norm,
                    tokens=int(tokens),
                    tokens_per_s=tok_s,
                    mfu=metrics.mfu(tok_s, n_params, metrics.peak_flops(device), env.world_size),
                )

            stopping = distributed.any_rank(stop.requested, env)
            done = step + 1 == len(steps)
            if stopping or (not done and (step + 1) % cfg.checkpoint_every == 0):
                totals["seconds"] += meter.total_seconds
                meter = metrics.Throughput()
                checkpoint.save_checkpoint(
                    cfg.output, step + 1, model, optimizer, env, {"totals": totals}, save_model
                )
            if stopping and not done:
                raise checkpoint.Preempted(step + 1)

    model_uri = checkpoint.save_final_model(model, save_model, env, cfg.output)
    seconds = totals["seconds"] + meter.total_seconds
    last = totals["losses"][-5:]
    distributed.shutdown(env)
    return {
        "rowsIn": len(examples) + dropped,
        "outputs": {"model": model_uri},
        "metrics": {
            "loss_first": totals["loss_first"],
            "loss_last": sum(last) / len(last),
            "steps": len(steps),
            "tokens": totals["tokens"],
            "tokens_per_s": totals["tokens"] / seconds if seconds else 0.0,
            "examples": len(examples),
            "dropped": dropped,
            "world_size": env.world_size,
        },
        "warnings": [f"{dropped} examples dropped: prompt longer than the row length"] if dropped else [],
    }
