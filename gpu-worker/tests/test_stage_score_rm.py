"""The score-rm stage: reward-model scores added to existing rollouts shards."""

import os

import torch
from test_rollout_stage import model_cache, rollout_spec, run_cli, write_problems  # noqa: F401

from r1worker.io.tables import read_shards, validate_rows, write_table


def test_score_rm_fills_the_scores_a_rollout_with_the_reward_model_records(model_cache, tmp_path):  # noqa: F811
    tmp = str(tmp_path)
    problems = write_problems(tmp)
    plain = rollout_spec(tmp, problems, out="plain")
    scored_inline = {**rollout_spec(tmp, problems, out="inline"), "rewardModel": "builtin:tiny"}
    assert run_cli("rollout", plain, tmp)[0] == 0 and run_cli("rollout", scored_inline, tmp)[0] == 0
    rows = read_shards(plain["output"], "rollouts").to_pylist()
    rows[0] = {**rows[0], "step_token_ends": None}  # recomputed by the stage
    shard = os.path.join(tmp, "unscored", "part-00000.arrow")
    write_table(shard, "rollouts", rows)

    spec = {
        "output": os.path.join(tmp, "rm"),
        "maxSeqLen": 64,
        "rollouts": [shard],
        "rewardModel": "builtin:tiny",
    }
    code, summary = run_cli("score-rm", spec, tmp)
    assert code == 0 and summary["rowsOut"] == len(rows) and "rm_score_mean" in summary["metrics"]
    out = read_shards(spec["output"], "rollouts").to_pylist()
    validate_rows(out, "rollouts")
    expected = read_shards(scored_inline["output"], "rollouts").to_pylist()
    assert [r["id"] for r in out] == [r["id"] for r in expected]
    for got, want in zip(out, expected, strict=True):
        assert got["step_token_ends"] == want["step_token_ends"]
        assert abs(got["rm_score"] - want["rm_score"]) < 1e-5
        torch.testing.assert_close(
            torch.tensor(got["rm_step_scores"]), torch.tensor(want["rm_step_scores"]), atol=1e-5, rtol=0
        )


def test_score_rm_missing_rollouts_exit_3(model_cache, tmp_path):  # noqa: F811
    spec = {
        "output": os.path.join(str(tmp_path), "rm"),
        "maxSeqLen": 64,
        "rewardModel": "builtin:tiny",
        "rollouts": [os.path.join(str(tmp_path), "none", "part-00000.arrow")],
    }
    assert run_cli("score-rm", spec, str(tmp_path))[0] == 3
