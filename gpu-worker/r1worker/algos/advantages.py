"""Group-relative advantages for GRPO (DeepSeekMath, Shao et al. 2024, §4.1.2 and §4.1.3).

Every rollout of one prompt shares a group id; a reward is compared only with the rewards of its
own group, so no value network is needed. The standard deviation is the *population* one
(divide by n, `unbiased=False`), the same as the TypeScript side, so both agree on a group's
statistics bit for bit up to float rounding.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .registry import Registry

ADVANTAGE_ESTIMATORS: Registry = Registry("advantage estimator")


def get_advantage_estimator(name: str):
    """The estimator registered as `name` ("grpo_outcome", "grpo_process")."""
    return ADVANTAGE_ESTIMATORS.get(name)


def _group_stats(
    values: torch.Tensor, group: torch.Tensor, n_groups: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-group mean and population std of `values[M]` whose group ids are `group[M]` in [0, G)."""
    counts = torch.zeros(n_groups, dtype=values.dtype, device=values.device).index_add_(
        0, group, torch.ones_like(values)
    )
    safe = counts.clamp_min(1)
    mean = torch.zeros_like(counts).index_add_(0, group, values) / safe
    sq_dev = (values - mean[group]) ** 2
    var = torch.zeros_like(counts).index_add_(0, group, sq_dev) / safe
    return mean, var.sqrt()


def _safe_denominator(std: torch.Tensor, eps: float) -> torch.Tensor:
    """std + eps, with 1 where that is 0 (all-equal group, eps = 0): its deviations are 0 anyway."""
    denom = std + eps
    return torch.where(denom > 0, denom, torch.ones_like(denom))


def _dense_groups(group_index: torch.Tensor | Sequence[int]) -> tuple[torch.Tensor, int]:
    """Arbitrary integer group ids [N] -> dense ids in [0, G) and G."""
    group_index = torch.as_tensor(group_index)
    if group_index.dim() != 1 or group_index.is_floating_point():
        raise ValueError(
            f"group_index must be a 1-D integer tensor, got shape {tuple(group_index.shape)} "
            f"dtype {group_index.dtype}"
        )
    uniq, dense = torch.unique(group_index, return_inverse=True)
    return dense, uniq.numel()


@ADVANTAGE_ESTIMATORS.register("grpo_outcome")
def grpo_outcome(
    rewards: torch.Tensor,
    group_index: torch.Tensor | Sequence[int],
    eps: float = 1e-6,
    norm_by_std: bool = True,
) -> torch.Tensor:
    """Outcome-supervision advantages, one per sequence.

    A_i = (r_i - mean(r_group)) / (std(r_group) + eps)       DeepSeekMath §4.1.2
    A_i =  r_i - mean(r_group)                 if not norm_by_std (Dr. GRPO, Liu et al. 2025 §3)

    std is the population std. A group of one sample gets advantage 0 (it carries no signal).

    Args:
        rewards: [N] float, one scalar reward per sampled sequence.
        group_index: [N] integer ids; equal ids = samples of the same prompt. Any values.
        eps: added to the std so a group whose rewards are all equal gives 0, not NaN.
        norm_by_std: divide by the group std (GRPO) or not (Dr. GRPO).
    Returns:
        advantages: [N], same dtype as `rewards` (broadcast over tokens by the loss).
    """
    rewards = torch.as_tensor(rewards)
    if not rewards.is_floating_point():
        rewards = rewards.float()
    if rewards.dim() != 1:
        raise ValueError(f"rewards must be 1-D [N], got shape {tuple(rewards.shape)}")
    dense, n_groups = _dense_groups(group_index)
    if dense.numel() != rewards.numel():
        raise ValueError(f"group_index has {dense.numel()} entries but rewards has {rewards.numel()}")
    dense = dense.to(rewards.device)
    mean, std = _group_stats(rewards, dense, n_groups)
    adv = rewards - mean[dense]
    if norm_by_std:
        adv = adv / _safe_denominator(std, eps)[dense]
    return adv


