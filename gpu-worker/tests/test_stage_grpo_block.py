"""The grpo-block stage end to end through the CLI on the built-in tiny model: K iterations in one
process with the real TypeScript scorer child, each iteration's tables, resume mid-block, and the
optimizer carried from one block to the next.

Resume mid-block is tested twice: with `TrainLoop.stop_requested` patched to answer "SIGTERM
arrived" after iteration j (deterministic j), and with a real SIGTERM sent to a worker process
(j wherever the signal lands); the checkpoint and the `Preempted` exit are the stage's own.
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch
from test_rollout_stage import QUESTIONS, model_cache, run_cli  # noqa: F401
from test_train_fixtures import worker_env

from r1worker.grpo_block.refill import informative_groups
from r1worker.io.tables import read_shards, write_table
from r1worker.model import load_causal_lm
from r1worker.train import checkpoint
from r1worker.train.loop import TrainLoop

# The random tiny model never answers right; the repetition penalty gives every group spread rewards.
REWARDS = {"accuracy": 1, "format": 0, "repetition": 1, "repetitionNgram": 1, "rewardModel": 0}


def block_spec(folder, out, prompts, first=0, iterations=4, **extra):
    return {
        "output": os.path.join(folder, out),
        "maxSeqLen": 64,
        "seed": 3,
        "prompts": [[p] for p in prompts],
        "groupsPerIteration": 4,
        "firstIteration": first,
        "policy": "builtin:tiny",
        "reference": "builtin:tiny",
        "rollout": {"maxNewTokens": 10, "batchSize": 4, "temperature": 0.7},
        "rewards": REWARDS,
        "settings": {
            "learningRate": 2e-3,
            "iterations": iterations,
            "groupSize": 4,
            "klCoef": 0.04,
            "lossAgg": "token-mean",
        },
        "compute": {"checkpointEvery": 1},
        **extra,
    }


def write_batch(folder, ids, questions=QUESTIONS):
    """A curriculum batch: `problems` rows with the given ids."""
    rows = [
        {
            "id": f"arith/train/{n}",
            "source": "jsonl",
            "split": "train",
            "question": q,
            "answer": str(n % 10),
            "answer_type": "numeric",
            "choices": [],
            "level": 1,
            "reasoning": None,
            "subject": None,
        }
        for n, q in zip(ids, questions, strict=False)
    ]
    uri = os.path.join(folder, "problems", "part-00000.arrow")
    write_table(uri, "problems", rows)
    return uri


@pytest.fixture(scope="module")
def prompts(tmp_path_factory):
    """One `problems` shard per iteration, four new problems each (none dropped by an earlier one)."""
    tmp = tmp_path_factory.mktemp("block-prompts")
    return [write_batch(str(tmp / f"it{i}"), range(4 * i, 4 * i + 4)) for i in range(4)]


def weights(prefix, cache):
    return load_causal_lm(os.path.join(prefix, "model"), cache).state_dict()


def assert_same_weights(a, b):
    for key in a:
        torch.testing.assert_close(a[key], b[key], atol=1e-5, rtol=0)


def test_a_block_runs_k_iterations_and_writes_each_iterations_tables(prompts, model_cache, tmp_path):  # noqa: F811
    spec = block_spec(str(tmp_path), "block", prompts[:2], iterations=2)
    code, summary = run_cli("grpo-block", spec, str(tmp_path))
    assert code == 0
    for it in (0, 1):
        folder = os.path.join(spec["output"], f"iter-{it:04d}")
        rollouts = read_shards(os.path.join(folder, "rollouts"), "rollouts").to_pylist()
        scored = read_shards(os.path.join(folder, "scored"), "scored_rollouts").to_pylist()
        assert len(rollouts) == len(scored) == 16  # 4 new prompts × G = 4
        assert {r["policy_version"] for r in rollouts} == {it}
        assert {r["id"] for r in scored} == {r["id"] for r in rollouts}
        record = json.load(open(os.path.join(folder, "metrics.json")))
        assert record["iteration"] == it and record["score"]["groups"] == 4
        by_group = {}
        for r in scored:
            by_group.setdefault(r["group_id"], set()).add(r["correct"])
        flat = sum(len(v) == 1 for v in by_group.values())  # all right / all wrong: not trained on
        assert record["score"]["zeroVarianceGroups"] == record["droppedProblems"] == flat
        assert record["update"]["rows"] == (16 if flat == 4 else 4 * (4 - flat))
        assert record["update"]["grad_norm"] > 0
        phases = record["seconds"]
        assert set(phases) >= {"rollout_s", "score_s", "write_s", "update_s", "sync_s", "iteration_s"}
        assert abs(sum(v for k, v in phases.items() if k != "iteration_s") - phases["iteration_s"]) < 1e-6
    m = summary["metrics"]
    assert m["iterations"] == 2 and m["step"] == 2
    # HF samples from the live training module at T = 0.7; the trainer divides its logits by 0.7
    # too, so the sampler's and the trainer's log-probs of the same tokens agree.
    assert m["sampler_logprob_gap_abs"] < 1e-4
    before = load_causal_lm("builtin:tiny", model_cache).state_dict()
    after = weights(spec["output"], model_cache)
    assert any(not torch.equal(before[k], after[k]) for k in before)
    last = checkpoint.latest_checkpoint(spec["output"])
    assert checkpoint.read_state(last)["state"]["iteration"] == 2
    # The block's end checkpoint is timed as its own part, and model/ is its files (written once).
    assert m["job_checkpoint_s"] > 0 and {"job_load_s", "job_resume_s", "job_save_s"} <= set(m)
    for name in os.listdir(os.path.join(last, "model")):
        assert os.path.samefile(
            os.path.join(last, "model", name), os.path.join(spec["output"], "model", name)
        )


def test_a_block_stopped_after_iteration_j_resumes_to_the_same_weights(
    prompts,
    model_cache,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    whole = block_spec(str(tmp_path), "whole", prompts[:3], iterations=3)
    assert run_cli("grpo-block", whole, str(tmp_path))[0] == 0

    cut = block_spec(str(tmp_path), "cut", prompts[:3], iterations=3)
    # SIGTERM arrives during iteration 1: the block checkpoints at its end and stops.
    monkeypatch.setattr(TrainLoop, "stop_requested", lambda self: self.state["iteration"] == 2)
    with pytest.raises(checkpoint.Preempted):
        run_cli("grpo-block", cut, str(tmp_path))
    monkeypatch.undo()
    ckpt = checkpoint.latest_checkpoint(cut["output"])
    assert ckpt.endswith("step-00000002") and not os.path.exists(os.path.join(cut["output"], "_SUCCESS"))
    assert not os.path.exists(os.path.join(cut["output"], "iter-0002"))

    code, summary = run_cli("grpo-block", cut, str(tmp_path))
    assert code == 0 and summary["metrics"]["iterations"] == 1  # only iteration 2 ran again
    assert_same_weights(weights(whole["output"], model_cache), weights(cut["output"], model_cache))
    same = [os.path.join(s["output"], "iter-0002", "scored") for s in (whole, cut)]
    assert read_shards(same[0], "scored_rollouts").equals(read_shards(same[1], "scored_rollouts"))


def test_a_block_killed_by_sigterm_resumes_to_the_same_weights(prompts, model_cache, tmp_path):  # noqa: F811
    whole = block_spec(str(tmp_path), "whole", prompts, iterations=4)
    assert run_cli("grpo-block", whole, str(tmp_path))[0] == 0
    killed = block_spec(str(tmp_path), "killed", prompts, iterations=4)
    path = tmp_path / "killed.json"
    path.write_text(json.dumps({"runId": "test-run", "stage": "grpo-block", **killed}))
    proc = subprocess.Popen(
        [sys.executable, "-m", "r1worker", "grpo-block", "--spec", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=worker_env(model_cache),
    )
    first = os.path.join(killed["output"], "iter-0000", "metrics.json")
    deadline = time.monotonic() + 300
    while not os.path.exists(first) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == checkpoint.PREEMPTED_EXIT, err[-3000:]
    state = checkpoint.read_state(checkpoint.latest_checkpoint(killed["output"]))["state"]
    assert 1 <= state["iteration"] < 4  # stopped at the end of the iteration the signal fell in
    assert not os.path.exists(os.path.join(killed["output"], "_SUCCESS"))
    code, summary = run_cli("grpo-block", killed, str(tmp_path))
    assert code == 0 and summary["metrics"]["iterations"] == 4 - state["iteration"]
    assert_same_weights(weights(whole["output"], model_cache), weights(killed["output"], model_cache))


def test_two_blocks_end_where_one_block_of_all_iterations_does(prompts, model_cache, tmp_path):  # noqa: F811
    """AdamW's moments, the step and the schedule position carry over through previousBlock."""
    one = block_spec(str(tmp_path), "one", prompts, iterations=4)
    assert run_cli("grpo-block", one, str(tmp_path))[0] == 0
    first = block_spec(str(tmp_path), "first", prompts[:2], iterations=4)
    assert run_cli("grpo-block", first, str(tmp_path))[0] == 0
    second = block_spec(
        str(tmp_path), "second", prompts[2:], first=2, iterations=4, previousBlock=first["output"]
    )
    second["policy"] = os.path.join(first["output"], "model")
    code, summary = run_cli("grpo-block", second, str(tmp_path))
    assert code == 0 and summary["metrics"]["step"] == 4
    assert_same_weights(weights(one["output"], model_cache), weights(second["output"], model_cache))


