"""Quantities read off a causal LM's logits: each label's log-probability and the entropy."""

from __future__ import annotations

import torch


def _upcast(logits: torch.Tensor) -> torch.Tensor:
    # bf16/fp16 logsumexp over a large vocabulary loses most of its digits.
    return logits.float() if logits.dtype in (torch.float16, torch.bfloat16) else logits


def tempered(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """logits / T: the distribution a sampler at temperature T draws from (softmax(z / T)).

    T = 0 (greedy) and T = 1 leave the logits as they are: greedy rollouts record the raw
    log-probs (rollout/hf.py), so the trainer must compare against those.
    """
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    return logits if temperature in (0.0, 1.0) else logits / temperature


def token_logprobs(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """log softmax(logits)[labels] per position, without materialising the log-softmax.

    Args:
        logits: [B, T, V], already aligned with `labels` (for a causal LM pass `logits[:, :-1]`
            and `input_ids[:, 1:]`).
        labels: [B, T] token ids. Negative ids (e.g. -100 padding) are read as id 0; mask them out.
    Returns:
        [B, T] log-probabilities (float32 when the logits are half precision).
    """
    if logits.shape[:-1] != labels.shape:
        raise ValueError(f"logits {tuple(logits.shape)} do not match labels {tuple(labels.shape)}")
    logits = _upcast(logits)
    picked = logits.gather(-1, labels.clamp_min(0).unsqueeze(-1)).squeeze(-1)
    return picked - torch.logsumexp(logits, dim=-1)


def entropy_from_logits(logits: torch.Tensor) -> torch.Tensor:
    """Entropy H = logsumexp(z) - sum_v softmax(z)_v z_v of each next-token distribution.

    Args:
        logits: [B, T, V] (any leading shape works).
    Returns:
        [B, T] entropies in nats (float32 when the logits are half precision); log V when uniform.
    """
    logits = _upcast(logits)
    # H is shift-invariant; centring on the max keeps logsumexp and sum(p z) from cancelling.
    logits = logits - logits.amax(dim=-1, keepdim=True).detach()
    log_z = torch.logsumexp(logits, dim=-1)
    probs = torch.softmax(logits, dim=-1)
    return log_z - (probs * logits).sum(-1)
