"""Splitting a completion into reasoning steps, for process rewards (PRM800K / Math-Shepherd).

A step is one non-blank line of the `<think>…</think>` block; the text after `</think>` (the final
answer) is one more step. Without a `<think>` block every non-blank line is a step. A step ends at
the token holding its newline (or the block's closing tag); `step_token_ends` are those token
indices within the completion (0-based, inclusive), the positions where a process reward model
reads its step scores (`RewardModel.step_logits`) and where `grpo_process` places step rewards.
"""

from __future__ import annotations

from collections.abc import Sequence

from transformers import PreTrainedTokenizerBase

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"


def _token_char_ends(token_ids: Sequence[int], tokenizer: PreTrainedTokenizerBase) -> tuple[str, list[int]]:
    """The completion text as the concatenation of its tokens' pieces, and each token's end offset.

    Pieces are decoded one token at a time (one batched call), so a character split over byte
    tokens shows as replacement characters; the ASCII newlines and tags this module looks for never do.
    """
    pieces = tokenizer.batch_decode([[t] for t in token_ids], skip_special_tokens=True)
    ends, total = [], 0
    for piece in pieces:
        total += len(piece)
        ends.append(total)
    return "".join(pieces), ends


def _token_at(char_index: int, char_ends: list[int]) -> int:
    """Index of the token whose text covers character `char_index`."""
    lo, hi = 0, len(char_ends) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if char_ends[mid] > char_index:
            hi = mid
        else:
            lo = mid + 1
    return lo


def _line_spans(text: str, start: int, end: int, tail: int) -> list[tuple[int, int]]:
    """Non-blank lines of text[start:end], each span ending after its newline; the last line's
    span runs to `tail` (>= end: it takes the closing tag)."""
    spans, pos = [], start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = tail if nl < 0 else nl + 1
        if text[pos : min(stop, end)].strip():
            spans.append((pos, stop))
        pos = end if nl < 0 else nl + 1
    return spans


def step_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the steps of `text`, `end` exclusive.

    >>> step_spans("<think>a\\nb</think> 7")
    [(7, 9), (9, 18), (18, 20)]
    """
    open_at = text.find(THINK_OPEN)
    if open_at < 0:
        return _line_spans(text, 0, len(text), len(text))
    body = open_at + len(THINK_OPEN)
    close_at = text.find(THINK_CLOSE, body)
    if close_at < 0:  # unfinished reasoning (truncated): its lines are the steps
        return _line_spans(text, body, len(text), len(text))
    think_end = close_at + len(THINK_CLOSE)
    spans = _line_spans(text, body, close_at, think_end)
    if text[think_end:].strip():
        spans.append((think_end, len(text)))
    return spans


def split_steps(token_ids: Sequence[int], tokenizer: PreTrainedTokenizerBase) -> list[int]:
    """`step_token_ends` of a completion: for each step, the index of its last token.

    Trailing special tokens (EOS) are not part of the last step. An empty completion has no steps.
    """
    if not token_ids:
        return []
    text, char_ends = _token_char_ends(token_ids, tokenizer)
    ends: list[int] = []
    for _, end in step_spans(text):
        token = _token_at(end - 1, char_ends)
        if not ends or token > ends[-1]:
            ends.append(token)
    return ends
