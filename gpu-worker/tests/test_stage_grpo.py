"""The grpo stage end to end through the CLI: a rollout on the tiny model, hand-made advantages."""

import os

import pytest
import torch
from test_rollout_stage import model_cache, rollout_spec, run_cli, write_problems  # noqa: F401

from r1worker.io.tables import read_shards, write_table
from r1worker.model import load_causal_lm
from r1worker.rollout import pack_sequences


@pytest.fixture(scope="module")
def rollouts(model_cache, tmp_path_factory):  # noqa: F811
    """Rollout rows of the tiny model: 4 problems × 4 samples."""
    tmp = str(tmp_path_factory.mktemp("grpo-rollouts"))
    spec = rollout_spec(tmp, write_problems(tmp))
    assert run_cli("rollout", spec, tmp)[0] == 0
    return read_shards(spec["output"], "rollouts").to_pylist()


def scored(rows, folder, process=False):
    """scored_rollouts by hand: even samples advantage +1 (correct), odd −1."""
    out = []
    for r in rows:
        sign = 1.0 if r["sample_index"] % 2 == 0 else -1.0
        n = len(r["completion_token_ids"])
        out.append(
            {
                **r,
                "extracted_answer": None,
                "correct": sign > 0,
                "reward_accuracy": max(sign, 0.0),
                "reward_format": 0.0,
                "reward_language": 1.0,
                "reward_length": 0.0,
                "reward_repetition": 0.0,
                "reward_model": 0.0,
                "reward_total": max(sign, 0.0),
                "step_rewards": [],
                "advantage": sign,
                # process: the same sign, fading over the completion
                "token_advantages": [sign * (1.0 - t / (2 * n)) for t in range(n)] if process else None,
            }
        )
    uri = os.path.join(folder, "scored", "part-00000.arrow")
    write_table(uri, "scored_rollouts", out)
    return uri


def grpo_spec(folder, scored_uri, out="grpo", **settings):
    return {
        "output": os.path.join(folder, out),
        "maxSeqLen": 64,
        "scored": [scored_uri],
        "policy": "builtin:tiny",
        "reference": "builtin:tiny",
        "iteration": 0,
        "settings": {"learningRate": 2e-3, "iterations": 1, "groupSize": 4, **settings},
    }


def sequence_logprobs(model_ref, rows, cache):
    """Sum of completion-token log-probs of each row under the model at `model_ref`."""
    model = load_causal_lm(model_ref, cache).eval()
    batch = pack_sequences(
        [r["prompt_token_ids"] for r in rows], [r["completion_token_ids"] for r in rows], 2
    )
    with torch.no_grad():
        logits = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask).logits[:, :-1]
    lp = torch.log_softmax(logits, -1).gather(-1, batch.targets.unsqueeze(-1)).squeeze(-1)
    return (lp * batch.completion_mask).sum(-1)


def test_a_grpo_step_raises_positive_and_lowers_negative_completions(rollouts, model_cache, tmp_path):  # noqa: F811
    spec = grpo_spec(str(tmp_path), scored(rollouts, str(tmp_path)))
    code, summary = run_cli("grpo", spec, str(tmp_path))
    assert code == 0
    model_dir = os.path.join(spec["output"], "model")
    assert os.path.exists(os.path.join(model_dir, "model.safetensors"))
    assert os.path.exists(os.path.join(model_dir, "tokenizer.json"))
    before = sequence_logprobs("builtin:tiny", rollouts, model_cache)
    after = sequence_logprobs(model_dir, rollouts, model_cache)
    positive = torch.tensor([r["sample_index"] % 2 == 0 for r in rollouts])
    delta = after - before
    assert delta[positive].mean() > 0 > delta[~positive].mean()
    m = summary["metrics"]
    assert abs(m["kl_first"]) < 1e-7  # policy == reference on the first step
    assert m["accuracy"] == 0.5 and m["reward_mean"] == 0.5 and m["reward_std"] == 0.5
    assert m["clip_fraction"] == 0.0 and abs(m["ratio_mean"] - 1.0) < 1e-6  # μ = 1: on-policy
    assert {"loss", "pg_loss", "kl", "entropy", "grad_norm", "tokens_per_s", "sampler_logprob_gap"} <= set(m)
    assert abs(m["sampler_logprob_gap"]) < 1e-4  # the rollout came from this very policy at temperature 1
    # the reference forward and the step, not the loads: inside the job's own duration
    assert 0 < m["update_seconds"] < summary["durationS"]


