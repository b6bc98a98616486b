"""Token encodings of the reward stage's data (pure): preference pairs for the outcome head,
step-labelled solutions for the process head, the held-out split, and padding.

Texts follow the chat template exactly as SFT and rollouts do (`r1worker.train.batching`):
prompt ids, then completion + EOS ids; the outcome score is read at the last token (EOS).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from r1worker.reward_data.rules import rule_step_label, split_steps
from r1worker.train.batching import chat_prompt

IGNORE_STEP = -100  # a step without a label (ignored by `process_reward_loss`)


@dataclass(frozen=True)
class PairIds:
    chosen: tuple[int, ...]  # prompt + chosen completion + EOS
    rejected: tuple[int, ...]  # prompt + rejected completion + EOS
    margin: float  # m in −log σ(r_c − r_r − m)


@dataclass(frozen=True)
class StepIds:
    input_ids: tuple[int, ...]  # prompt, then each step followed by "\n"
    step_ends: tuple[int, ...]  # position of each kept step's last token (its "\n")
    labels: tuple[int, ...]  # −1 / 0 / +1 per kept step


def held_out(pair_id: str, seed: int, share: float) -> bool:
    """Whether a pair is in the held-out split: a seeded hash of its id, uniform in [0, 1), < share.
    Stable across runs, shard layouts and world sizes."""
    digest = hashlib.sha256(f"{seed}:{pair_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def _ids(tokenizer, text: str) -> list[int]:
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def encode_pair(
    tokenizer, prompt: str, chosen: str, rejected: str, margin: float, max_len: int
) -> PairIds | None:
    """Both sequences, cut to `max_len` (the score is then read at the cut); None if the prompt fills it."""
    p = _ids(tokenizer, chat_prompt(tokenizer, prompt))
    if len(p) >= max_len:
        return None
    eos = tokenizer.eos_token
    c = (p + _ids(tokenizer, chosen + eos))[:max_len]
    r = (p + _ids(tokenizer, rejected + eos))[:max_len]
    return PairIds(tuple(c), tuple(r), float(margin))


def encode_steps(
    tokenizer, prompt: str, steps: Sequence[str], labels: Sequence[int], max_len: int
) -> StepIds | None:
    """Prompt then the steps one a line; the steps that fit in `max_len` are kept. None if none fits."""
    ids = _ids(tokenizer, chat_prompt(tokenizer, prompt))
    ends, kept = [], []
    for step, label in zip(steps, labels, strict=True):
        piece = _ids(tokenizer, step + "\n")
        if len(ids) + len(piece) > max_len:
            break
        ids += piece
        ends.append(len(ids) - 1)
        kept.append(int(label))
    return StepIds(tuple(ids), tuple(ends), tuple(kept)) if ends else None


def rule_step_records(pairs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """`step_labels` rows made by rule checks of the pairs' completions (chosen and rejected);
    solutions with no checkable step are left out."""
    rows = []
    for pair in pairs:
        for side in ("chosen", "rejected"):
            steps = split_steps(pair[side])
            labels = [rule_step_label(s) for s in steps]
            if any(labels):
                rows.append(
                    {
                        "id": f"{pair['id']}-{side}",
                        "problem_id": pair["problem_id"],
                        "prompt": pair["prompt"],
                        "steps": steps,
                        "labels": labels,
                        "origin": "rule",
                    }
                )
    return rows


def pad(seqs: Sequence[Sequence[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded [B, T] ids and attention mask."""
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s)
        mask[i, : len(s)] = 1
    return ids, mask
