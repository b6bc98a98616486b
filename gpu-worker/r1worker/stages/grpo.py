"""grpo stage: one GRPO policy update from this iteration's `scored_rollouts` (DeepSeekMath §4.1,
DeepSeek-R1 §2.2.1).

Loads the current policy and the frozen KL reference, recomputes the sampled tokens' log-probs,
then runs μ = innerEpochs epochs over token-budget micro-batches; gradients of all micro-batches of
an epoch are accumulated into ONE optimizer step (so the aggregated loss is that of the whole
batch, whatever the split): clipped surrogate (clipEps, clipEpsHigh), k3 KL × klCoef, entropy
bonus × entropyCoef, aggregated by lossAgg; grad clip; AdamW on the warm-up/cosine schedule
counted over iterations × μ steps. Writes `<output>/model/` (HF layout + tokenizer); the CLI then
writes metrics.json and `_SUCCESS`. FSDP under torchrun; checkpoints at SIGTERM and every
`compute.checkpointEvery` steps, and resumes from them.
"""

from __future__ import annotations

import logging
import math
import statistics
import time
from dataclasses import dataclass
from typing import Any

import torch

from r1worker.algos import entropy_from_logits, grpo_objective, token_logprobs
from r1worker.io import store
from r1worker.io.commit import MetricsLog
from r1worker.io.tables import read_shards
from r1worker.model import load_causal_lm, load_tokenizer
from r1worker.rollout.sequences import SequenceBatch, pack_sequences, token_budget_batches
from r1worker.stages import cache_dir, start_runtime
from r1worker.stages.sft import hf_saver
from r1worker.train import checkpoint, distributed, schedule
from r1worker.train.precision import Precision, autocast

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GrpoConfig:
    """The grpo spec, flattened (defaults: schemas/settings/worker-stages.ts GrpoSettings)."""

    policy: str  # current policy checkpoint (HF layout, s3:// prefix, hub id) or builtin:tiny
    reference: str  # frozen KL reference (R1: the SFT / base model)
    scored: tuple[str, ...]  # `scored_rollouts` shard URIs of this iteration
    output: str  # stage prefix: model/, checkpoints/, metrics.jsonl
    max_seq_len: int  # prompt + completion tokens trained (longer completions are cut); also
    #                   Dr. GRPO's constant normaliser: a fixed budget, the same every iteration
    seed: int
    iteration: int  # RL iteration (0-based): the position on the learning-rate schedule
    iterations: int  # RL iterations planned: the schedule's length, × μ steps each
    lr: float  # peak learning rate; R1 3e-6, DeepSeekMath 1e-6
    warmup_ratio: float  # share of all RL steps with linear warm-up (default 0)
    min_lr_ratio: float  # cosine decays to min_lr_ratio × lr
    weight_decay: float  # AdamW decay on matrices
    grad_clip: float  # global gradient-norm clip
    token_budget: int  # padded tokens per micro-batch (rows × longest row)
    clip_eps: float  # ε of the clipped ratio (PPO / GRPO: 0.2)
    clip_eps_high: float  # DAPO's upper ε (defaults to ε)
    kl_coef: float  # β of the k3 KL term; 0 skips the reference model entirely
    entropy_coef: float  # entropy bonus weight (0 in R1)
    inner_epochs: int  # μ: optimizer steps on the same rollouts (1 in R1 and DeepSeekMath)
    advantage: str  # outcome: one advantage per completion; process: `token_advantages`
    loss_agg: str  # seq-mean-token-mean | token-mean | seq-mean-token-sum-norm
    grad_accumulation: int  # not used: micro-batch count follows from token_budget (one step per epoch)
    checkpoint_every: int  # optimizer steps between checkpoints

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> GrpoConfig:
        s = spec["settings"]
        return cls(
            policy=spec["policy"],
            reference=spec["reference"],
            scored=tuple(spec["scored"]),
            output=spec["output"],
            max_seq_len=spec["maxSeqLen"],
            seed=spec["seed"],
            iteration=spec["iteration"],
            iterations=s["iterations"],
            **schedule.optim_fields(s),
            clip_eps=s["clipEps"],
            clip_eps_high=s.get("clipEpsHigh") or s["clipEps"],  # optional in the schema: DAPO's upper ε
            kl_coef=s["klCoef"],
            entropy_coef=s["entropyCoef"],
            inner_epochs=s["innerEpochs"],
            advantage=s["advantage"],
            loss_agg=s["lossAgg"],
            checkpoint_every=spec["compute"]["checkpointEvery"],
        )


