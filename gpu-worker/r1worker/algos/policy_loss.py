"""GRPO policy losses (DeepSeekMath, Shao et al. 2024, eq. 3) and the full update objective.

Every policy loss has the signature

    fn(logprobs, old_logprobs, advantages, mask, *, clip_eps_low, clip_eps_high,
       loss_agg_mode, max_len) -> (loss, metrics)

with logprobs / old_logprobs / mask of shape [B, T] (response tokens) and advantages [B, T] or
[B] (broadcast over tokens). A new loss is added with `@register_policy_loss("name")`.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .aggregation import LOSS_AGG_MODES, aggregate_loss, masked_mean
from .kl import KL_PENALTIES, get_kl_penalty, kl_k1, kl_k2, kl_k3, kl_penalty
from .logits import entropy_from_logits, token_logprobs
from .registry import Registry

__all__ = [
    "KL_PENALTIES",
    "LOSS_AGG_MODES",
    "POLICY_LOSSES",
    "aggregate_loss",
    "entropy_from_logits",
    "get_kl_penalty",
    "get_policy_loss",
    "grpo_clip",
    "grpo_objective",
    "kl_k1",
    "kl_k2",
    "kl_k3",
    "kl_penalty",
    "register_policy_loss",
    "token_logprobs",
]

PolicyLoss = Callable[..., tuple[torch.Tensor, dict[str, float]]]
POLICY_LOSSES: Registry[PolicyLoss] = Registry("policy loss")

# Log-ratios are clamped before exp() so a stale token cannot overflow; such a ratio is far outside
# any clip range, where the clipped objective's gradient is zero anyway.
_MAX_LOG_RATIO = 20.0


def register_policy_loss(name: str) -> Callable[[PolicyLoss], PolicyLoss]:
    """Decorator that adds a policy loss to `POLICY_LOSSES` under `name`."""
    return POLICY_LOSSES.register(name)


def get_policy_loss(name: str) -> PolicyLoss:
    """The policy loss registered as `name`; a ValueError listing the valid names otherwise."""
    return POLICY_LOSSES.get(name)


def _broadcast_advantages(advantages: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    if advantages.dim() == 1:
        advantages = advantages.unsqueeze(-1)
    if advantages.dim() != 2 or advantages.shape[0] != like.shape[0]:
        raise ValueError(
            f"advantages must be [B] or [B, T] with B={like.shape[0]}, got {tuple(advantages.shape)}"
        )
    return advantages.to(like.dtype).expand_as(like)


@register_policy_loss("grpo_clip")
def grpo_clip(
    logprobs: torch.Tensor,
    old_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    *,
    clip_eps_low: float,
    clip_eps_high: float,
    loss_agg_mode: str,
    max_len: int | None = None,
) -> tuple[torch.Tensor, dict[str, float]]:
    """Clipped surrogate of PPO/GRPO, negated so that it is minimised.

    per token: r = exp(logprobs - old_logprobs),
               L = -min(r A, clip(r, 1 - eps_low, 1 + eps_high) A)          DeepSeekMath eq. 3
    A separate upper bound eps_high > eps_low is DAPO's "clip-higher" (Yu et al. 2025 §3.1).

    Args:
        logprobs: [B, T] log pi_theta of the sampled tokens (carries the gradient).
        old_logprobs: [B, T] log pi_old from the sampling policy (no gradient).
        advantages: [B, T] or [B].
        mask: [B, T] bool/0-1, true on the response tokens that count.
        clip_eps_low, clip_eps_high: ratio bounds 1 - eps_low and 1 + eps_high.
        loss_agg_mode, max_len: see `aggregate_loss`.
    Returns:
        loss: 0-d tensor.
        metrics: clip_fraction (share of tokens whose clipped term was taken, i.e. whose gradient
            is cut), ratio_mean, approx_kl (mean of old - new log-prob, k1), all over masked tokens.
    """
    if logprobs.shape != old_logprobs.shape or logprobs.shape != mask.shape:
        raise ValueError(
            f"logprobs {tuple(logprobs.shape)}, old_logprobs {tuple(old_logprobs.shape)} "
            f"and mask {tuple(mask.shape)} must have the same [B, T] shape"
        )
    if clip_eps_low < 0 or clip_eps_high < 0:
        raise ValueError(f"clip ranges must be >= 0, got low={clip_eps_low} high={clip_eps_high}")
    adv = _broadcast_advantages(advantages, logprobs)
    log_ratio = (logprobs - old_logprobs.detach()).clamp(-_MAX_LOG_RATIO, _MAX_LOG_RATIO)
    ratio = torch.exp(log_ratio)
    loss_unclipped = -adv * ratio
    loss_clipped = -adv * ratio.clamp(1.0 - clip_eps_low, 1.0 + clip_eps_high)
    loss_mat = torch.maximum(loss_unclipped, loss_clipped)
    loss = aggregate_loss(loss_mat, mask, loss_agg_mode, max_len)

    with torch.no_grad():
        clipped = (loss_clipped > loss_unclipped).to(logprobs.dtype)
        metrics = {
            "clip_fraction": masked_mean(clipped, mask).item(),
            "ratio_mean": masked_mean(ratio, mask).item(),
            "approx_kl": masked_mean(-log_ratio, mask).item(),
        }
    return loss, metrics


def grpo_objective(
    logprobs: torch.Tensor,
    old_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    *,
    ref_logprobs: torch.Tensor | None = None,
    entropy: torch.Tensor | None = None,
    beta: float,
    entropy_coef: float,
    clip_eps_low: float,
    clip_eps_high: float,
    loss_agg_mode: str,
    max_len: int | None = None,
    policy_loss: str = "grpo_clip",
    kl_type: str = "k3",
) -> tuple[torch.Tensor, dict[str, float]]:
    """The GRPO update loss: policy loss + beta * KL(pi_theta || pi_ref) - entropy_coef * H.

    Per token, aggregated by `loss_agg_mode` (DeepSeekMath eq. 3: the KL is a loss term, not a
    reward penalty, estimated by k3). Aggregation is linear, so this equals the aggregate of
    the per-token sum. The scalars have no defaults here: the stage passes the schema's
    (GrpoSettings: klCoef, entropyCoef, clipEps, clipEpsHigh, lossAgg).

    Args:
        logprobs, old_logprobs, advantages, mask: as in `grpo_clip` ([B, T]; advantages may be [B]).
        ref_logprobs: [B, T] log pi_ref of the sampled tokens; required when beta > 0.
        entropy: [B, T] from `entropy_from_logits` (with gradient); required when entropy_coef > 0.
        beta: KL coefficient.
        entropy_coef: weight of the entropy bonus (subtracted from the loss).
        policy_loss: name in `POLICY_LOSSES`.
        kl_type: name in `KL_PENALTIES`.
    Returns:
        loss: 0-d tensor.
        metrics: pg_loss (the aggregated policy loss), kl and entropy (token means over the mask,
            for monitoring whatever the mode), clip_fraction, ratio_mean, approx_kl.
    """
    pg_fn = get_policy_loss(policy_loss)
    kl_fn = get_kl_penalty(kl_type)
    if beta > 0 and ref_logprobs is None:
        raise ValueError(f"beta={beta} needs ref_logprobs")
    if entropy_coef != 0 and entropy is None:
        raise ValueError(f"entropy_coef={entropy_coef} needs entropy")

    pg_loss, metrics = pg_fn(
        logprobs,
        old_logprobs,
        advantages,
        mask,
        clip_eps_low=clip_eps_low,
        clip_eps_high=clip_eps_high,
        loss_agg_mode=loss_agg_mode,
        max_len=max_len,
    )
    extra = torch.zeros_like(logprobs)
    metrics = {"pg_loss": pg_loss.item(), **metrics}
    if ref_logprobs is not None:
        kl = kl_fn(logprobs, ref_logprobs.detach())
        metrics["kl"] = masked_mean(kl.detach(), mask).item()
        if beta > 0:
            extra = extra + beta * kl
    if entropy is not None:
        metrics["entropy"] = masked_mean(entropy.detach(), mask).item()
        if entropy_coef != 0:
            extra = extra - entropy_coef * entropy
    loss = pg_loss + aggregate_loss(extra, mask, loss_agg_mode, max_len)
    return loss, metrics
