"""A grpo-block with a learned reward (CLI, tiny model, the TypeScript scorer child): the reward
model is loaded once per block and fills each round's rm_score / rm_step_scores before scoring, so
the block's tables hold what the rollout stage's reward-model scoring gives, and the scorer's total
includes rewards.rewardModel × rm_score.

The reward model is the built-in tiny model with freshly initialised heads (seed 0), as the rollout
stage's test uses: untrained, but deterministic, which is all a check of the plumbing needs.
"""

import json
import os

import pytest
import torch
from test_rollout_stage import model_cache, run_cli  # noqa: F401
from test_stage_grpo_block import REWARDS, block_spec, write_batch

from r1worker.algos.reward_losses import step_good_probability
from r1worker.grpo_block.config import BlockConfig
from r1worker.io.tables import read_shards
from r1worker.model import RewardModel, load_tokenizer, resolve_model_ref
from r1worker.rollout.scoring import score_rollouts
from r1worker.spec import parse_spec

RM_WEIGHT = 0.5


def rm_block_spec(folder, out, prompts, **extra):
    return block_spec(
        folder,
        out,
        prompts,
        iterations=len(prompts),
        rewards={**REWARDS, "rewardModel": RM_WEIGHT},
        **extra,
    )


def iteration_tables(spec, it):
    folder = os.path.join(spec["output"], f"iter-{it:04d}")
    rollouts = read_shards(os.path.join(folder, "rollouts"), "rollouts").to_pylist()
    scored = read_shards(os.path.join(folder, "scored"), "scored_rollouts").to_pylist()
    record = json.load(open(os.path.join(folder, "metrics.json")))
    return rollouts, scored, record


def test_a_block_scores_each_round_with_the_reward_model(model_cache, tmp_path):  # noqa: F811
    prompts = [write_batch(str(tmp_path / f"it{i}"), range(4 * i, 4 * i + 4)) for i in range(2)]
    spec = rm_block_spec(str(tmp_path), "block", prompts, rewardModel="builtin:tiny")
    code, summary = run_cli("grpo-block", spec, str(tmp_path))
    assert code == 0

    reference = RewardModel.from_pretrained(resolve_model_ref("builtin:tiny", model_cache)).eval()
    tokenizer = load_tokenizer("builtin:tiny", model_cache)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    budget = parse_spec({"runId": "t", "stage": "grpo-block", **spec})["rollout"]["rewardTokenBudget"]
    for it in (0, 1):
        rollouts, scored, record = iteration_tables(spec, it)
        assert len(rollouts) == len(scored) == 16
        # What the rollout stage's scoring gives for the same rows with the same model.
        expected = score_rollouts(
            reference,
            [r["prompt_token_ids"] for r in rollouts],
            [r["completion_token_ids"] for r in rollouts],
            [r["step_token_ends"] for r in rollouts],
            pad_id,
            token_budget=budget,
            max_len=spec["maxSeqLen"],
        )
        for r, (score, steps) in zip(rollouts, expected, strict=True):
            torch.testing.assert_close(r["rm_score"], score, atol=1e-5, rtol=0)
            assert len(r["rm_step_scores"]) == len(steps) == len(r["step_token_ends"])
            torch.testing.assert_close(r["rm_step_scores"], steps, atol=1e-5, rtol=0)
        # And, unpadded and one row at a time, straight from the heads.
        for r in rollouts[:4]:
            ids = torch.tensor([r["prompt_token_ids"] + r["completion_token_ids"]])
            with torch.no_grad():
                out = reference(ids)
            assert abs(out.sequence_scores.item() - r["rm_score"]) < 1e-4
            n = len(r["prompt_token_ids"])
            good = step_good_probability(out.step_logits)[0, [n + e for e in r["step_token_ends"]]]
            torch.testing.assert_close(torch.tensor(r["rm_step_scores"]), good, atol=1e-4, rtol=0)
        assert max(abs(r["rm_score"]) for r in rollouts) > 1e-3  # the weight moves the totals

        by_id = {r["id"]: r for r in rollouts}
        for s in scored:
            assert s["rm_score"] == by_id[s["id"]]["rm_score"] == s["reward_model"]
            # REWARDS weighs accuracy and repetition by 1, format 0: the rest is the reward model's.
            rule = s["reward_accuracy"] + s["reward_repetition"]
            assert abs(s["reward_total"] - (rule + RM_WEIGHT * s["rm_score"])) < 1e-5
        rm_mean = sum(r["rm_score"] for r in rollouts) / len(rollouts)
        assert abs(record["rollout"]["rm_score_mean"] - rm_mean) < 1e-5
        assert record["score"]["groups"] == 4
        phases = record["seconds"]
        assert phases["reward_model_s"] > 0
        assert abs(sum(v for k, v in phases.items() if k != "iteration_s") - phases["iteration_s"]) < 1e-6
        print(
            f"iteration {it}: reward_model_s {phases['reward_model_s']:.3f} of iteration_s "
            f"{phases['iteration_s']:.3f} (rollout_s {phases['rollout_s']:.3f}, score_s {phases['score_s']:.3f})"
        )
    assert summary["metrics"]["iterations"] == 2 and summary["metrics"]["mean_reward_model_s"] > 0


def test_a_block_without_a_reward_model_has_no_rm_columns_or_phase(model_cache, tmp_path):  # noqa: F811
    prompts = [write_batch(str(tmp_path / "it0"), range(4))]
    spec = block_spec(str(tmp_path), "plain", prompts, iterations=1)
    assert run_cli("grpo-block", spec, str(tmp_path))[0] == 0
    rollouts, scored, record = iteration_tables(spec, 0)
    assert all(r["rm_score"] is None and r["rm_step_scores"] is None for r in rollouts)
    assert all(s["reward_model"] == 0 for s in scored)
    assert "rm_score_mean" not in record["rollout"] and "reward_model_s" not in record["seconds"]


def test_a_weighed_reward_model_without_a_checkpoint_is_refused():
    spec = parse_spec(
        {"runId": "t", "stage": "grpo-block", **rm_block_spec("/tmp/unused", "block", ["/tmp/p.arrow"])}
    )
    with pytest.raises(ValueError, match=r"rewards\.rewardModel is 0\.5 .*no rewardModel checkpoint"):
        BlockConfig.from_spec(spec)
    assert BlockConfig.from_spec({**spec, "rewardModel": "builtin:tiny"}).reward_model == "builtin:tiny"
