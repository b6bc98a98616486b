"""AdamW with a linear warm-up then cosine decay to `min_lr_ratio` × the peak learning rate.

The schedule of DeepSeek-R1 / DeepSeekMath fine-tuning and of nanoGPT's `get_lr`; steps count
optimizer updates (not micro-batches), from 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch


def warmup_steps_for(total_steps: int, warmup_ratio: float) -> int:
    """Warm-up steps for a share of `total_steps` (rounded up, so any ratio > 0 warms up ≥ 1 step)."""
    return min(total_steps, math.ceil(total_steps * warmup_ratio - 1e-9))  # 100 × 0.1 is 10.000…02


def lr_at(step: int, peak_lr: float, warmup_steps: int, total_steps: int, min_lr_ratio: float) -> float:
    """Learning rate of optimizer step `step` (0-based).

    Warm-up: peak × (step + 1) / warmup_steps for step < warmup_steps (never 0, so step 0 learns).
    Then cosine from peak (at step = warmup_steps) towards min_lr_ratio × peak, reached at
    step = total_steps: min + (peak − min) × ½(1 + cos(π · (step − warmup) / (total − warmup))).
    """
    if step < warmup_steps:
        return peak_lr * (step + 1) / warmup_steps
    min_lr = peak_lr * min_lr_ratio
    decay_steps = max(1, total_steps - warmup_steps)
    progress = min(1.0, (step - warmup_steps) / decay_steps)
    return min_lr + (peak_lr - min_lr) * 0.5 * (1.0 + math.cos(math.pi * progress))


def param_groups(named_params: Iterable[tuple[str, torch.nn.Parameter]], weight_decay: float) -> list[dict]:
    """Two AdamW groups: matrices decay, vectors (biases, norm gains) do not (as nanoGPT, GPT-3)."""
    decay, no_decay = [], []
    for _, p in named_params:
        if p.requires_grad:
            (decay if p.dim() >= 2 else no_decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def build_optimizer(
    model: torch.nn.Module,
    lr: float,
    weight_decay: float,
    betas: tuple[float, float] = (0.9, 0.95),
    eps: float = 1e-8,
) -> torch.optim.AdamW:
    """AdamW over `model`'s trainable parameters; betas (0.9, 0.95) as DeepSeek's pre-training."""
    return torch.optim.AdamW(
        param_groups(model.named_parameters(), weight_decay), lr=lr, betas=betas, eps=eps
    )


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr
