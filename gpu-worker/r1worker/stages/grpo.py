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
import statistics
import time
from dataclasses import dataclass
from typing import Any

from r1worker.model import load_causal_lm, load_tokenizer
from r1worker.model.save import causal_lm_saver
from r1worker.rollout import resolve_backend
from r1worker.stages import cache_dir, load_policy, start_runtime
from r1worker.train import checkpoint, distributed
from r1worker.train.grpo_step import (
    GrpoStep,
    Objective,
    frozen_logprobs,
    load_rollouts,
    plan_batches,
    tis_cap_for,
)
from r1worker.train.loop import LoopSettings, TrainLoop, start_model, train_fields

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
    clip_eps_high: float | None  # DAPO's upper ε; None (absent from the spec): symmetric, 1 + ε
    kl_coef: float  # β of the k3 KL term; 0 skips the reference model entirely
    entropy_coef: float  # entropy bonus weight (0 in R1)
    inner_epochs: int  # μ: optimizer steps on the same rollouts (1 in R1 and DeepSeekMath)
    advantage: str  # outcome: one advantage per completion; process: `token_advantages`
    loss_agg: str  # seq-mean-token-mean | token-mean | seq-mean-token-sum-norm
    checkpoint_every: int  # optimizer steps between checkpoints
    temperature: float  # the rollout's sampling temperature (spec.temperature)
    tis_cap: float | None  # truncated IS cap (truncatedIs, tisCap and the rollout backend); None: off

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> GrpoConfig:
        s = spec["settings"]
        return cls(
            policy=spec["policy"],
            reference=spec["reference"],
            scored=tuple(spec["scored"]),
            iteration=spec["iteration"],
            iterations=s["iterations"],
            **train_fields(spec),
            clip_eps=s["clipEps"],
            clip_eps_high=s.get("clipEpsHigh"),  # optional in the schema, without a default
            kl_coef=s["klCoef"],
            entropy_coef=s["entropyCoef"],
            inner_epochs=s["innerEpochs"],
            advantage=s["advantage"],
            loss_agg=s["lossAgg"],
            temperature=spec["temperature"],
            tis_cap=tis_cap_for(s["truncatedIs"], s["tisCap"], resolve_backend(spec["backend"])),
        )

    @property
    def objective(self) -> Objective:
        return Objective(
            self.kl_coef,
            self.entropy_coef,
            self.clip_eps,
            self.clip_eps_high,
            self.loss_agg,
            self.max_seq_len,
            self.temperature,
            self.tis_cap,
        )


def frozen(ref: str, plan, env, precision, temperature: float, timed: list[float]):
    """Log-probs of every micro-batch under the checkpoint `ref` (loaded, used, freed); appends the
    forward passes' seconds (not the load) to `timed`."""
    model = distributed.wrap_model(load_causal_lm(ref, cache_dir(), device=precision.device), env)
    t0 = time.perf_counter()
    out = frozen_logprobs(model, plan.micro, precision, temperature)
    timed.append(time.perf_counter() - t0)
    del model
    return out


def run(spec: dict[str, Any]) -> dict[str, Any]:
    cfg = GrpoConfig.from_spec(spec)
    rt = start_runtime(spec)
    env, precision = rt.env, rt.precision
    data = load_rollouts(cfg.scored, cfg.advantage)
    if not data.completions:
        raise ValueError(f"no scored rollouts with a completion in {list(cfg.scored)}")
    tokenizer = load_tokenizer(cfg.policy, cache_dir())
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    plan = plan_batches(data, cfg.max_seq_len, cfg.token_budget, cfg.loss_agg, pad_id, env, precision.device)

    # update_seconds: the log-prob forwards and the optimizer steps, without loads (bench:pipeline).
    timed: list[float] = []
    ref_lps = frozen(cfg.reference, plan, env, precision, cfg.temperature, timed) if cfg.kl_coef > 0 else None
    # A resumed job recomputes π_old from the policy this iteration started from.
    resumed = checkpoint.latest_checkpoint(cfg.output) is not None
    old_lps = frozen(cfg.policy, plan, env, precision, cfg.temperature, timed) if resumed else None
    model, resume = start_model(cfg.output, cfg.policy, load_policy(precision.device), env)
    settings = LoopSettings.of(
        cfg,
        steps=cfg.inner_epochs,
        schedule_steps=cfg.iterations * cfg.inner_epochs,  # one schedule over the whole RL run
        schedule_start=cfg.iteration * cfg.inner_epochs,
    )
    with TrainLoop(model, settings, env, causal_lm_saver(model, tokenizer)) as loop:
        loop.resume(resume)
        loop.state["iteration"] = cfg.iteration
        log.info(
            "grpo plan",
            extra={
                "rows": len(data.completions),
                "micro_batches": len(plan.micro),
                "resume_step": loop.step,
                "epochs": cfg.inner_epochs,
                "world_size": env.world_size,
            },
        )
        step = GrpoStep(model, cfg.objective, plan, precision, ref_lps, old_lps)
        t0 = time.perf_counter()
        for _ in range(loop.step, cfg.inner_epochs):
            loop.train_step(plan.micro, step, iteration=cfg.iteration)
        timed.append(time.perf_counter() - t0)
        model_uri = loop.save_final()
    distributed.shutdown(env)
    return summary(cfg, data, plan, loop, model_uri, env.world_size, sum(timed))


def summary(
    cfg: GrpoConfig, data, plan, loop: TrainLoop, model_uri: str, world_size: int, update_seconds: float
) -> dict[str, Any]:
    first, last = loop.stats.first, loop.stats.last
    gaps = ("sampler_logprob_gap", "sampler_logprob_gap_abs")
    metrics = {k: v for k, v in last.items() if k not in ("lr", "mfu", *gaps)}
    metrics |= {
        "kl_first": first.get("kl", 0.0),
        "loss_first": first.get("loss", 0.0),
        "steps": loop.stats.steps_here,
        "reward_mean": statistics.fmean(data.rewards),
        "reward_std": statistics.pstdev(data.rewards) if len(data.rewards) > 1 else 0.0,
        "accuracy": sum(data.correct) / len(data.correct),
        "rows": len(data.completions),
        "tokens": plan.total_tokens,
        **{g: first.get(g, 0.0) for g in gaps},
        "world_size": world_size,
        "update_seconds": update_seconds,
    }
    warnings = []
    if plan.cut:
        warnings.append(f"{plan.cut} rollouts cut to maxSeqLen ({cfg.max_seq_len}) tokens")
    if data.fallback_rows:
        warnings.append(
            f"{data.fallback_rows} rows had no token_advantages; trained on their outcome advantage"
        )
    return {
        "rowsIn": len(data.rewards),
        "outputs": {"model": model_uri},
        "metrics": metrics,
        "warnings": warnings,
    }
