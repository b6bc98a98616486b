"""Losses for the reward stage: an outcome reward model trained on preference pairs
(Bradley-Terry) and a process reward model trained on per-step labels (PRM800K).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

# PRM800K step ratings -1 (bad), 0 (neutral), +1 (good) map to class ids 0, 1, 2.
STEP_LABELS = (-1, 0, 1)


def bradley_terry_loss(
    r_chosen: torch.Tensor, r_rejected: torch.Tensor, margin: torch.Tensor | float = 0.0
) -> tuple[torch.Tensor, dict[str, float]]:
    """Pairwise reward-model loss: mean over pairs of -log sigmoid(r_chosen - r_rejected - margin).

    Bradley & Terry (1952) as used for reward models by Ouyang et al. 2022 (InstructGPT eq. 1);
    the margin term is Llama 2's (Touvron et al. 2023 eq. 2).

    Args:
        r_chosen: [B] scalar rewards of the preferred responses.
        r_rejected: [B] scalar rewards of the other response of each pair.
        margin: [B] or a float, how much the chosen one should win by.
    Returns:
        loss: 0-d tensor.
        metrics: accuracy (share of pairs with r_chosen > r_rejected), reward_margin (mean of
            r_chosen - r_rejected), chosen_mean, rejected_mean.
    """
    if r_chosen.shape != r_rejected.shape or r_chosen.dim() != 1:
        raise ValueError(
            f"r_chosen {tuple(r_chosen.shape)} and r_rejected {tuple(r_rejected.shape)} must both be [B]"
        )
    diff = r_chosen - r_rejected
    loss = -F.logsigmoid(diff - margin).mean()
    with torch.no_grad():
        metrics = {
            "accuracy": (diff > 0).float().mean().item(),
            "reward_margin": diff.float().mean().item(),
            "chosen_mean": r_chosen.float().mean().item(),
            "rejected_mean": r_rejected.float().mean().item(),
        }
    return loss, metrics


def process_reward_loss(
    step_logits: torch.Tensor,
    labels: torch.Tensor,
    ignore_index: int = -100,
    neutral_target: float | None = None,
) -> tuple[torch.Tensor, dict[str, float]]:
    """Per-step classification loss of a process reward model, mean over labelled steps.

    Two head shapes are accepted:
    - step_logits [S, 3]: cross-entropy over the PRM800K ratings {-1, 0, +1} (Lightman et al.
      2023, "Let's Verify Step by Step" §2.3 and appendix: the PRM predicts each step's rating).
    - step_logits [S]: one logit for "the step is good" (Math-Shepherd, Wang et al. 2024, eq. 3),
      binary cross-entropy with target 1 for +1 and 0 for -1. Neutral (0) steps get the soft
      target `neutral_target`, or are skipped when it is None (the default).

    Args:
        step_logits: [S, 3] or [S], one row per step (gathered at each step's last token).
        labels: [S] integer ratings in {-1, 0, +1}; `ignore_index` marks steps without a label.
    Returns:
        loss: 0-d tensor (0 with a gradient if no step is labelled).
        metrics: accuracy (predicted rating == label; for [S] logits, sign of the logit against
            +1/-1, neutral steps not counted), steps (number of steps in the loss).
    """
    labels = labels.long()
    if labels.dim() != 1 or step_logits.shape[0] != labels.shape[0]:
        raise ValueError(
            f"labels must be [S] matching step_logits {tuple(step_logits.shape)}, got {tuple(labels.shape)}"
        )
    known = labels != ignore_index
    bad = known & ~torch.isin(labels, torch.tensor(STEP_LABELS, device=labels.device))
    if bad.any():
        raise ValueError(
            f"step labels must be -1, 0, +1 or {ignore_index}, got {labels[bad].unique().tolist()}"
        )

    if step_logits.dim() == 2 and step_logits.shape[1] == 3:
        used = known
        logits = step_logits[used].float()
        target = labels[used] + 1
        loss = F.cross_entropy(logits, target, reduction="sum") / used.sum().clamp_min(1)
        correct = logits.argmax(-1) == target
    elif step_logits.dim() == 1:
        neutral = labels == 0
        used = known & ~neutral if neutral_target is None else known
        logits = step_logits[used].float()
        target = (labels[used] > 0).float()
        if neutral_target is not None:
            target = torch.where(labels[used] == 0, torch.full_like(target, neutral_target), target)
        loss = F.binary_cross_entropy_with_logits(logits, target, reduction="sum") / used.sum().clamp_min(1)
        polar = labels[used] != 0
        correct = ((logits > 0) == (labels[used] > 0))[polar]
    else:
        raise ValueError(f"step_logits must be [S, 3] or [S], got {tuple(step_logits.shape)}")
    with torch.no_grad():
        metrics = {
            "accuracy": correct.float().mean().item() if correct.numel() else 0.0,
            "steps": int(used.sum()),
        }
    return loss, metrics


def step_good_probability(step_logits: torch.Tensor, neutral_is_good: bool = False) -> torch.Tensor:
    """Probability that each step is good, from a PRM head's output.

    [S, 3] logits over {-1, 0, +1}: P(+1), or P(0) + P(+1) when `neutral_is_good` (Lightman et
    al. 2023 score a solution by the product of these over its steps). [S] logits: sigmoid.
    Any leading shape is kept: [..., 3] -> [...], [...] -> [...].
    """
    if step_logits.shape[-1:] == (3,) and step_logits.dim() >= 2:
        probs = torch.softmax(step_logits.float(), dim=-1)
        return probs[..., 2] + probs[..., 1] if neutral_is_good else probs[..., 2]
    return torch.sigmoid(step_logits.float())
