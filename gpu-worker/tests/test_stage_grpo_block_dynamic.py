"""DAPO's dynamic sampling in a real grpo-block run (CLI, tiny model, the TypeScript scorer child):
with it on, a batch that all-wrong groups leave short is refilled from the reserve to a full
batch; off, the same batch trains on the few informative groups it has.

The random tiny model never answers right, so every group would be flat: the policy here is the
tiny model after a few seconds of SFT on `\\boxed{5}` / `\\boxed{7}` half and half, which answers
either at about even odds. A problem whose answer is 5 then gives a mixed (informative) group most
of the time; one whose answer is 123 is always all wrong.

A block stopped between two refilled iterations resumes to the uninterrupted block's tables and
weights: the resumed iteration's reserve draws depend on the problems the checkpoint says were
dropped before it.
"""

import json
import os

import pytest
from test_rollout_stage import QUESTIONS, model_cache, run_cli  # noqa: F401
from test_stage_grpo_block import assert_same_weights, block_spec, weights
from test_train_fixtures import sft_spec, write_examples

from r1worker.io.tables import read_shards, write_table
from r1worker.train import checkpoint
from r1worker.train.loop import TrainLoop

G, TARGET = 4, 3  # groupsPerIteration 3: one 5-problem and two 123-problems per batch


@pytest.fixture(scope="module")
def coin_policy(model_cache, tmp_path_factory):  # noqa: F811
    """The tiny model SFT-ed to answer `\\boxed{5}` or `\\boxed{7}`, about evenly."""
    tmp = tmp_path_factory.mktemp("coin")
    rows = [
        {
            "id": f"ex-{i}",
            "problem_id": f"p-{i}",
            "source": "custom",
            "level": 1,
            "prompt": QUESTIONS[i % len(QUESTIONS)],
            "completion": f"\\boxed{{{5 if (i // len(QUESTIONS)) % 2 else 7}}}",
            "origin": "reference",
        }
        for i in range(384)
    ]
    spec = sft_spec(tmp / "sft", write_examples(tmp / "examples", rows), epochs=4, learningRate=1e-2)
    assert run_cli("sft", spec, str(tmp))[0] == 0
    return str(tmp / "sft" / "model")


def write_problems(folder, answers: dict[int, str]) -> str:
    rows = [
        {
            "id": f"coin/train/{n}",
            "source": "jsonl",
            "split": "train",
            "question": QUESTIONS[n % len(QUESTIONS)],
            "answer": answer,
            "answer_type": "numeric",
            "choices": [],
            "level": 1,
            "reasoning": None,
            "subject": None,
        }
        for n, answer in answers.items()
    ]
    uri = os.path.join(folder, "problems", "part-00000.arrow")
    write_table(uri, "problems", rows)
    return uri


@pytest.fixture(scope="module")
def curriculum(tmp_path_factory):
    """Two iterations' batches (problems 0-2, 10-12) and reserves (TARGET × 3 each, disjoint).
    Iteration 1's batch repeats problem 1 and its reserve problem 2 (all wrong in iteration 0:
    dropped), so the block skips them."""
    tmp = tmp_path_factory.mktemp("coin-curriculum")
    batches = [
        write_problems(str(tmp / "b0"), {0: "5", 1: "123", 2: "123"}),
        write_problems(str(tmp / "b1"), {10: "5", 1: "123", 11: "123"}),
    ]
    reserves = [
        write_problems(str(tmp / "r0"), {20 + k: "5" for k in range(3 * TARGET)}),
        write_problems(str(tmp / "r1"), {2: "123"} | {30 + k: "5" for k in range(3 * TARGET - 1)}),
    ]
    return batches, reserves


def dynamic_spec(folder, name, policy, curriculum, enabled: bool):
    batches, reserves = curriculum
    spec = block_spec(folder, name, batches, iterations=2, groupsPerIteration=TARGET)
    spec["policy"] = spec["reference"] = policy
    spec["reserve"] = [[r] for r in reserves]
    spec["settings"]["dynamicSampling"] = {"enabled": enabled, "maxRounds": 3}
    return spec


def run_block(folder, name, policy, curriculum, enabled: bool):
    spec = dynamic_spec(folder, name, policy, curriculum, enabled)
    code, summary = run_cli("grpo-block", spec, folder)
    assert code == 0
    return summary, iteration_tables(spec)


def iteration_tables(spec) -> list[dict]:
    """Per iteration of a finished block: its metrics.json record and its rollouts / scored rows."""
    iterations = []
    for it in (0, 1):
        folder_it = os.path.join(spec["output"], f"iter-{it:04d}")
        iterations.append(
            {
                "record": json.load(open(os.path.join(folder_it, "metrics.json"))),
                "rollouts": read_shards(os.path.join(folder_it, "rollouts"), "rollouts").to_pylist(),
                "scored": read_shards(os.path.join(folder_it, "scored"), "scored_rollouts").to_pylist(),
            }
        )
    return iterations


def groups(rows) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(r["group_id"], []).append(r)
    return out


def informative(rows) -> list[str]:
    return [g for g, rs in groups(rows).items() if len({r["correct"] for r in rs}) == 2]


