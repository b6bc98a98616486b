"""Supervised fine-tuning loss on completion tokens only (the R1 cold-start SFT stage)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

IGNORE_INDEX = -100  # label of prompt and padding tokens, as in Hugging Face `labels`


def sft_loss(
    logits: torch.Tensor,
    labels: torch.Tensor,
    shift: bool = True,
    num_items_in_batch: int | None = None,
) -> tuple[torch.Tensor, dict[str, float]]:
    """Causal LM cross-entropy, token mean over the labelled tokens.

    Args:
        logits: [B, T, V] model outputs.
        labels: [B, T] target ids, IGNORE_INDEX (-100) on prompt and padding tokens.
        shift: labels are aligned with the inputs as in Hugging Face (`labels = input_ids` with the
            prompt masked), so position t's logits predict labels[t + 1]. False when the caller
            has already shifted them.
        num_items_in_batch: divide the summed loss by this instead of this micro-batch's token
            count, so that gradient accumulation over micro-batches gives the true token mean.
    Returns:
        loss: 0-d tensor.
        metrics: tokens (labelled tokens in this batch), nll (mean negative log-likelihood of them).
    """
    if logits.shape[:-1] != labels.shape:
        raise ValueError(f"logits {tuple(logits.shape)} do not match labels {tuple(labels.shape)}")
    if shift:
        logits, labels = logits[:, :-1], labels[:, 1:]
    flat_logits = logits.reshape(-1, logits.shape[-1]).float()
    flat_labels = labels.reshape(-1)
    total = F.cross_entropy(flat_logits, flat_labels, ignore_index=IGNORE_INDEX, reduction="sum")
    tokens = int((flat_labels != IGNORE_INDEX).sum())
    denom = num_items_in_batch if num_items_in_batch is not None else max(tokens, 1)
    loss = total / denom
    metrics = {"tokens": tokens, "nll": total.item() / max(tokens, 1)}
    return loss, metrics
