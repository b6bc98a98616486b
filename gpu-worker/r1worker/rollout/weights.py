"""The training model's weights as the rollout engine loads them: (name, tensor) pairs under the
Hugging Face checkpoint names, in memory, one tensor at a time (never a second full copy).

A tied parameter (Llama/Qwen's `lm_head.weight` = `model.embed_tokens.weight` when
`tie_word_embeddings`) is sent once, under its first name, as `save_pretrained` writes it: vLLM
ties the head itself. Sharded parameters (FSDP2 DTensors) are gathered one at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import nn

COMPILE_PREFIX = "_orig_mod."  # torch.compile's wrapper adds it; checkpoint names have none


@dataclass(frozen=True)
class SyncReport:
    """What one weight sync moved."""

    tensors: int  # tensors handed to the engine (0: the engine samples from the live model)
    bytes: int  # their size in the training dtype
    seconds: float  # wall time of the sync, wake-up and cache reset included


def unwrap(model: nn.Module) -> nn.Module:
    """The module under a torch.compile wrapper (its state names have no `_orig_mod.`)."""
    return getattr(model, "_orig_mod", model)


def named_weights(model: nn.Module) -> Iterator[tuple[str, torch.Tensor]]:
    """(checkpoint name, tensor) of every distinct parameter, detached, no copy unless sharded.

    Persistent buffers are included (a checkpoint holds them); non-persistent ones (RoPE's
    `inv_freq`) are not, as `state_dict` leaves them out.
    """
    model = unwrap(model)
    seen: set[int] = set()
    for name, tensor in model.state_dict(keep_vars=True).items():
        key = id(tensor)
        if key in seen:  # a tied alias of a tensor already sent
            continue
        seen.add(key)
        data = tensor.detach()
        full = getattr(data, "full_tensor", None)  # DTensor (FSDP2): gather this one tensor
        yield name.removeprefix(COMPILE_PREFIX), full() if callable(full) else data


def weights_bytes(model: nn.Module) -> int:
    """Bytes `named_weights` yields, without gathering anything."""
    model = unwrap(model)
    seen: set[int] = set()
    total = 0
    for tensor in model.state_dict(keep_vars=True).values():
        if id(tensor) not in seen:
            seen.add(id(tensor))
            total += tensor.numel() * tensor.element_size()
    return total
