"""The GRPO update's pieces that the training loop drives: an iteration's scored rollouts as
token-budget micro-batches dealt to the ranks, the policy's forward pass, and the step function
(clipped surrogate + k3 KL + entropy bonus of one micro-batch, DeepSeekMath eq. 3).

All micro-batches of an epoch make ONE optimizer step (DeepSeekMath: one update per exploration
stage): each micro-batch's loss is weighted by its share of the whole batch over all ranks, so the
update is that of the whole batch, whatever the split. A resident loop (several iterations in one
process) builds `GrpoStep` once per iteration and calls `TrainLoop.train_step` μ times with it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from r1worker.algos import entropy_from_logits, grpo_objective, logprob_gap, tempered, token_logprobs
from r1worker.algos.importance import truncated_is_weights
from r1worker.io.tables import read_shards
from r1worker.rollout.sequences import SequenceBatch, pack_sequences, token_budget_batches
from r1worker.train import distributed
from r1worker.train.distributed import DistEnv
from r1worker.train.precision import Precision, autocast

SCORED_COLUMNS = [
    "prompt_token_ids",
    "completion_token_ids",
    "logprobs",
    "advantage",
    "token_advantages",
    "reward_total",
    "correct",
]


@dataclass(frozen=True)
class Rollouts:
    """The trainable rows of an iteration, as lists (one entry per row with a completion)."""

    prompts: list[list[int]]
    completions: list[list[int]]
    advantages: list[list[float]]  # per completion token (an outcome advantage repeated)
    sampler_logprobs: list[list[float]]  # the rollout's own log-probs (diagnostics only)
    rewards: list[float]  # reward_total of every row, trainable or not
    correct: list[bool]
    fallback_rows: int  # process mode: rows without token_advantages, trained on their outcome advantage


def load_rollouts(scored: Sequence[str], advantage: str) -> Rollouts:
    """`scored_rollouts` shards → Rollouts; `advantage` is "outcome" or "process" (token_advantages)."""
    rows = read_shards(list(scored), "scored_rollouts").select(SCORED_COLUMNS).to_pylist()
    return rollouts_of(rows, advantage)


def rollouts_of(rows: Sequence[dict], advantage: str) -> Rollouts:
    """`scored_rollouts` rows (dicts with SCORED_COLUMNS) → Rollouts."""
    keep = [r for r in rows if r["completion_token_ids"]]
    advantages, fallback = [], 0
    for r in keep:
        n = len(r["completion_token_ids"])
        if advantage == "process" and r["token_advantages"] is not None:
            advantages.append(list(r["token_advantages"]))
        else:
            fallback += advantage == "process"
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


@dataclass(frozen=True)
class Micro:
    """One micro-batch of this rank."""

    index: int  # position among this rank's micro-batches (keys the cached log-probs)
    batch: SequenceBatch  # prompt + completion rows, completion mask
    advantages: torch.Tensor  # [B, T-1] per target token
    sampler_logprobs: torch.Tensor  # [B, T-1] the rollout's log-probs (0 off the completion)
    weight: float  # 0 for a padding pass that only keeps FSDP's collectives in step
    share: float  # this micro-batch's part of the batch's loss (tokens or rows over all ranks)
    tokens: float  # completion tokens × weight


@dataclass(frozen=True)
class Plan:
    micro: list[Micro]  # this rank's micro-batches
    total_tokens: float  # completion tokens over all ranks
    cut: int  # rows longer than max_seq_len (cut)


def plan_batches(
    data: Rollouts,
    max_seq_len: int,
    token_budget: int,
    loss_agg: str,
    pad_id: int,
    env: DistEnv,
    device: torch.device,
) -> Plan:
    """Micro-batches planned over all rows and dealt to the ranks round-robin; a rank short of one
    runs a zero-weight pass on its first. token-mean averages over tokens, the other modes over
    sequences: each micro-batch's own average is weighted by its share of the whole batch."""
    pairs = list(zip(data.prompts, data.completions, strict=True))
    lengths = [min(len(p) + len(c), max_seq_len) for p, c in pairs]
    plan = token_budget_batches(lengths, token_budget)
    passes = math.ceil(len(plan) / env.world_size)
    mine = plan[env.rank :: env.world_size]
    slots = [(rows, 1.0) for rows in mine] + [(mine[0] if mine else plan[0], 0.0)] * (passes - len(mine))
    built = []
    for rows, weight in slots:
        b = pack_sequences(
            [data.prompts[i] for i in rows], [data.completions[i] for i in rows], pad_id, max_seq_len
        )
        adv = b.scatter([data.advantages[i] for i in rows])
        sampler = b.scatter([data.sampler_logprobs[i] for i in rows])
        tokens = float(b.completion_mask.sum()) * weight
        units = tokens if loss_agg == "token-mean" else float(len(rows)) * weight
        built.append((b.to(device), adv.to(device), sampler.to(device), weight, units, tokens))
    total_units, total_tokens = distributed.all_reduce(
        [sum(u for *_, u, _ in built), sum(t for *_, t in built)], env
    )
    micro = [
        Micro(k, b, adv, sampler, w, u / max(total_units, 1e-9), t)
        for k, (b, adv, sampler, w, u, t) in enumerate(built)
    ]
    return Plan(micro, total_tokens, sum(len(p) + len(c) > max_seq_len for p, c in pairs))