def test_dynamic_sampling_fills_the_batch_that_off_leaves_short(coin_policy, curriculum, tmp_path):
    off_summary, off = run_block(str(tmp_path), "off", coin_policy, curriculum, enabled=False)
    on_summary, on = run_block(str(tmp_path), "on", coin_policy, curriculum, enabled=True)
    reserve_ids = [[p["id"] for p in read_shards([uri], "problems").to_pylist()] for uri in curriculum[1]]

    # Off: the batch alone; its two 123-groups are all wrong, so at most one group trains.
    batch_ids = [{"coin/train/0", "coin/train/1", "coin/train/2"}, {"coin/train/10", "coin/train/11"}]
    for k, it in enumerate(off):
        batch = it["record"]["batch"]
        assert batch["rounds"] == batch["reservePrompts"] == 0
        assert batch["groupsTrained"] == batch["informativeBefore"] == len(informative(it["scored"])) <= 1
        assert batch["groupsShort"] == TARGET - batch["groupsTrained"] >= 2
        assert {r["problem_id"] for r in it["rollouts"]} <= batch_ids[k]
    assert off[1]["record"]["rollout"]["dropped_prompts"] == 1  # problem 1, all wrong in iteration 0
    assert off_summary["metrics"]["groups_short"] >= 4

    # On: the same batch (same seeds), then reserve rounds until three groups are informative.
    assert on[0]["scored"][: 3 * G] == off[0]["scored"]
    for k, it in enumerate(on):
        record, batch = it["record"], it["record"]["batch"]
        assert batch["groupsTrained"] == TARGET and batch["groupsShort"] == 0
        assert batch["rounds"] >= 1 and batch["informativeAfter"] >= TARGET
        assert record["update"]["rows"] == TARGET * G  # exactly a full batch is trained on
        by_group = groups(it["scored"])
        assert all(len(rs) == G for rs in by_group.values())  # groups stay whole
        assert {r["id"] for r in it["rollouts"]} == {r["id"] for r in it["scored"]}
        assert record["score"]["groups"] == len(by_group)  # one summary over every round
        drawn = [g.split("@")[0] for g in by_group if g.split("@")[0] in reserve_ids[k]]
        assert len(drawn) == batch["reservePrompts"] == len(by_group) - (3 - k)
        expected = [p for p in reserve_ids[k] if p != "coin/train/2"][: len(drawn)]
        assert drawn == expected  # in reserve order, the dropped problem 2 skipped
        assert record["rollout"]["prompts"] == len(by_group)
    m = on_summary["metrics"]
    assert m["groups_trained"] == 2 * TARGET and m["groups_short"] == 0
    assert m["groups_trained"] > off_summary["metrics"]["groups_trained"]
    assert m["reserve_prompts"] == sum(it["record"]["batch"]["reservePrompts"] for it in on)
    assert not on_summary["warnings"]
    print(
        "\ngroups trained (2 iterations × 3): off",
        off_summary["metrics"]["groups_trained"],
        "on",
        m["groups_trained"],
        "| refill rounds",
        m["refill_rounds"],
        "reserve prompts",
        m["reserve_prompts"],
    )


def test_a_block_stopped_between_refilled_iterations_resumes_to_the_same_tables_and_weights(
    coin_policy,
    curriculum,
    model_cache,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    folder = str(tmp_path)
    whole_summary, whole = run_block(folder, "whole", coin_policy, curriculum, enabled=True)
    assert whole_summary["metrics"]["refill_rounds"] > 0
    assert whole[1]["record"]["batch"]["rounds"] > 0  # the iteration run again after the stop refills

    cut = dynamic_spec(folder, "cut", coin_policy, curriculum, enabled=True)
    # SIGTERM arrives during iteration 0: the block checkpoints at its end and stops.
    monkeypatch.setattr(TrainLoop, "stop_requested", lambda self: self.state["iteration"] == 1)
    with pytest.raises(checkpoint.Preempted):
        run_cli("grpo-block", cut, folder)
    monkeypatch.undo()
    state = checkpoint.read_state(checkpoint.latest_checkpoint(cut["output"]))["state"]
    assert state["iteration"] == 1 and {"coin/train/1", "coin/train/2"} <= set(state["dropped"])
    assert not os.path.exists(os.path.join(cut["output"], "iter-0001"))

    code, summary = run_cli("grpo-block", cut, folder)
    assert code == 0 and summary["metrics"]["iterations"] == 1  # only iteration 1 ran again
    assert summary["metrics"]["refill_rounds"] == whole[1]["record"]["batch"]["rounds"]
    resumed = iteration_tables(cut)
    for a, b in zip(whole, resumed, strict=True):
        assert informative(a["scored"])[:TARGET] == informative(b["scored"])[:TARGET]  # groups trained
        assert a["rollouts"] == b["rollouts"] and a["scored"] == b["scored"]
        assert a["record"]["batch"] == b["record"]["batch"]
        assert a["record"]["score"] == b["record"]["score"]  # one summary over the batch and its rounds
        assert a["record"]["droppedProblems"] == b["record"]["droppedProblems"]
        assert a["record"]["update"]["rows"] == b["record"]["update"]["rows"] == TARGET * G
    # The dropped problems 1 (batch) and 2 (reserve) stay unsampled after the resume too.
    assert not {"coin/train/1", "coin/train/2"} & {r["problem_id"] for r in resumed[1]["rollouts"]}
    whole_weights = weights(os.path.join(folder, "whole"), model_cache)
    assert_same_weights(whole_weights, weights(cut["output"], model_cache))