@ADVANTAGE_ESTIMATORS.register("grpo_process")
def grpo_process(
    step_rewards: Sequence[torch.Tensor],
    step_end_tokens: Sequence[torch.Tensor],
    group_index: torch.Tensor | Sequence[int],
    response_length: torch.Tensor | Sequence[int],
    eps: float = 1e-6,
    norm_by_std: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Process-supervision advantages, one per response token (DeepSeekMath §4.1.3).

    Each step reward is normalised by the mean and population std of *all* step rewards of all
    samples in its group: r~ = (r - mean) / (std + eps). A token's advantage is the sum of the
    normalised rewards of the steps that end at or after it:
        A_t = sum_{j : end_j >= t} r~_j
    Tokens after the last step end get 0; positions past `response_length` are padding (mask 0).

    Args:
        step_rewards: N tensors, sample i's is [K_i] float (K_i may be 0).
        step_end_tokens: N integer tensors [K_i]; index (0-based, inclusive) within the response
            of the last token of each step; each must lie in [0, response_length[i]).
        group_index: [N] integer ids of the prompt each sample answers.
        response_length: [N] number of response tokens per sample.
        eps, norm_by_std: as in `grpo_outcome`.
    Returns:
        advantages: [N, T] float, T = max(response_length).
        mask: [N, T] bool, True on the response tokens.
    """
    n = len(step_rewards)
    lengths = torch.as_tensor(response_length, dtype=torch.long)
    if len(step_end_tokens) != n or lengths.numel() != n:
        raise ValueError(
            f"step_rewards ({n}), step_end_tokens ({len(step_end_tokens)}) and "
            f"response_length ({lengths.numel()}) must have one entry per sample"
        )
    dense, n_groups = _dense_groups(group_index)
    if dense.numel() != n:
        raise ValueError(f"group_index has {dense.numel()} entries, expected {n}")

    rewards = [torch.as_tensor(r).reshape(-1) for r in step_rewards]
    ends = [torch.as_tensor(e, dtype=torch.long).reshape(-1) for e in step_end_tokens]
    # The rewards' float type (float64 in stays float64), whichever sample has the first step.
    dtype = next((torch.result_type(r, 1.0) for r in rewards if r.numel()), torch.float32)
    for i, (r, e) in enumerate(zip(rewards, ends, strict=False)):
        if r.numel() != e.numel():
            raise ValueError(f"sample {i}: {r.numel()} step rewards but {e.numel()} step ends")
        if e.numel() and (e.min() < 0 or e.max() >= lengths[i]):
            raise ValueError(f"sample {i}: step ends {e.tolist()} outside [0, {int(lengths[i])})")

    flat_r = torch.cat(rewards).to(dtype) if n else torch.zeros(0, dtype=dtype)
    flat_g = torch.cat([dense[i].expand(r.numel()) for i, r in enumerate(rewards)]) if n else dense
    mean, std = _group_stats(flat_r, flat_g, n_groups)
    normed = flat_r - mean[flat_g]
    if norm_by_std:
        normed = normed / _safe_denominator(std, eps)[flat_g]

    t_max = int(lengths.max()) if n else 0
    flat_row = (
        torch.cat([torch.full((r.numel(),), i, dtype=torch.long) for i, r in enumerate(rewards)])
        if n
        else torch.zeros(0, dtype=torch.long)
    )
    per_token = torch.zeros(n, t_max, dtype=dtype)
    per_token.index_put_((flat_row, torch.cat(ends) if n else flat_row), normed, accumulate=True)
    # Reverse cumulative sum: token t collects every step ending at t or later.
    advantages = per_token.flip(-1).cumsum(-1).flip(-1)
    mask = torch.arange(t_max).unsqueeze(0) < lengths.unsqueeze(1)
    return advantages * mask, mask
