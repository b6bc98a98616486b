"""Device and numeric precision: bf16 autocast on GPUs that support it, fp32 on CPU.

Master weights and optimizer state stay fp32; autocast runs matmuls in bf16 (R1 trains in bf16).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Precision:
    device: torch.device  # where the model and batches live (cuda:<LOCAL_RANK> under torchrun)
    autocast_dtype: torch.dtype | None  # bf16 on GPU; None = plain fp32

    @property
    def name(self) -> str:
        return "bf16" if self.autocast_dtype == torch.bfloat16 else "fp32"


def resolve_device(setting: str = "auto") -> torch.device:
    """`auto` | `cpu` | `cuda` → a device; cuda picks this process's LOCAL_RANK GPU."""
    if setting not in ("auto", "cpu", "cuda"):
        raise ValueError(f"unknown device {setting!r}; valid: auto, cpu, cuda")
    use_cuda = setting == "cuda" or (setting == "auto" and torch.cuda.is_available())
    if not use_cuda:
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise RuntimeError("compute.device is cuda but no CUDA device is visible")
    index = int(os.environ.get("LOCAL_RANK", "0"))
    torch.cuda.set_device(index)
    return torch.device("cuda", index)


def resolve_precision(setting: str, device: torch.device) -> Precision:
    """`auto` | `bf16` | `fp32`; auto = bf16 on a GPU that supports it, else fp32."""
    if setting not in ("auto", "bf16", "fp32"):
        raise ValueError(f"unknown precision {setting!r}; valid: auto, bf16, fp32")
    on_gpu = device.type == "cuda"
    bf16_ok = on_gpu and torch.cuda.is_bf16_supported()
    if setting == "bf16" and not bf16_ok:
        raise ValueError(f"precision bf16 needs a GPU with bf16 support; this device is {device}")
    use_bf16 = setting == "bf16" or (setting == "auto" and bf16_ok)
    return Precision(device, torch.bfloat16 if use_bf16 else None)


def autocast(precision: Precision) -> contextlib.AbstractContextManager:
    """The forward pass's autocast context (a no-op in fp32)."""
    if precision.autocast_dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=precision.device.type, dtype=precision.autocast_dtype)
