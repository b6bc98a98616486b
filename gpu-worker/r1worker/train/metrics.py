"""Model-FLOPs utilisation (MFU) of a training step's tokens/s.

MFU follows Kaplan et al. 2020 / PaLM appendix B: a training token costs 6·N FLOPs (forward 2N,
backward 4N) for N parameters, attention FLOPs ignored.
"""

from __future__ import annotations

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
