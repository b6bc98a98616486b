"""Rollouts: sampling G completions per prompt with their log-probs, behind one backend interface.

- `hf.HFBackend`: transformers `generate` (CPU, the tested path; GPU without vLLM).
- `vllm_backend.VLLMBackend`: vLLM on GPU; `vllm` is imported only when that backend is built.
- `get_backend("auto" | "hf" | "vllm")`: auto = vllm when CUDA is present and vllm is installed.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

import torch

from .base import FINISH_REASONS, Backend, Completion, SamplingParams
from .sequences import SequenceBatch, pack_sequences, token_budget_batches
from .steps import split_steps, step_spans

BACKENDS = ("auto", "hf", "vllm")

__all__ = [
    "BACKENDS",
    "FINISH_REASONS",
    "Backend",
    "Completion",
    "SamplingParams",
    "SequenceBatch",
    "get_backend",
    "pack_sequences",
    "resolve_backend",
    "split_steps",
    "step_spans",
    "token_budget_batches",
    "vllm_available",
]


def vllm_available() -> bool:
    """Whether `vllm` could be imported, without importing it."""
    return importlib.util.find_spec("vllm") is not None


def resolve_backend(name: str, cuda: bool | None = None, has_vllm: bool | None = None) -> str:
    """ "hf" or "vllm" for a `RolloutSettings.backend` value; auto = vllm on CUDA when installed."""
    if name not in BACKENDS:
        raise ValueError(f"unknown rollout backend {name!r}; valid: {', '.join(BACKENDS)}")
    if name != "auto":
        return name
    cuda = torch.cuda.is_available() if cuda is None else cuda
    has_vllm = vllm_available() if has_vllm is None else has_vllm
    return "vllm" if cuda and has_vllm else "hf"


def get_backend(name: str, cuda: bool | None = None, has_vllm: bool | None = None) -> Callable[..., Backend]:
    """The backend class for `name` (resolving auto): `HFBackend(model, tokenizer)` or
    `VLLMBackend(model_path, tensor_parallel=…, …)`. Asking for vllm where it is not installed is an
    error that says so."""
    resolved = resolve_backend(name, cuda, has_vllm)
    if resolved == "vllm":
        if not (vllm_available() if has_vllm is None else has_vllm):
            raise RuntimeError(
                "rollout backend vllm was asked for but vllm is not installed (pip install vllm)"
            )
        from .vllm_backend import VLLMBackend

        return VLLMBackend
    from .hf import HFBackend

    return HFBackend