def test_a_problem_all_wrong_earlier_in_the_block_is_not_sampled_again(model_cache, tmp_path):  # noqa: F811
    batch = write_batch(str(tmp_path / "same"), range(4))
    spec = block_spec(str(tmp_path), "again", [batch, batch], iterations=2)
    code, summary = run_cli("grpo-block", spec, str(tmp_path))
    assert code == 0
    first = json.load(open(os.path.join(spec["output"], "iter-0000", "metrics.json")))
    second = json.load(open(os.path.join(spec["output"], "iter-0001", "metrics.json")))
    assert second["rollout"]["dropped_prompts"] == first["droppedProblems"] > 0
    assert second["rollout"]["prompts"] == 4 - first["droppedProblems"]
    if second["rollout"]["prompts"] == 0:  # nothing left: the iteration makes no step, and says so
        assert summary["metrics"]["step"] == 1 and "nothing to train on" in summary["warnings"][0]


def test_a_block_whose_previous_block_has_no_checkpoint_fails(prompts, model_cache, tmp_path):  # noqa: F811
    spec = block_spec(str(tmp_path), "b", prompts[:1], first=1, previousBlock=str(tmp_path / "absent"))
    assert run_cli("grpo-block", spec, str(tmp_path))[0] != 0


def test_all_right_and_all_wrong_groups_are_dropped():
    rows = [
        {"group_id": g, "problem_id": g[0], "correct": c}
        for g, cs in (("a@v0", [True, True]), ("b@v0", [True, False]), ("c@v0", [False, False]))
        for c in cs
    ]
    kept, dropped = informative_groups(rows)
    assert [r["group_id"] for r in kept] == ["b@v0", "b@v0"] and dropped == {"a", "c"}
    flat = [r for r in rows if r["group_id"] != "b@v0"]
    kept, dropped = informative_groups(flat)
    assert kept == flat and dropped == {"a", "c"}  # nothing informative: the step keeps every row
