"""Models of the worker: the built-in tiny model and tokenizer, loading by reference, reward model."""

from .corpus import arithmetic_corpus
from .load import freeze, load_causal_lm, load_tokenizer, resolve_model_ref
from .tiny import build_tiny_model
from .tokenizer import build_tokenizer
from .value_head import RewardModel, RewardOutput

__all__ = [
    "RewardModel",
    "RewardOutput",
    "arithmetic_corpus",
    "build_tiny_model",
    "build_tokenizer",
    "freeze",
    "load_causal_lm",
    "load_tokenizer",
    "resolve_model_ref",
]
