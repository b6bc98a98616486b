"""Savers: `save(full_state_dict, local_dir)` functions that write a trained model in the layout its
loader reads, for checkpoints and the final `model/` (see `r1worker.train.checkpoint`)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from transformers import AutoModelForCausalLM

from .value_head import RewardModel

Saver = Callable[[dict[str, torch.Tensor], str], None]


def causal_lm_saver(model, tokenizer) -> Saver:
    """HF layout + tokenizer. Tied copies (lm_head = embeddings) are dropped: gathered from FSDP
    shards they no longer share storage, and HF ties them on load."""
    tied = getattr(model, "all_tied_weights_keys", None) or {}

    def save(state: dict[str, torch.Tensor], local_dir: str) -> None:
        model.save_pretrained(
            local_dir, state_dict={k: v for k, v in state.items() if k not in tied}, safe_serialization=True
        )
        tokenizer.save_pretrained(local_dir)

    return save


def reward_model_saver(model: RewardModel, tokenizer, distributed: bool) -> Saver:
    """`RewardModel.save_pretrained` + tokenizer. Under FSDP the wrapped model holds shards, so an
    unsharded copy is rebuilt from the gathered state dict and saved instead."""
    config = model.backbone.config  # read before FSDP wraps the model

    def save(state: dict[str, torch.Tensor], local_dir: str) -> None:
        target = model
        if distributed:
            target = RewardModel(AutoModelForCausalLM.from_config(config), step_classes=model.step_classes)
            target.load_state_dict(state)
        target.save_pretrained(local_dir)
        tokenizer.save_pretrained(local_dir)

    return save
