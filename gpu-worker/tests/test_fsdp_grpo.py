"""Two CPU processes under torchrun (gloo, FSDP2 `fully_shard`) make the same GRPO update as one
process, on the tiny model and a hand-built `scored_rollouts` table.

The grpo stage plans its token-budget micro-batches over all rows and deals them to the ranks
round-robin; every micro-batch's loss is weighted by its share of the whole batch (over all ranks)
and all micro-batches of an epoch make ONE optimizer step, so the gradient is the same sum in both
runs, only added up in a different order (local accumulation vs gloo reduce-scatter). The table is
chosen so that the plan has an odd number of micro-batches: rank 1 then runs a zero-weight pass,
which must not change the result. μ = 2 epochs (the second one off-policy, ratio ≠ 1), β > 0 (the
frozen reference is sharded too) and an entropy bonus exercise every term of the objective.

Tolerance: per-epoch losses, KL, entropy and gradient norms to 1e-5 relative (float32 sums of
~10² terms in another order; measured ≤ 6e-7); parameters after 2 AdamW steps to 4e-5 absolute,
i.e. 1% of one step's size (lr = 2e-3), the bound of the grpo stage's micro-batch split test.
Adam divides by √v, so where a gradient entry is ~0 its update is ≈ lr × sign(g) and a rounding
difference of ~1e-9 can rescale it; measured differences are ~4e-6.
"""

import json
import os
import random
import socket
import subprocess
import sys

import pytest
import torch
from test_train_fixtures import read_model, worker_env, write_spec

from r1worker.io.samples import sample_rows
from r1worker.io.tables import write_table
from r1worker.spec import parse_spec

GROUPS, G = 3, 4


def scored_table(folder) -> str:
    """12 scored rollouts (3 groups × 4) over token ids of the tiny vocabulary; group-normalised
    advantages of 0/1 rewards, varied prompt and completion lengths, one row cut by maxSeqLen."""
    rng = random.Random(7)
    rows = []
    for i, base in enumerate(sample_rows("scored_rollouts", GROUPS * G, seed=0)):
        group, k = divmod(i, G)
        n = 40 if i == 5 else rng.randint(3, 18)  # row 5: 6 + 40 > maxSeqLen = 32
        reward = float(k % 2 == 0 if group != 1 else k == 0)
        rows.append(
            {
                **base,
                "id": f"p{group}@v0/{k}",
                "problem_id": f"p{group}",
                "group_id": f"p{group}@v0",
                "sample_index": k,
                "prompt_token_ids": [rng.randrange(4, 40) for _ in range(5 + group)],
                "completion_token_ids": [rng.randrange(4, 40) for _ in range(n)],
                "logprobs": [-3.0] * n,
                "correct": reward > 0,
                "reward_total": reward,
                "token_advantages": None,
            }
        )
    for group in range(GROUPS):
        rewards = torch.tensor([r["reward_total"] for r in rows[group * G : (group + 1) * G]])
        adv = (rewards - rewards.mean()) / (rewards.std() + 1e-6)
        for r, a in zip(rows[group * G : (group + 1) * G], adv.tolist(), strict=True):
            r["advantage"] = a
    uri = os.path.join(folder, "scored", "part-00000.arrow")
    write_table(uri, "scored_rollouts", rows)
    return uri


def grpo_spec(output, scored_uri):
    return parse_spec(
        {
            "stage": "grpo",
            "runId": "test-run",
            "output": str(output),
            "maxSeqLen": 32,
            "seed": 0,
            "compute": {"device": "cpu", "precision": "fp32", "checkpointEvery": 1000},
            "scored": [scored_uri],
            "policy": "builtin:tiny",
            "reference": "builtin:tiny",
            "iteration": 0,
            "settings": {
                "learningRate": 2e-3,
                "iterations": 1,
                "groupSize": G,
                "innerEpochs": 2,
                "klCoef": 0.04,
                "entropyCoef": 0.01,
                "tokenBudget": 56,  # 5 micro-batches: 3 on rank 0, 2 + a zero-weight pass on rank 1
            },
        }
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(argv, cache):
    done = subprocess.run(argv, capture_output=True, text=True, env=worker_env(cache), timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _steps(out):
    return [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]


def test_two_process_fsdp_grpo_step_equals_single_process(tmp_path_factory, tmp_path):
    cache = tmp_path_factory.mktemp("model-cache")
    uri = scored_table(str(tmp_path))
    single = write_spec(tmp_path / "single.json", grpo_spec(tmp_path / "single", uri))
    double = write_spec(tmp_path / "double.json", grpo_spec(tmp_path / "double", uri))
    _run([sys.executable, "-m", "r1worker", "grpo", "--spec", single], cache)
    port = str(_free_port())
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2"]
    _run([*torchrun, "--master_addr", "127.0.0.1", "--master_port", port, "-m", "r1worker"]
         + ["grpo", "--spec", double], cache)  # fmt: skip

    one = json.loads((tmp_path / "single" / "metrics.json").read_text())["metrics"]
    two = json.loads((tmp_path / "double" / "metrics.json").read_text())["metrics"]
    assert (one["world_size"], two["world_size"]) == (1, 2)
    assert (tmp_path / "double" / "_SUCCESS").exists()
    assert two["rows"] == one["rows"] == GROUPS * G and two["tokens"] == one["tokens"]
    for key in ("loss", "loss_first", "pg_loss", "kl", "entropy", "grad_norm", "ratio_mean"):
        assert two[key] == pytest.approx(one[key], rel=1e-5), key
    assert abs(one["kl_first"]) < 1e-7 and one["kl"] > 0  # epoch 2 has moved off the reference
    steps_one, steps_two = _steps(tmp_path / "single"), _steps(tmp_path / "double")
    assert len(steps_one) == len(steps_two) == 2  # rank 0 alone writes the progress log
    for a, b in zip(steps_one, steps_two, strict=True):
        for key in ("loss", "pg_loss", "kl", "entropy", "clip_fraction", "grad_norm", "lr"):
            assert b[key] == pytest.approx(a[key], rel=1e-5, abs=1e-9), key

    a, b = read_model(tmp_path / "single" / "model"), read_model(tmp_path / "double" / "model")
    assert a.keys() == b.keys()
    start = read_model(next(cache.glob("builtin-tiny")))
    assert max((a[k] - start[k]).abs().max().item() for k in a) > 1e-3  # the update moved the weights
    for k in a:
        torch.testing.assert_close(b[k], a[k], atol=4e-5, rtol=0)
