"""The grpo-block spec, flattened into the configs its pieces already take: one RolloutConfig per
iteration (the rollout stage's), the GrpoConfig of the update (the grpo stage's) and the scorer's
ScoreSettings, so the block and the per-iteration stages read the same settings the same way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from r1worker.io.uri import join
from r1worker.rollout.ts_scorer import ScoreSettings
from r1worker.stages.grpo import GrpoConfig
from r1worker.stages.rollout import RolloutConfig

from .refill import DynamicSampling

ITER_DIGITS = 4  # iter-NNNN/, as the run layout names loop iterations


def iteration_dir(output: str, iteration: int) -> str:
    """`<output>/iter-NNNN/`: the rollouts, scored rollouts and metrics of one RL iteration."""
    return join(output, f"iter-{iteration:0{ITER_DIGITS}d}")


@dataclass(frozen=True)
class BlockConfig:
    """What the block runs (defaults: schemas/stage-spec.ts GrpoBlockSpec and its settings)."""

    output: str  # stage prefix: iter-NNNN/, checkpoints/, model/, metrics.jsonl
    prompts: tuple[tuple[str, ...], ...]  # `problems` shards of each iteration, in order (K = len)
    first_iteration: int  # RL iteration of the block's first iteration
    previous_block: str | None  # prefix of the previous block (optimizer, RNG, step carry over)
    grpo: GrpoConfig  # the update's settings (policy, reference, optimizer, objective)
    rollout_spec: dict[str, Any]  # the rollout stage's spec, less prompts/output/policyVersion
    score: ScoreSettings  # rewards and advantage settings for the TypeScript scorer
    groups_per_iteration: int  # groups an iteration trains on: the curriculum's batch size
    dynamic: DynamicSampling  # DAPO's refill of a batch short of informative groups (off by default)
    reserve: tuple[tuple[str, ...], ...] = ()  # per iteration, `problems` shards drawn when short

    def __post_init__(self) -> None:
        if self.reserve and len(self.reserve) != len(self.prompts):
            raise ValueError(
                f"grpo-block spec: reserve has {len(self.reserve)} lists for {len(self.prompts)} "
                "iterations (prompts); give one list of `problems` shards per iteration"
            )
        if self.dynamic.enabled and not self.reserve:
            raise ValueError(
                "grpo-block spec: settings.dynamicSampling.enabled needs reserve (one list of "
                "`problems` shards per iteration, the curriculum's reserve problems)"
            )

    @property
    def iterations(self) -> int:
        return len(self.prompts)

    @property
    def reward_model(self) -> str | None:
        """The reward model checkpoint rows are scored with (rm_score, rm_step_scores), or None."""
        return self.rollout_spec["rewardModel"]

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> BlockConfig:
        s, rollout = spec["settings"], spec["rollout"]
        if spec["rewards"]["rewardModel"] > 0 and not spec.get("rewardModel"):
            raise ValueError(
                f"grpo-block spec: rewards.rewardModel is {spec['rewards']['rewardModel']} but the spec "
                "names no rewardModel checkpoint to score with; give rewardModel (the reward stage's "
                "model) or set rewards.rewardModel to 0"
            )
        grpo_spec = {
            **spec,
            "stage": "grpo",
            "scored": [],
            "iteration": spec["firstIteration"],
            "temperature": rollout["temperature"],
            "backend": rollout["backend"],
        }
        rollout_spec = {
            "runId": spec["runId"],
            "maxSeqLen": spec["maxSeqLen"],
            "seed": spec["seed"],
            "model": spec["policy"],
            "rewardModel": spec.get("rewardModel"),
            "samplesPerPrompt": s["groupSize"],
            "settings": rollout,
        }
        manifest_like = {"rewards": spec["rewards"], "stages": {"grpo": s}}
        return cls(
            output=spec["output"],
            prompts=tuple(tuple(p) for p in spec["prompts"]),
            first_iteration=spec["firstIteration"],
            previous_block=spec.get("previousBlock"),
            grpo=GrpoConfig.from_spec(grpo_spec),
            rollout_spec=rollout_spec,
            score=ScoreSettings.from_manifest(manifest_like),
            groups_per_iteration=spec["groupsPerIteration"],
            dynamic=DynamicSampling.from_settings(s["dynamicSampling"]),
            reserve=tuple(tuple(r) for r in spec.get("reserve") or ()),
        )

    def reserve_of(self, iteration: int) -> tuple[str, ...]:
        """The reserve shards of RL iteration `iteration` (none when the spec has no reserve)."""
        return self.reserve[iteration - self.first_iteration] if self.reserve else ()

    def rollout(self, iteration: int) -> RolloutConfig:
        """The rollout settings of RL iteration `iteration` (its policy version and sampling seeds)."""
        k = iteration - self.first_iteration
        return RolloutConfig.from_spec(
            {
                **self.rollout_spec,
                "prompts": list(self.prompts[k]),
                "output": join(iteration_dir(self.output, iteration), "rollouts"),
                "policyVersion": iteration,
            }
        )
