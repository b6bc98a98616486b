"""The rollout stage end to end through the CLI, on the built-in tiny model."""

import json
import os

import pyarrow as pa
import pytest
import torch

from r1worker.algos import token_logprobs
from r1worker.cli import main
from r1worker.io.tables import read_shards, validate_rows, write_table
from r1worker.model import RewardModel, load_causal_lm, resolve_model_ref

QUESTIONS = ["Compute 2 + 3.", "What is 7 * 6?", "Evaluate (9 - 4) * 2.", "Solve 12 / 4 + 1."]


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory):
    """One model cache for every stage test (the built-in tiny model is built there once)."""
    path = str(tmp_path_factory.mktemp("model-cache"))
    saved = os.environ.get("R1WORKER_CACHE")
    os.environ["R1WORKER_CACHE"] = path
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matmuls: one thread is fastest and never spins on a busy runner
    yield path
    torch.set_num_threads(threads)
    if saved is None:
        os.environ.pop("R1WORKER_CACHE", None)
    else:
        os.environ["R1WORKER_CACHE"] = saved


def write_problems(path, questions=QUESTIONS):
    rows = [
        {
            "id": f"arith/train/{i}",
            "source": "jsonl",
            "split": "train",
            "question": q,
            "answer": str(i),
            "answer_type": "numeric",
            "choices": [],
            "level": 1 + i % 5,
            "reasoning": None,
            "subject": None,
        }
        for i, q in enumerate(questions)
    ]
    uri = os.path.join(path, "problems", "part-00000.arrow")
    write_table(uri, "problems", rows)
    return uri


def run_cli(stage, spec, folder):
    """Write the spec, run `python -m r1worker <stage>` in-process; (exit code, metrics.json or None)."""
    uri = os.path.join(folder, f"{stage}-spec.json")
    with open(uri, "w") as f:
        json.dump({"runId": "test-run", "stage": stage, **spec}, f)
    code = main([stage, "--spec", uri])
    summary = os.path.join(spec["output"], "metrics.json")
    return code, (json.load(open(summary)) if code == 0 else None)


def rollout_spec(tmp, problems, out="rollouts", **settings):
    return {
        "output": os.path.join(tmp, out),
        "maxSeqLen": 64,
        "prompts": [problems],
        "model": "builtin:tiny",
        "samplesPerPrompt": 4,
        "policyVersion": 2,
        "seed": 5,
        "settings": {"maxNewTokens": 12, "batchSize": 3, **settings},
    }


def test_rollout_stage_writes_valid_groups_with_matching_logprobs(model_cache, tmp_path):
    problems = write_problems(str(tmp_path))
    code, summary = run_cli("rollout", rollout_spec(str(tmp_path), problems, temperature=0.7), str(tmp_path))
    assert code == 0
    out = os.path.join(str(tmp_path), "rollouts")
    assert os.path.exists(os.path.join(out, "_SUCCESS")) and summary["outputs"]["rollouts"]
    table = read_shards(out, "rollouts")  # checks the declared Arrow schema
    rows = table.to_pylist()
    validate_rows(rows, "rollouts")  # and every row against the JSON Schema
    assert table.schema.field("logprobs").type == pa.list_(pa.float32())
    assert len(rows) == 4 * 4 and summary["rowsOut"] == 16
    for i, q in enumerate(QUESTIONS):
        group = [r for r in rows if r["problem_id"] == f"arith/train/{i}"]
        assert [r["sample_index"] for r in group] == [0, 1, 2, 3]
        assert {r["group_id"] for r in group} == {f"arith/train/{i}@v2"}
        assert [r["id"] for r in group] == [f"arith/train/{i}@v2/{k}" for k in range(4)]
        assert all(
            r["policy_version"] == 2 and r["level"] == 1 + i % 5 and r["answer"] == str(i) for r in group
        )
        assert group[0]["prompt"] == q
    m = summary["metrics"]
    assert {"tokens_per_s", "mean_completion_len", "truncated_share"} <= set(m)
    assert m["truncated_share"] == sum(r["finish_reason"] == "length" for r in rows) / 16
    assert all(r["rm_score"] is None and r["step_token_ends"] is not None for r in rows)

    model = load_causal_lm("builtin:tiny", model_cache)
    for r in rows[:6]:
        ids = torch.tensor([r["prompt_token_ids"] + r["completion_token_ids"]])
        n = len(r["prompt_token_ids"])
        with torch.no_grad():
            logits = model(ids).logits[:, n - 1 : -1] / 0.7
        expected = token_logprobs(logits, ids[:, n:])[0]
        torch.testing.assert_close(torch.tensor(r["logprobs"]), expected, atol=1e-4, rtol=0)
        assert len(r["completion_token_ids"]) == 12 or r["finish_reason"] == "stop"


def test_rollout_is_deterministic_and_scores_with_a_reward_model(model_cache, tmp_path):
    problems = write_problems(str(tmp_path), QUESTIONS[:2])
    a = rollout_spec(str(tmp_path), problems, out="a")
    b = {**rollout_spec(str(tmp_path), problems, out="b"), "rewardModel": "builtin:tiny"}
    assert run_cli("rollout", a, str(tmp_path))[0] == 0
    code, summary = run_cli("rollout", b, str(tmp_path))
    assert code == 0 and "rm_score_mean" in summary["metrics"]
    rows_a = read_shards(a["output"], "rollouts").to_pylist()
    rows_b = read_shards(b["output"], "rollouts").to_pylist()
    strip = ("rm_score", "rm_step_scores")
    assert [{k: v for k, v in r.items() if k not in strip} for r in rows_a] == [
        {k: v for k, v in r.items() if k not in strip} for r in rows_b
    ]
    rm = RewardModel.from_pretrained(resolve_model_ref("builtin:tiny", model_cache)).eval()
    for r in rows_b:
        assert len(r["rm_step_scores"]) == len(r["step_token_ends"])
        assert all(0.0 <= s <= 1.0 for s in r["rm_step_scores"])
        ids = torch.tensor([r["prompt_token_ids"] + r["completion_token_ids"]])
        with torch.no_grad():
            assert abs(rm(ids).sequence_scores.item() - r["rm_score"]) < 1e-4


def test_missing_problems_exit_3(model_cache, tmp_path):
    spec = rollout_spec(str(tmp_path), os.path.join(str(tmp_path), "nowhere", "part-00000.arrow"))
    assert run_cli("rollout", spec, str(tmp_path))[0] == 3
    assert not os.path.exists(os.path.join(spec["output"], "_SUCCESS"))
