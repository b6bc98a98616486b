"""Per-token estimators of KL(pi_theta || pi_ref) from sampled tokens (Schulman, "Approximating
KL Divergence", 2020). GRPO adds the KL to the loss rather than to the reward, using k3
(DeepSeekMath eq. 4): unbiased and always >= 0.
"""

from __future__ import annotations

import torch

from .registry import Registry

KL_PENALTIES: Registry = Registry("KL penalty")

# exp() of a log-ratio beyond this overflows float16/bfloat16 ranges long before it matters; the
# gradient of a clamped entry is 0, which only affects tokens whose policies already disagree wildly.
_MAX_LOG_RATIO = 20.0


def get_kl_penalty(name: str):
    """The estimator registered as `name` ("k1", "k2", "k3")."""
    return KL_PENALTIES.get(name)


def kl_penalty(logprobs: torch.Tensor, ref_logprobs: torch.Tensor, kind: str = "k3") -> torch.Tensor:
    """Per-token KL estimate [B, T] of the policy from the reference, by estimator `kind`."""
    return KL_PENALTIES.get(kind)(logprobs, ref_logprobs)


@KL_PENALTIES.register("k1")
def kl_k1(logprobs: torch.Tensor, ref_logprobs: torch.Tensor) -> torch.Tensor:
    """k1 = log pi(o) - log pi_ref(o): unbiased, high variance, can be negative. Shapes [B, T]."""
    return logprobs - ref_logprobs


@KL_PENALTIES.register("k2")
def kl_k2(logprobs: torch.Tensor, ref_logprobs: torch.Tensor) -> torch.Tensor:
    """k2 = 1/2 (log pi(o) - log pi_ref(o))^2: biased, low variance, >= 0. Shapes [B, T]."""
    return 0.5 * (logprobs - ref_logprobs) ** 2


@KL_PENALTIES.register("k3")
def kl_k3(logprobs: torch.Tensor, ref_logprobs: torch.Tensor) -> torch.Tensor:
    """k3 = pi_ref/pi - log(pi_ref/pi) - 1 per token (DeepSeekMath eq. 4). Shapes [B, T].

    With d = ref_logprobs - logprobs: k3 = exp(d) - d - 1 >= 0, and 0 exactly when d = 0.
    """
    d = (ref_logprobs - logprobs).clamp(-_MAX_LOG_RATIO, _MAX_LOG_RATIO)
    return torch.expm1(d) - d
