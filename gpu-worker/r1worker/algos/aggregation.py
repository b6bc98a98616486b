"""How a per-token loss matrix becomes one scalar: the `loss_agg_mode` of GRPO variants.

The three modes differ in how long and short responses are weighted:
- "seq-mean-token-mean": mean over each sequence's tokens, then over sequences (original GRPO,
  DeepSeekMath eq. 3: 1/G sum_i 1/|o_i| sum_t). Long answers get less weight per token.
- "token-mean": one mean over every token of the batch (DAPO, Yu et al. 2025 §3.3, eq. 10).
- "seq-mean-token-sum-norm": each sequence's token sum divided by a constant `max_len`, then the
  mean over sequences (Dr. GRPO, Liu et al. 2025 eq. 2): no length bias.
"""

from __future__ import annotations

import torch

from .registry import Registry

LOSS_AGG_MODES: Registry = Registry("loss aggregation mode")


def aggregate_loss(
    loss_mat: torch.Tensor, mask: torch.Tensor, mode: str, max_len: int | None = None
) -> torch.Tensor:
    """Reduce `loss_mat[B, T]` over the tokens where `mask[B, T]` is true, by `mode`.

    `max_len` is the constant of "seq-mean-token-sum-norm" (the generation budget); it defaults to
    T and is ignored by the other modes. Returns a 0-d tensor.
    """
    if loss_mat.shape != mask.shape:
        raise ValueError(f"loss_mat {tuple(loss_mat.shape)} and mask {tuple(mask.shape)} differ in shape")
    if loss_mat.dim() != 2:
        raise ValueError(f"loss_mat must be [B, T], got shape {tuple(loss_mat.shape)}")
    fn = LOSS_AGG_MODES.get(mode)
    return fn(loss_mat, mask.to(loss_mat.dtype), max_len)


@LOSS_AGG_MODES.register("token-mean")
def _token_mean(loss_mat: torch.Tensor, mask: torch.Tensor, max_len: int | None) -> torch.Tensor:
    return (loss_mat * mask).sum() / mask.sum().clamp_min(1)


@LOSS_AGG_MODES.register("seq-mean-token-mean")
def _seq_mean_token_mean(loss_mat: torch.Tensor, mask: torch.Tensor, max_len: int | None) -> torch.Tensor:
    # Sequences without a single unmasked token have no mean; they are left out of the average.
    tokens = mask.sum(-1)
    seq_loss = (loss_mat * mask).sum(-1) / tokens.clamp_min(1)
    has_tokens = (tokens > 0).to(loss_mat.dtype)
    return (seq_loss * has_tokens).sum() / has_tokens.sum().clamp_min(1)


@LOSS_AGG_MODES.register("seq-mean-token-sum-norm")
def _seq_mean_token_sum_norm(loss_mat: torch.Tensor, mask: torch.Tensor, max_len: int | None) -> torch.Tensor:
    norm = loss_mat.shape[-1] if max_len is None else max_len
    if norm <= 0:
        raise ValueError(f"max_len must be positive, got {norm}")
    return ((loss_mat * mask).sum(-1) / norm).mean()


def masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of `values` over the positions where `mask` (same shape) is true; 0 if none are."""
    mask = mask.to(values.dtype)
    return (values * mask).sum() / mask.sum().clamp_min(1)
