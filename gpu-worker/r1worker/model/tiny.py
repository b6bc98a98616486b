"""The built-in tiny causal LM: a Llama architecture small enough to train on a laptop CPU."""

from __future__ import annotations

import os
from pathlib import Path

import torch
from transformers import (
    AutoModelForCausalLM,
    GenerationConfig,
    LlamaConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from .tokenizer import save_tokenizer


def build_tiny_model(
    tokenizer: PreTrainedTokenizerBase,
    out_dir: str | os.PathLike | None = None,
    n_layer: int = 2,
    hidden: int = 64,
    heads: int = 4,
    max_pos: int = 512,
    seed: int = 0,
) -> PreTrainedModel:
    """A randomly initialised Llama causal LM sized to `tokenizer`, built from config (no download).

    Args:
        tokenizer: gives the vocabulary size and the bos/eos/pad ids.
        out_dir: when given, the model (safetensors), its generation config and the tokenizer are
            saved there, loadable by `AutoModelForCausalLM.from_pretrained(out_dir)`.
        n_layer, hidden, heads: depth, width and attention heads (hidden % heads == 0).
        max_pos: longest sequence (RoPE needs no table, but generation and packing read it).
        seed: torch seed of the initialisation; same seed, same weights.
    """
    if hidden % heads:
        raise ValueError(f"hidden={hidden} is not divisible by heads={heads}")
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        intermediate_size=4 * hidden,
        num_hidden_layers=n_layer,
        num_attention_heads=heads,
        num_key_value_heads=heads,
        max_position_embeddings=max_pos,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.generation_config = GenerationConfig(
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    if out_dir is not None:
        tokenizer.model_max_length = max_pos
        # Once a process group is up, transformers' save_pretrained writes only on global rank 0; but
        # each node of a multi-node job fills its own model cache, so whoever builds the model saves it.
        model.should_save_on_this_rank = lambda is_main_process: is_main_process
        model.save_pretrained(out_dir, safe_serialization=True)
        if not (Path(out_dir) / "config.json").is_file():
            raise RuntimeError(f"save_pretrained wrote no config.json into {out_dir}")
        save_tokenizer(tokenizer, out_dir)
    return model