@dataclass(frozen=True)
class Rollouts:
    """The trainable rows of this iteration, as lists (one entry per row with a completion)."""

    prompts: list[list[int]]
    completions: list[list[int]]
    advantages: list[list[float]]  # per completion token (an outcome advantage repeated)
    sampler_logprobs: list[list[float]]  # the rollout's own log-probs (diagnostics only)
    rewards: list[float]  # reward_total of every row, trainable or not
    correct: list[bool]
    fallback_rows: int  # process mode: rows without token_advantages, trained on their outcome advantage


def load_rollouts(cfg: GrpoConfig) -> Rollouts:
    cols = [
        "prompt_token_ids",
        "completion_token_ids",
        "logprobs",
        "advantage",
        "token_advantages",
        "reward_total",
        "correct",
    ]
    rows = read_shards(list(cfg.scored), "scored_rollouts").select(cols).to_pylist()
    keep = [r for r in rows if r["completion_token_ids"]]
    advantages, fallback = [], 0
    for r in keep:
        n = len(r["completion_token_ids"])
        if cfg.advantage == "process" and r["token_advantages"] is not None:
            advantages.append(list(r["token_advantages"]))
        else:
            fallback += cfg.advantage == "process"
            advantages.append([r["advantage"]] * n)
    return Rollouts(
        [r["prompt_token_ids"] for r in keep],
        [r["completion_token_ids"] for r in keep],
        advantages,
        [r["logprobs"] for r in keep],
        [r["reward_total"] for r in rows],
        [r["correct"] for r in rows],
        fallback,
    )


def forward(model, batch: SequenceBatch, precision: Precision, entropy_grad: bool):
    """Log-probs [B, T-1] of the targets and the entropies [B, T-1] (with a gradient only when asked)."""
    with autocast(precision):
        logits = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask, use_cache=False).logits
    logits = logits[:, :-1]
    logprobs = token_logprobs(logits, batch.targets)
    entropy = entropy_from_logits(logits if entropy_grad else logits.detach())
    return logprobs, entropy


@torch.no_grad()
def frozen_logprobs(ref: str, batches: list[SequenceBatch], env, precision: Precision) -> list[torch.Tensor]:
    """Log-probs of every micro-batch under the checkpoint `ref` (loaded, used, freed)."""
    model = distributed.wrap_model(load_causal_lm(ref, cache_dir(), device=precision.device), env)
    model.eval()
    out = [forward(model, b, precision, entropy_grad=False)[0].detach() for b in batches]
    del model
    return out


