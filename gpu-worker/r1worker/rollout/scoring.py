"""Reward-model scores of rollouts: one outcome score per completion and one per step."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from r1worker.algos.reward_losses import step_good_probability
from r1worker.model.value_head import RewardModel

from .sequences import pack_sequences, token_budget_batches


@torch.no_grad()
def score_rollouts(
    model: RewardModel,
    prompts: Sequence[Sequence[int]],
    completions: Sequence[Sequence[int]],
    step_ends: Sequence[Sequence[int]],
    pad_id: int,
    *,
    token_budget: int,
    max_len: int | None = None,
) -> list[tuple[float, list[float]]]:
    """(rm_score, rm_step_scores) per rollout.

    rm_score: the outcome head's score at the last token of prompt + completion (a Bradley-Terry
    logit, unbounded). rm_step_scores: the process head's probability that each step is good,
    P(+1) for a 3-class PRM800K head or sigmoid of a 1-logit head (Lightman et al. 2023 §2.3),
    read at the step's last token (`step_token_ends`, completion-relative). Steps cut off by
    `max_len` get no score; an empty completion is scored at the prompt's last token.
    """
    device = next(model.parameters()).device
    out: list[tuple[float, list[float]]] = [(0.0, [])] * len(prompts)
    lengths = [len(p) + len(c) for p, c in zip(prompts, completions, strict=True)]
    for rows in token_budget_batches(lengths, token_budget):
        batch = pack_sequences([prompts[i] for i in rows], [completions[i] for i in rows], pad_id, max_len)
        result = model(batch.input_ids.to(device), batch.attention_mask.to(device))
        good = step_good_probability(result.step_logits).float().cpu()  # [B, T]
        scores = result.sequence_scores.float().cpu().tolist()
        for b, i in enumerate(rows):
            kept = [e for e in step_ends[i] if e < batch.completion_lens[b]]
            positions = torch.tensor([batch.prompt_lens[b] + e for e in kept], dtype=torch.long)
            out[i] = (scores[b], good[b, positions].tolist())
    return out