def test_micro_batch_split_does_not_change_the_update(rollouts, model_cache, tmp_path):  # noqa: F811
    uri = scored(rollouts, str(tmp_path))
    weights, metrics = [], []
    for name, budget in (("one", 4096), ("many", 64)):
        spec = grpo_spec(
            str(tmp_path),
            uri,
            out=name,
            tokenBudget=budget,
            lossAgg="token-mean",
            klCoef=0.04,
            entropyCoef=0.01,
        )
        code, summary = run_cli("grpo", spec, str(tmp_path))
        assert code == 0
        metrics.append(summary["metrics"])
        weights.append(load_causal_lm(os.path.join(spec["output"], "model"), model_cache).state_dict())
    # Adam is blind to a gradient's scale; the gradient norm and the loss are not.
    for key in ("grad_norm", "loss", "entropy"):
        assert metrics[0][key] == pytest.approx(metrics[1][key], rel=1e-5)
    # Adam's first step is lr × sign-like where gradients are ~0: allow float noise of 1% of a step.
    for key in weights[0]:
        torch.testing.assert_close(weights[0][key], weights[1][key], atol=2e-5, rtol=0)


@pytest.mark.parametrize(
    "settings",
    [
        {"advantage": "process", "lossAgg": "seq-mean-token-sum-norm"},
        {"innerEpochs": 2, "clipEpsHigh": 0.28, "lossAgg": "token-mean"},
    ],
)
def test_process_advantages_and_inner_epochs(rollouts, model_cache, tmp_path, settings):  # noqa: F811
    spec = grpo_spec(str(tmp_path), scored(rollouts, str(tmp_path), process=True), **settings)
    code, summary = run_cli("grpo", spec, str(tmp_path))
    assert code == 0 and summary["warnings"] == []
    m = summary["metrics"]
    assert m["steps"] == settings.get("innerEpochs", 1)
    if m["steps"] == 2:  # the second epoch sees a moved policy against the first epoch's π_old
        assert m["ratio_mean"] != 1.0 and m["kl"] > 0
    assert all(v == v for v in m.values())  # no NaN


def test_missing_scored_rollouts_exit_3(model_cache, tmp_path):  # noqa: F811
    spec = grpo_spec(str(tmp_path), os.path.join(str(tmp_path), "absent", "part-00000.arrow"))
    assert run_cli("grpo", spec, str(tmp_path))[0] == 3


def test_a_resumed_update_ends_where_an_uninterrupted_one_does(rollouts, model_cache, tmp_path):  # noqa: F811
    """μ = 2 with a checkpoint after step 1; a rerun that finds it resumes at step 2."""
    spec = grpo_spec(str(tmp_path), scored(rollouts, str(tmp_path)), innerEpochs=2)
    spec["compute"] = {"checkpointEvery": 1}
    assert run_cli("grpo", spec, str(tmp_path))[0] == 0
    whole = load_causal_lm(os.path.join(spec["output"], "model"), model_cache).state_dict()
    assert os.path.exists(os.path.join(spec["output"], "checkpoints", "step-00000001", "_COMPLETE"))
    os.remove(os.path.join(spec["output"], "_SUCCESS"))  # as if the job had died during step 2
    code, summary = run_cli("grpo", spec, str(tmp_path))
    assert code == 0 and summary["metrics"]["steps"] == 1  # only step 2 ran
    resumed = load_causal_lm(os.path.join(spec["output"], "model"), model_cache).state_dict()
    for key in whole:
        torch.testing.assert_close(whole[key], resumed[key], atol=1e-6, rtol=0)
