"""From rows of text to micro-batches: chat encoding with completion-only labels, curriculum order,
packing, token-budget micro-batches, and their split over optimizer steps and ranks.

Everything but `collate` is pure Python over example indices and lengths, so a plan (which
examples go into which micro-batch of which step) is deterministic given the seed: a resumed or a
multi-process run sees exactly the data an uninterrupted single process does.

Shapes: a plan is a list of micro-batches; a micro-batch is a list of rows; a row is a list of
example indices (one index without packing, several packed end to end with packing).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import torch

IGNORE_INDEX = -100  # label of prompt and padding tokens (as `r1worker.algos.IGNORE_INDEX`)

Row = list[int]
MicroBatch = list[Row]


@dataclass(frozen=True)
class Encoded:
    input_ids: tuple[int, ...]  # prompt then completion (+ EOS) token ids
    labels: tuple[int, ...]  # = input_ids on completion tokens, IGNORE_INDEX on the prompt

    @property
    def n_labels(self) -> int:
        return sum(1 for t in self.labels if t != IGNORE_INDEX)


def chat_prompt(tokenizer, prompt: str) -> str:
    """The chat-template text before the assistant's answer (ends with the generation prompt)."""
    return tokenizer.apply_chat_template(
        [{"role": "user", "content": prompt}], add_generation_prompt=True, tokenize=False
    )


def encode_example(tokenizer, prompt: str, completion: str, max_len: int) -> Encoded | None:
    """Token ids of chat prompt + completion + EOS; labels only on completion and EOS.

    Prompt and completion are tokenised separately (the rollout stage does the same, so training
    and sampling see the same ids). Longer than `max_len`: the completion is cut at the end; a
    prompt that leaves no room for a completion token gives None (the caller counts it as dropped).
    """
    p_ids = tokenizer(chat_prompt(tokenizer, prompt), add_special_tokens=False)["input_ids"]
    c_ids = tokenizer(completion + tokenizer.eos_token, add_special_tokens=False)["input_ids"]
    if len(p_ids) >= max_len or not p_ids:
        return None
    ids = (p_ids + c_ids)[:max_len]
    labels = [IGNORE_INDEX] * len(p_ids) + ids[len(p_ids) :]
    return Encoded(tuple(ids), tuple(labels))


def curriculum_order(levels: Sequence[int], seed: int, epoch: int, curriculum: bool = True) -> list[int]:
    """Example indices in visiting order for one epoch.

    curriculum: ascending level, shuffled within each level; otherwise one global shuffle.
    The shuffle is seeded by (seed, epoch): every epoch differs, every run with the seed repeats.
    """
    rng = random.Random(seed * 1_000_003 + epoch)
    order = list(range(len(levels)))
    rng.shuffle(order)
    if curriculum:
        order.sort(key=lambda i: levels[i])  # stable: keeps the shuffle within each level
    return order


def pack_rows(order: Sequence[int], lengths: Sequence[int], row_len: int, packing: bool) -> list[Row]:
    """Rows of at most `row_len` tokens: consecutive examples packed end to end (packing), or one
    example per row. Order is kept, so packing never reorders the curriculum."""
    if not packing:
        return [[i] for i in order]
    rows: list[Row] = []
    current: Row = []
    used = 0
    for i in order:
        if lengths[i] > row_len:
            raise ValueError(f"example {i} has {lengths[i]} tokens, more than a row's {row_len}")
        if current and used + lengths[i] > row_len:
            rows.append(current)
            current, used = [], 0
        current.append(i)
        used += lengths[i]
    if current:
        rows.append(current)
    return rows


def budget_batches(sizes: Sequence[int], token_budget: int, rows_per_item: int = 1) -> list[list[int]]:
    """Consecutive items grouped so that each group's padded size, rows_per_item × items × the
    longest item, stays within `token_budget`. Returns lists of item positions (0…len−1).

    `rows_per_item` is 2 for preference pairs (chosen and rejected are both in the batch).
    """
    groups: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for pos, size in enumerate(sizes):
        if rows_per_item * size > token_budget:
            raise ValueError(
                f"item {pos} needs {rows_per_item * size} tokens, over the budget {token_budget}"
            )
        grown = max(longest, size)
        if current and rows_per_item * (len(current) + 1) * grown > token_budget:
            groups.append(current)
            current, grown = [], size
        current.append(pos)
        longest = grown
    if current:
        groups.append(current)
    return groups


