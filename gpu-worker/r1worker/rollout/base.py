"""What every generation backend takes and returns: one interface for transformers and vLLM."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from torch import nn

    from .weights import SyncReport

FINISH_REASONS = ("stop", "length")  # the `finish_reason` values of the rollouts table


@dataclass(frozen=True)
class SamplingParams:
    """How to sample completions (the rollout stage's `RolloutSettings`, resolved per batch)."""

    n: int  # G, completions per prompt (R1: 16, DeepSeekMath: 64)
    temperature: float  # 1.0 in R1's RL; 0 = greedy (log-probs then come from the raw logits)
    top_p: float  # nucleus mass kept, 1.0 = off (R1 samples with top_p 1 during RL)
    max_new_tokens: int  # completion budget; hitting it gives finish_reason "length"
    stop: tuple[str, ...] = ()  # strings that end a completion (the text keeps them), besides EOS
    seed: int = 0  # sampling seed: same seed, same prompts, same completions (on CPU)

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"n must be >= 1, got {self.n}")
        if not 0 <= self.temperature <= 2:
            raise ValueError(f"temperature must be in [0, 2], got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {self.max_new_tokens}")


@dataclass(frozen=True)
class Completion:
    """One sampled completion."""

    token_ids: list[int]  # sampled tokens, EOS included when it was sampled
    logprobs: list[float]  # log-prob of each sampled token under the distribution it was drawn from
    finish_reason: str  # "stop" (EOS or a stop string) | "length" (max_new_tokens reached)


class Backend(Protocol):
    """A generation engine that stays up for a whole GRPO block.

    `generate` returns, per prompt, its `params.n` completions in order. Between the rollout and
    the update phases the loop calls `sleep()` (a colocated engine gives its GPU memory back to
    training), and after each update `sync_weights(model)`: the next `generate` samples from the
    model's current weights, handed over in memory (never through disk or S3).
    """

    name: str

    def generate(
        self, prompts: Sequence[Sequence[int]], params: SamplingParams
    ) -> list[list[Completion]]: ...

    def sleep(self) -> None: ...

    def sync_weights(self, model: nn.Module) -> SyncReport: ...