def run(spec: dict[str, Any]) -> dict[str, Any]:
    cfg = GrpoConfig.from_spec(spec)
    rt = start_runtime(spec)
    env, device = rt.env, rt.precision.device
    data = load_rollouts(cfg)
    if not data.completions:
        raise ValueError(f"no scored rollouts with a completion in {list(cfg.scored)}")
    tokenizer = load_tokenizer(cfg.policy, cache_dir())
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id

    # Micro-batches: planned over all rows, dealt to the ranks; a rank short of one runs a
    # zero-weight pass on its first so every rank makes the same FSDP collectives.
    pairs = list(zip(data.prompts, data.completions, strict=True))
    lengths = [min(len(p) + len(c), cfg.max_seq_len) for p, c in pairs]
    plan = token_budget_batches(lengths, cfg.token_budget)
    passes = math.ceil(len(plan) / env.world_size)
    mine = plan[env.rank :: env.world_size]
    slots = [(rows, 1.0) for rows in mine] + [(mine[0] if mine else plan[0], 0.0)] * (passes - len(mine))
    batches = []
    for rows, _ in slots:
        b = pack_sequences(
            [data.prompts[i] for i in rows], [data.completions[i] for i in rows], pad_id, cfg.max_seq_len
        )
        batches.append((b.to(device), b.scatter([data.advantages[i] for i in rows]).to(device), rows))
    cut = sum(len(p) + len(c) > cfg.max_seq_len for p, c in pairs)
    # The loss is an average over tokens (token-mean) or sequences (the other modes): each
    # micro-batch's own average is weighted by its share of the whole batch over all ranks.
    per_token = cfg.loss_agg == "token-mean"
    units = [float(b.completion_mask.sum()) if per_token else float(len(rows)) for b, _, rows in batches]
    units = [u * w for u, (_, w) in zip(units, slots, strict=True)]
    tokens_here = sum(
        float(b.completion_mask.sum()) * w for (b, _, _), (_, w) in zip(batches, slots, strict=True)
    )
    total_units, total_tokens = distributed.all_reduce([sum(units), tokens_here], env)
    seqs = [b for b, _, _ in batches]

    resume = checkpoint.latest_checkpoint(cfg.output)
    ref_lps = frozen_logprobs(cfg.reference, seqs, env, rt.precision) if cfg.kl_coef > 0 else None
    # π_old: the policy's own log-probs before this update, detached. Epoch 0 takes them from its
    # own forward pass (every micro-batch of an epoch sees the same weights: one optimizer step per
    # epoch), so the ratio starts at exactly 1; epochs ≥ 1 (μ > 1) reuse them, as verl does with
    # its recomputed `old_log_prob`. A resumed job recomputes them from the original policy. The
    # rollout's sampling log-probs are NOT used as π_old: sampler kernels (vLLM, bf16), its
    # temperature/top-p warping and any staleness make them drift from the trainer's; their mean
    # gap is reported as `sampler_logprob_gap`.
    old_lps = frozen_logprobs(cfg.policy, seqs, env, rt.precision) if resume else [None] * len(seqs)
    model = load_causal_lm(store.join(resume, "model") if resume else cfg.policy, cache_dir(), device=device)
    model.config.use_cache = False
    model = distributed.wrap_model(model, env)
    model.train()
    optimizer = schedule.build_optimizer(model, cfg.lr, cfg.weight_decay)
    start = checkpoint.load_checkpoint(resume, model, optimizer, env)["step"] if resume else 0
    total_steps = cfg.iterations * cfg.inner_epochs
    warmup = schedule.warmup_steps_for(total_steps, cfg.warmup_ratio)
    log.info(
        "grpo plan",
        extra={
            "rows": len(data.completions),
            "micro_batches": len(plan),
            "resume_step": start,
            "epochs": cfg.inner_epochs,
            "world_size": env.world_size,
        },
    )

    save_model = hf_saver(model, tokenizer)  # checkpoints: HF layout without tied copies
    history: list[dict[str, float]] = []
    gap_sum = 0.0
    with MetricsLog(cfg.output) as mlog, checkpoint.StopSignal() as stop:
        for epoch in range(start, cfg.inner_epochs):
            t0 = time.perf_counter()
            step = cfg.iteration * cfg.inner_epochs + epoch  # on the schedule of the whole RL run
            lr = schedule.lr_at(step, cfg.lr, warmup, total_steps, cfg.min_lr_ratio)
            schedule.set_lr(optimizer, lr)
            sums: dict[str, float] = {}
            for k, ((batch, adv, rows), (_, weight)) in enumerate(zip(batches, slots, strict=True)):
                if hasattr(model, "set_requires_gradient_sync"):  # FSDP2: reduce on the last pass only
                    model.set_requires_gradient_sync(k == len(batches) - 1)
                logprobs, entropy = forward(model, batch, rt.precision, entropy_grad=cfg.entropy_coef > 0)
                if old_lps[k] is None:
                    old_lps[k] = logprobs.detach()
                    if weight:
                        sampler = batch.scatter([data.sampler_logprobs[i] for i in rows])
                        gap_sum += float(((sampler - old_lps[k]) * batch.completion_mask).sum())
                loss, m = grpo_objective(
                    logprobs,
                    old_lps[k],
                    adv,
                    batch.completion_mask,
                    entropy=entropy,
                    ref_logprobs=ref_lps[k] if ref_lps else None,
                    beta=cfg.kl_coef,
                    entropy_coef=cfg.entropy_coef,
                    clip_eps_low=cfg.clip_eps,
                    clip_eps_high=cfg.clip_eps_high,
                    loss_agg_mode=cfg.loss_agg,
                    max_len=cfg.max_seq_len,
                )
                share = units[k] / max(total_units, 1e-9)
                (loss * share * env.world_size).backward()
                tokens = float(batch.completion_mask.sum()) * weight
                for name, value in {"loss": loss.item() * share, "pg_loss": m["pg_loss"] * share}.items():
                    sums[name] = sums.get(name, 0.0) + value
                for name in ("kl", "entropy", "clip_fraction", "ratio_mean", "approx_kl"):
                    if name in m:
                        sums[name] = sums.get(name, 0.0) + m[name] * tokens / max(total_tokens, 1e-9)
            grad_norm = distributed.clip_grad_norm(model, cfg.grad_clip)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

            names = sorted(sums)
            reduced = dict(zip(names, distributed.all_reduce([sums[n] for n in names], env), strict=True))
            seconds = time.perf_counter() - t0
            step_metrics = {
                **reduced,
                "grad_norm": grad_norm,
                "lr": lr,
                "tokens_per_s": total_tokens / seconds,
            }
            history.append(step_metrics)
            if env.is_main:
                mlog.log(step=epoch + 1, iteration=cfg.iteration, **step_metrics)
            stopping = distributed.any_rank(stop.requested, env)
            done = epoch + 1 == cfg.inner_epochs
            if stopping or (not done and (epoch + 1) % cfg.checkpoint_every == 0):
                state = {"iteration": cfg.iteration}
                checkpoint.save_checkpoint(cfg.output, epoch + 1, model, optimizer, env, state, save_model)
            if stopping and not done:
                raise checkpoint.Preempted(epoch + 1)

    # Tied copies such as lm_head are dropped by hf_saver, or FSDP would save them twice.
    model_uri = checkpoint.save_final_model(model, hf_saver(model, tokenizer), env, cfg.output)
    gap = distributed.all_reduce([gap_sum], env)[0] / max(total_tokens, 1e-9)
    distributed.shutdown(env)
    first = history[0] if history else {}
    last = history[-1] if history else {}
    metrics = {k: v for k, v in last.items() if k != "lr"}
    metrics |= {
        "kl_first": first.get("kl", 0.0),
        "loss_first": first.get("loss", 0.0),
        "steps": len(history),
        "reward_mean": statistics.fmean(data.rewards),
        "reward_std": statistics.pstdev(data.rewards) if len(data.rewards) > 1 else 0.0,
        "accuracy": sum(data.correct) / len(data.correct),
        "rows": len(data.completions),
        "tokens": total_tokens,
        "sampler_logprob_gap": gap,
        "world_size": env.world_size,
    }
    warnings = []
    if cut:
        warnings.append(f"{cut} rollouts cut to maxSeqLen ({cfg.max_seq_len}) tokens")
    if data.fallback_rows:
        warnings.append(
            f"{data.fallback_rows} rows had no token_advantages; trained on their outcome advantage"
        )
    if cfg.grad_accumulation != 1:
        warnings.append(
            "gradAccumulation is not used by grpo: one optimizer step per epoch over all micro-batches"
        )
    return {
        "rowsIn": len(data.rewards),
        "outputs": {"model": model_uri},
        "metrics": metrics,
        "warnings": warnings,
    }
