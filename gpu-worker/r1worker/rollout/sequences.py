"""Prompt + completion token lists as one right-padded batch for a forward pass, and the
alignment of per-completion-token values (log-probs, advantages) with the shifted targets.

A causal LM's logits at position t predict token t + 1, so with targets `input_ids[:, 1:]`
completion token j of row b (0-based) is target position `prompt_len[b] - 1 + j`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class SequenceBatch:
    input_ids: torch.Tensor  # [B, T] prompt + completion, right-padded with pad_id
    attention_mask: torch.Tensor  # [B, T] 1 on real tokens
    completion_mask: torch.Tensor  # [B, T-1] bool, True where target t+1 is a completion token
    prompt_lens: list[int]  # tokens of each prompt
    completion_lens: list[int]  # completion tokens kept per row (after truncation to max_len)

    @property
    def targets(self) -> torch.Tensor:
        """[B, T-1] the token each position predicts."""
        return self.input_ids[:, 1:]

    def to(self, device: torch.device | str) -> SequenceBatch:
        return SequenceBatch(
            self.input_ids.to(device),
            self.attention_mask.to(device),
            self.completion_mask.to(device),
            self.prompt_lens,
            self.completion_lens,
        )

    def scatter(self, values: Sequence[Sequence[float]], fill: float = 0.0) -> torch.Tensor:
        """Per-completion-token values (one list per row) placed at their target positions: [B, T-1]
        float32, `fill` elsewhere. Rows longer than the kept completion are cut."""
        out = torch.full(self.completion_mask.shape, fill, dtype=torch.float32)
        for b, (row, p, n) in enumerate(zip(values, self.prompt_lens, self.completion_lens, strict=True)):
            if n:
                out[b, p - 1 : p - 1 + n] = torch.as_tensor(list(row)[:n], dtype=torch.float32)
        return out.to(self.completion_mask.device)

    def gather(self, per_position: torch.Tensor) -> list[list[float]]:
        """The inverse of `scatter`: each row's completion values from a [B, T-1] tensor."""
        cpu = per_position.detach().float().cpu()
        return [
            cpu[b, p - 1 : p - 1 + n].tolist()
            for b, (p, n) in enumerate(zip(self.prompt_lens, self.completion_lens, strict=True))
        ]


def pack_sequences(
    prompts: Sequence[Sequence[int]],
    completions: Sequence[Sequence[int]],
    pad_id: int,
    max_len: int | None = None,
) -> SequenceBatch:
    """Right-padded [B, T] batch of prompt + completion; completions are cut so each row has at
    most `max_len` tokens (a prompt of `max_len` tokens or more is an error: nothing to learn)."""
    if len(prompts) != len(completions):
        raise ValueError(f"{len(prompts)} prompts but {len(completions)} completions")
    rows, p_lens, c_lens = [], [], []
    for i, (p, c) in enumerate(zip(prompts, completions, strict=True)):
        p, c = list(p), list(c)
        if not p:
            raise ValueError(f"row {i}: empty prompt (a causal LM needs a first token to condition on)")
        if max_len is not None:
            if len(p) >= max_len:
                raise ValueError(f"row {i}: prompt of {len(p)} tokens leaves no room under max_len={max_len}")
            c = c[: max_len - len(p)]
        rows.append(p + c)
        p_lens.append(len(p))
        c_lens.append(len(c))
    width = max((len(r) for r in rows), default=1)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    attn = torch.zeros((len(rows), width), dtype=torch.long)
    comp = torch.zeros((len(rows), max(width - 1, 0)), dtype=torch.bool)
    for b, (r, p, n) in enumerate(zip(rows, p_lens, c_lens, strict=True)):
        ids[b, : len(r)] = torch.tensor(r)
        attn[b, : len(r)] = 1
        comp[b, p - 1 : p - 1 + n] = True
    return SequenceBatch(ids, attn, comp, p_lens, c_lens)


def token_budget_batches(lengths: Sequence[int], token_budget: int) -> list[list[int]]:
    """Row indices grouped into micro-batches whose padded size (rows × longest row) stays within
    `token_budget`; rows are taken longest first so that rows of a batch have similar lengths. A
    row longer than the budget gets a batch of its own."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    for i in order:
        if batches and (len(batches[-1]) + 1) * lengths[batches[-1][0]] <= token_budget:
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches
