"""Worker stages: `r1worker.stages.<stage>.run(spec) -> summary`, dispatched by `r1worker.cli`.

Helpers every training stage shares live here: where models are cached, and the start-up of
device, precision and process group from the spec's `compute` settings.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from r1worker.train.distributed import DistEnv, init_distributed
from r1worker.train.precision import Precision, resolve_device, resolve_precision


def cache_dir() -> str:
    """Local directory for downloaded / built models: $R1WORKER_CACHE, else ~/.cache/r1worker."""
    return os.environ.get("R1WORKER_CACHE") or str(Path.home() / ".cache" / "r1worker")


def load_policy(device: torch.device):
    """`load(ref)`: a causal LM to train, on `device`, without the generation KV cache."""

    def load(ref: str):
        from r1worker.model import load_causal_lm

        model = load_causal_lm(ref, cache_dir(), device=device)
        model.config.use_cache = False
        return model

    return load


@dataclass(frozen=True)
class Runtime:
    env: DistEnv  # rank and world size (one process unless under torchrun)
    precision: Precision  # device and autocast dtype


def start_runtime(spec: dict[str, Any]) -> Runtime:
    """Device, precision and process group from `spec["compute"]`; seeds every RNG with spec.seed.

    All ranks share the seed (they must build identical models before FSDP shards them).
    """
    compute = spec["compute"]
    device = resolve_device(compute["device"])
    precision = resolve_precision(compute["precision"], device)
    env = init_distributed(device)
    random.seed(spec["seed"])
    torch.manual_seed(spec["seed"])
    return Runtime(env, precision)