def forward(model, batch: SequenceBatch, precision: Precision, entropy_grad: bool, temperature: float = 1.0):
    """Log-probs [B, T-1] of the targets and the entropies [B, T-1] (with a gradient only when asked),
    of softmax(logits / temperature): the distribution the rollout sampled from (T = 0, greedy: raw)."""
    with autocast(precision):
        logits = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask, use_cache=False).logits
    logits = tempered(logits[:, :-1], temperature)
    logprobs = token_logprobs(logits, batch.targets)
    entropy = entropy_from_logits(logits if entropy_grad else logits.detach())
    return logprobs, entropy


@torch.no_grad()
def frozen_logprobs(
    model, micro: Sequence[Micro], precision: Precision, temperature: float = 1.0
) -> list[torch.Tensor]:
    """Log-probs of every micro-batch under `model` (the KL reference, or π_old on a resume), of
    logits / temperature as the update's own."""
    was_training = model.training
    model.eval()
    out = [forward(model, m.batch, precision, False, temperature)[0].detach() for m in micro]
    model.train(was_training)
    return out


@dataclass(frozen=True)
class Objective:
    """The scalars of the update loss (GrpoSettings: klCoef, entropyCoef, clipEps, clipEpsHigh, lossAgg)."""

    kl_coef: float
    entropy_coef: float
    clip_eps: float
    clip_eps_high: float | None  # None: symmetric, 1 + clip_eps
    loss_agg: str
    max_seq_len: int  # Dr. GRPO's constant normaliser
    temperature: float  # the rollout's sampling temperature: log-probs, KL, entropy of logits / T
    tis_cap: float | None  # truncated importance sampling cap C; None: off


def tis_cap_for(mode: str, cap: float, backend: str) -> float | None:
    """The truncated-IS cap to use (None: off) for GrpoSettings.truncatedIs `mode` ("auto" | "on" |
    "off") with the resolved rollout backend ("hf" | "vllm"): auto is on with vLLM only, whose
    kernels and precision differ from the trainer's (HF samples from the training module itself)."""
    if mode not in ("auto", "on", "off"):
        raise ValueError(f"unknown truncatedIs {mode!r}; valid: auto, on, off")
    on = mode == "on" or (mode == "auto" and backend == "vllm")
    return cap if on else None


class GrpoStep:
    """The step function of one iteration's update: `step(micro) -> (loss part, metric parts)`.

    π_old: the policy's own log-probs before this update, detached. The first epoch takes them from
    its own forward pass (every micro-batch of an epoch sees the same weights), so the ratio starts
    at exactly 1; later epochs (μ > 1) reuse them, as verl does with its recomputed `old_log_prob`.
    Pass `old_logprobs` to start from known ones (a resumed job recomputes them from the original
    policy). The rollout's sampling log-probs are NOT π_old: sampler kernels, top-p warping and
    staleness make them drift; the signed and absolute mean gaps are reported
    (`sampler_logprob_gap`, `sampler_logprob_gap_abs`), and with `tis_cap` each token's advantage
    is weighted by min(π_old / π_sampler, C) (truncated importance sampling).
    """

    def __init__(
        self,
        model,
        objective: Objective,
        plan: Plan,
        precision: Precision,
        ref_logprobs: list[torch.Tensor] | None,
        old_logprobs: list[torch.Tensor] | None = None,
    ) -> None:
        self.model, self.objective, self.plan, self.precision = model, objective, plan, precision
        self.ref = ref_logprobs
        self.old: list[torch.Tensor | None] = list(old_logprobs) if old_logprobs else [None] * len(plan.micro)
        self.first_epoch = [True] * len(plan.micro)

    def __call__(self, m: Micro) -> tuple[torch.Tensor, dict[str, float]]:
        o = self.objective
        logprobs, entropy = forward(self.model, m.batch, self.precision, o.entropy_coef > 0, o.temperature)
        parts: dict[str, float] = {}
        total_tokens = max(self.plan.total_tokens, 1e-9)
        mask = m.batch.completion_mask
        if self.old[m.index] is None:
            self.old[m.index] = logprobs.detach()
        if self.first_epoch[m.index]:  # the gap of the policy that sampled, once per iteration
            self.first_epoch[m.index] = False
            signed, absolute = logprob_gap(self.old[m.index], m.sampler_logprobs, mask)
            parts["sampler_logprob_gap"] = float(signed) * m.weight / total_tokens
            parts["sampler_logprob_gap_abs"] = float(absolute) * m.weight / total_tokens
        advantages = m.advantages
        if o.tis_cap is not None:
            weights, is_metrics = truncated_is_weights(
                self.old[m.index], m.sampler_logprobs, mask, cap=o.tis_cap
            )
            advantages = advantages * weights
            for name, value in is_metrics.items():
                parts[name] = value * m.tokens / total_tokens
        loss, metrics = grpo_objective(
            logprobs,
            self.old[m.index],
            advantages,
            m.batch.completion_mask,
            entropy=entropy,
            ref_logprobs=self.ref[m.index] if self.ref else None,
            beta=o.kl_coef,
            entropy_coef=o.entropy_coef,
            clip_eps_low=o.clip_eps,
            clip_eps_high=o.clip_eps if o.clip_eps_high is None else o.clip_eps_high,
            loss_agg_mode=o.loss_agg,
            max_len=o.max_seq_len,
        )
        parts |= {"loss": loss.item() * m.share, "pg_loss": metrics["pg_loss"] * m.share, "tokens": m.tokens}
        for name in ("kl", "entropy", "clip_fraction", "ratio_mean", "approx_kl"):
            if name in metrics:
                parts[name] = metrics[name] * m.tokens / total_tokens
        return loss * m.share, parts
