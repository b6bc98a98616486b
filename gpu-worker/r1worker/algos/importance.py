"""Corrections for the gap between the sampler's and the trainer's probabilities of the same tokens.

A rollout engine (vLLM kernels, bf16, another process) records log π_sampler(y_t) that differ from
the trainer's log π_old(y_t) of the very same weights. Truncated importance sampling (TIS, Yao et al.
2025, "Your efficient RL framework secretly brings you off-policy RL training"; verl's
`tis_imp_ratio_cap`, NeMo RL's `token_level` truncated IS) weights each token's policy-gradient term
by min(π_old / π_sampler, C): the update is then that of the distribution the trainer computes,
with the variance bounded by C.
"""

from __future__ import annotations

import torch

from .aggregation import masked_mean
from .registry import Registry

_MAX_LOG_RATIO = 20.0  # exp(20) ≈ 5e8: far above any cap, keeps exp finite

IS_CORRECTIONS: Registry = Registry("importance-sampling correction")


def logprob_gap(
    old_logprobs: torch.Tensor, sampler_logprobs: torch.Tensor, mask: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sums over the masked tokens of (sampler − old) and |sampler − old| log-probs, [B, T] → 0-d each.

    Sums, not means, so that a batch split into micro-batches adds up; divide by the token count.
    The signed sum alone hides a gap that cancels (+0.5 on one token, −0.5 on the next).
    """
    diff = (sampler_logprobs - old_logprobs.detach()) * mask
    return diff.sum(), diff.abs().sum()


@IS_CORRECTIONS.register("truncated")
def truncated_is_weights(
    old_logprobs: torch.Tensor, sampler_logprobs: torch.Tensor, mask: torch.Tensor, *, cap: float
) -> tuple[torch.Tensor, dict[str, float]]:
    """Per-token weights w = min(exp(log π_old − log π_sampler), cap), 0 off the mask, no gradient.

    Args:
        old_logprobs: [B, T] the trainer's log-probs of the sampled tokens before the update.
        sampler_logprobs: [B, T] the rollout engine's recorded log-probs of the same tokens.
        mask: [B, T] 0/1, the completion tokens.
        cap: C ≥ 1 (verl and NeMo RL use 2).
    Returns:
        weights: [B, T], multiply the advantages (the policy-gradient term is linear in them).
        metrics: is_weight_mean and is_capped_share (share of masked tokens whose weight was cut).
    """
    if cap < 1:
        raise ValueError(f"the truncated IS cap must be >= 1, got {cap}")
    if old_logprobs.shape != sampler_logprobs.shape or old_logprobs.shape != mask.shape:
        raise ValueError(
            f"old_logprobs {tuple(old_logprobs.shape)}, sampler_logprobs {tuple(sampler_logprobs.shape)} "
            f"and mask {tuple(mask.shape)} must have the same [B, T] shape"
        )
    with torch.no_grad():
        log_ratio = (old_logprobs - sampler_logprobs).clamp(-_MAX_LOG_RATIO, _MAX_LOG_RATIO)
        raw = torch.exp(log_ratio)
        weights = raw.clamp(max=cap) * mask
        metrics = {
            "is_weight_mean": masked_mean(weights, mask).item(),
            "is_capped_share": masked_mean((raw > cap).to(raw.dtype), mask).item(),
        }
    return weights, metrics


def get_is_correction(name: str):
    """The correction registered as `name`; a ValueError listing the valid names otherwise."""
    return IS_CORRECTIONS.get(name)
