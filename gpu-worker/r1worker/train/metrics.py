"""Throughput figures: tokens/s between logs and model-FLOPs utilisation (MFU).

MFU follows Kaplan et al. 2020 / PaLM appendix B: a training token costs 6·N FLOPs (forward 2N,
backward 4N) for N parameters, attention FLOPs ignored.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch

# Dense bf16 peak FLOP/s (no sparsity) of GPUs the worker targets; used for MFU only.
PEAK_BF16_FLOPS = {"H100": 989e12, "H200": 989e12, "A100": 312e12, "L40S": 362e12, "A10G": 125e12}


def count_parameters(model: torch.nn.Module) -> int:
    """Parameters of `model` (the full count, also under FSDP where each rank holds a shard)."""
    return sum(p.numel() for p in model.parameters())  # a DTensor's numel() is the global one


def training_flops_per_token(n_params: int) -> float:
    """6·N FLOPs per trained token."""
    return 6.0 * n_params


def peak_flops(device: torch.device) -> float | None:
    """The bf16 peak of this GPU when known, else None (CPU, unknown GPU)."""
    if device.type != "cuda":
        return None
    name = torch.cuda.get_device_name(device)
    return next((v for k, v in PEAK_BF16_FLOPS.items() if k in name), None)


def mfu(tokens_per_s: float, n_params: int, peak: float | None, world_size: int = 1) -> float | None:
    """Achieved / peak FLOP/s over all `world_size` devices; None when the peak is unknown."""
    if not peak:
        return None
    return tokens_per_s * training_flops_per_token(n_params) / (peak * world_size)


class Throughput:
    """Counts tokens between `tick()` calls and reports tokens/s since the previous tick.

    meter = Throughput()
    meter.add(tokens)          # each micro-batch
    tok_s = meter.tick()       # at each log line
    """

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        self._since = clock()
        self._tokens = 0
        self.total_tokens = 0
        self.total_seconds = 0.0

    def add(self, tokens: int) -> None:
        self._tokens += tokens
        self.total_tokens += tokens

    def tick(self) -> float:
        now = self._clock()
        elapsed = max(now - self._since, 1e-9)
        rate = self._tokens / elapsed
        self.total_seconds += elapsed
        self._since, self._tokens = now, 0
        return rate

    @property
    def mean_tokens_per_s(self) -> float:
        return self.total_tokens / self.total_seconds if self.total_seconds else 0.0
