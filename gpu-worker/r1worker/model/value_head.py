"""Reward model: a causal LM backbone with linear heads on its last hidden states.

- `score` (hidden -> 1) gives a scalar per token; the outcome reward of a sequence is the score at
  its last non-pad token (InstructGPT-style, trained with `bradley_terry_loss`).
- `step` (hidden -> step_classes) gives step logits per token; a step's logits are read at the
  step's last token (PRM800K / Math-Shepherd style, trained with `process_reward_loss`).

Saved as the backbone in Hugging Face layout (so it can also be reloaded as a plain causal LM)
plus `reward_head.safetensors` holding both heads.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import AutoModelForCausalLM, PreTrainedModel

HEAD_FILE = "reward_head.safetensors"


@dataclass(frozen=True)
class RewardOutput:
    token_scores: torch.Tensor  # [B, T] scalar score at every position
    sequence_scores: torch.Tensor  # [B] score at each row's last non-pad token
    step_logits: torch.Tensor  # [B, T, C] step-head logits at every position ([B, T] when C == 1)


def last_token_index(attention_mask: torch.Tensor) -> torch.Tensor:
    """[B] index of the last position whose mask is 1; works with left or right padding."""
    t = attention_mask.shape[-1]
    return t - 1 - attention_mask.flip(-1).long().argmax(-1)


def gather_step_scores(per_token: torch.Tensor, step_ends: list[torch.Tensor]) -> list[torch.Tensor]:
    """Read `per_token[b]` ([T] or [T, C]) at row b's step-end positions: one [S_b(, C)] per row."""
    return [per_token[b, ends.to(per_token.device).long()] for b, ends in enumerate(step_ends)]


class RewardModel(nn.Module):
    """Causal LM backbone + outcome score head + step head.

    Args:
        backbone: a Hugging Face causal LM; its base model (without the LM head) is run.
        step_classes: 3 for PRM800K ratings {-1, 0, +1}, 1 for a binary "good step" logit.
        seed: torch seed for the heads' initialisation.
    """

    def __init__(self, backbone: PreTrainedModel, step_classes: int = 3, seed: int = 0):
        super().__init__()
        if step_classes not in (1, 3):
            raise ValueError(f"step_classes must be 1 or 3, got {step_classes}")
        self.backbone = backbone
        self.step_classes = step_classes
        hidden = backbone.config.hidden_size
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            # Heads stay in float32 whatever the backbone's dtype: they are tiny and the scores'
            # differences are what the Bradley-Terry loss sees.
            self.score = nn.Linear(hidden, 1)
            self.step = nn.Linear(hidden, step_classes)
            for head in (self.score, self.step):
                nn.init.normal_(head.weight, std=1.0 / (hidden + 1) ** 0.5)
                nn.init.zeros_(head.bias)
        self.score.to(backbone.device)
        self.step.to(backbone.device)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> RewardOutput:
        """input_ids, attention_mask: [B, T] -> RewardOutput (see its fields)."""
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        hidden = self.backbone.base_model(
            input_ids=input_ids, attention_mask=attention_mask
        ).last_hidden_state
        hidden = hidden.float()
        token_scores = self.score(hidden).squeeze(-1)
        step_logits = self.step(hidden)
        if self.step_classes == 1:
            step_logits = step_logits.squeeze(-1)
        rows = torch.arange(input_ids.shape[0], device=input_ids.device)
        sequence_scores = token_scores[rows, last_token_index(attention_mask)]
        return RewardOutput(token_scores, sequence_scores, step_logits)

    def save_pretrained(self, out_dir: str | os.PathLike) -> None:
        """Backbone in Hugging Face layout + `reward_head.safetensors` into `out_dir`."""
        self.backbone.save_pretrained(out_dir, safe_serialization=True)
        heads = {f"score.{k}": v for k, v in self.score.state_dict().items()}
        heads |= {f"step.{k}": v for k, v in self.step.state_dict().items()}
        save_file(
            {k: v.detach().cpu().contiguous() for k, v in heads.items()},
            str(Path(out_dir) / HEAD_FILE),
            metadata={"step_classes": str(self.step_classes)},
        )

    @classmethod
    def from_pretrained(
        cls,
        path: str | os.PathLike,
        dtype: torch.dtype = torch.float32,
        device: str | torch.device = "cpu",
        step_classes: int = 3,
        seed: int = 0,
    ) -> RewardModel:
        """Load a saved reward model; a plain causal LM directory (e.g. the SFT checkpoint) gets
        freshly initialised heads with `step_classes` and `seed` instead."""
        backbone = AutoModelForCausalLM.from_pretrained(path, dtype=dtype).to(device)
        head_path = Path(path) / HEAD_FILE
        if not head_path.exists():
            return cls(backbone, step_classes=step_classes, seed=seed)
        with safe_open(str(head_path), framework="pt") as f:
            saved_classes = int((f.metadata() or {}).get("step_classes", step_classes))
        model = cls(backbone, step_classes=saved_classes, seed=seed)
        state = load_file(str(head_path), device=str(backbone.device))
        model.score.load_state_dict({k[6:]: v for k, v in state.items() if k.startswith("score.")})
        model.step.load_state_dict({k[5:]: v for k, v in state.items() if k.startswith("step.")})
        return model