def plan_epoch(
    lengths: Sequence[int],
    levels: Sequence[int],
    *,
    seed: int,
    epoch: int,
    curriculum: bool,
    packing: bool,
    row_len: int,
    token_budget: int,
) -> list[MicroBatch]:
    """One epoch's micro-batches: order → rows (packed or not) → token-budget groups of rows."""
    order = curriculum_order(levels, seed, epoch, curriculum)
    rows = pack_rows(order, lengths, min(row_len, token_budget), packing)
    row_sizes = [sum(lengths[i] for i in row) for row in rows]
    return [[rows[p] for p in group] for group in budget_batches(row_sizes, token_budget)]


def plan_steps(n_micro: int, per_step: int, max_steps: int = 0) -> list[range]:
    """Micro-batch positions of each optimizer step: `per_step` = gradient accumulation × ranks.
    The last step may be short; `max_steps` > 0 caps the count."""
    steps = [range(s, min(s + per_step, n_micro)) for s in range(0, n_micro, per_step)]
    return steps[:max_steps] if max_steps > 0 else steps


def rank_slots(step: range, rank: int, world_size: int, accumulation: int) -> list[int | None]:
    """This rank's `accumulation` micro-batch positions of a step, strided over the ranks;
    None where a short last step has none left (the rank then runs a zero-weight pass, so every
    rank makes the same collective calls under FSDP)."""
    mine = list(step)[rank::world_size]
    return mine + [None] * (accumulation - len(mine))


@dataclass(frozen=True)
class Batch:
    input_ids: torch.Tensor  # [B, T] token ids, pad id after each row's end
    labels: torch.Tensor  # [B, T] IGNORE_INDEX on prompts and padding
    position_ids: torch.Tensor  # [B, T] restart at 0 for every packed example (and for the padding)
    attention_mask: torch.Tensor | None  # [B, T] 1 = token; None when packed (see `collate`)

    def to(self, device: torch.device) -> Batch:
        mask = None if self.attention_mask is None else self.attention_mask.to(device)
        return Batch(self.input_ids.to(device), self.labels.to(device), self.position_ids.to(device), mask)

    def model_inputs(self) -> dict[str, torch.Tensor | None]:
        """Keyword arguments for a Hugging Face causal LM's forward."""
        return {
            "input_ids": self.input_ids,
            "attention_mask": self.attention_mask,
            "position_ids": self.position_ids,
            "use_cache": False,
        }


def collate(micro: MicroBatch, examples: Sequence[Encoded], pad_id: int, packed: bool) -> Batch:
    """Tensors of one micro-batch, rows right-padded to the longest.

    packed: no attention mask; position ids restart at every example (and at the padding), from
    which transformers builds a block-diagonal causal mask (eager/SDPA) or varlen spans (flash
    attention): tokens never attend across examples. Not packed: the usual padding mask.
    """
    width = max(sum(len(examples[i].input_ids) for i in row) for row in micro)
    ids = torch.full((len(micro), width), pad_id, dtype=torch.long)
    labels = torch.full((len(micro), width), IGNORE_INDEX, dtype=torch.long)
    pos = torch.zeros((len(micro), width), dtype=torch.long)
    mask = torch.zeros((len(micro), width), dtype=torch.long)
    for r, row in enumerate(micro):
        at = 0
        for i in row:
            ex = examples[i]
            n = len(ex.input_ids)
            ids[r, at : at + n] = torch.tensor(ex.input_ids)
            labels[r, at : at + n] = torch.tensor(ex.labels)
            pos[r, at : at + n] = torch.arange(n)
            at += n
        mask[r, :at] = 1
        pos[r, at:] = torch.arange(width - at)
    return Batch(ids, labels, pos, None if packed else mask)
