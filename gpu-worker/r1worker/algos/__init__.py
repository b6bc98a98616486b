"""Pure tensor algorithms of the worker: advantages, policy / reward / SFT losses, KL, entropy."""

from .advantages import ADVANTAGE_ESTIMATORS, get_advantage_estimator, grpo_outcome, grpo_process
from .aggregation import LOSS_AGG_MODES, aggregate_loss, masked_mean
from .importance import IS_CORRECTIONS, get_is_correction, logprob_gap, truncated_is_weights
from .kl import KL_PENALTIES, get_kl_penalty, kl_k1, kl_k2, kl_k3, kl_penalty
from .logits import entropy_from_logits, tempered, token_logprobs
from .policy_loss import POLICY_LOSSES, get_policy_loss, grpo_clip, grpo_objective, register_policy_loss
from .reward_losses import bradley_terry_loss, process_reward_loss, step_good_probability
from .sft_loss import IGNORE_INDEX, sft_loss

__all__ = [
    "ADVANTAGE_ESTIMATORS",
    "IS_CORRECTIONS",
    "IGNORE_INDEX",
    "KL_PENALTIES",
    "LOSS_AGG_MODES",
    "POLICY_LOSSES",
    "aggregate_loss",
    "bradley_terry_loss",
    "entropy_from_logits",
    "get_advantage_estimator",
    "get_is_correction",
    "get_kl_penalty",
    "get_policy_loss",
    "grpo_clip",
    "grpo_objective",
    "grpo_outcome",
    "grpo_process",
    "kl_k1",
    "kl_k2",
    "kl_k3",
    "kl_penalty",
    "logprob_gap",
    "masked_mean",
    "process_reward_loss",
    "register_policy_loss",
    "sft_loss",
    "step_good_probability",
    "tempered",
    "token_logprobs",
    "truncated_is_weights",
]
