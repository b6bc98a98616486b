"""The sft stage end to end on CPU: the tiny model learns the arithmetic format; bad inputs exit
with the CLI's codes and never leave a _SUCCESS."""

import json
import subprocess
import sys

import pytest
import torch
from test_train_fixtures import (
    arithmetic_examples,
    read_model,
    sft_spec,
    worker_env,
    write_examples,
    write_spec,
)

from r1worker.io.tables import write_table


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("model-cache")


def test_sft_loss_falls_on_the_arithmetic_curriculum(tmp_path, cache, monkeypatch):
    monkeypatch.setenv("R1WORKER_CACHE", str(cache))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        from r1worker.stages import sft

        uris = write_examples(tmp_path / "in", arithmetic_examples(200), shards=2)
        summary = sft.run(sft_spec(tmp_path / "out", uris, epochs=3, maxSteps=40, tokenBudget=512))
    finally:
        torch.set_num_threads(threads)
    m = summary["metrics"]
    print(
        f"sft loss {m['loss_first']:.3f} -> {m['loss_last']:.3f} in {m['steps']} steps, {m['tokens_per_s']:.0f} tok/s"
    )
    assert m["steps"] == 40 and m["examples"] == 200 and m["dropped"] == 0
    assert m["loss_last"] < 0.7 * m["loss_first"]
    lines = [json.loads(x) for x in (tmp_path / "out" / "metrics.jsonl").read_text().splitlines()]
    assert [x["step"] for x in lines] == list(range(1, 41))
    assert {"loss", "lr", "tokens_per_s", "grad_norm"} <= set(lines[0])
    model_dir = tmp_path / "out" / "model"
    assert (model_dir / "config.json").exists() and (model_dir / "tokenizer.json").exists()
    from transformers import AutoModelForCausalLM

    loaded = AutoModelForCausalLM.from_pretrained(model_dir)  # the HF layout loads as is
    assert set(read_model(model_dir)) <= set(loaded.state_dict())


def _cli(spec_path, cache):
    return subprocess.run(
        [sys.executable, "-m", "r1worker", "sft", "--spec", spec_path],
        capture_output=True,
        text=True,
        env=worker_env(cache),
        timeout=120,
    )


def test_missing_input_exits_3(tmp_path, cache):
    spec = sft_spec(tmp_path / "out", [str(tmp_path / "nowhere" / "part-00000.arrow")])
    done = _cli(write_spec(tmp_path / "spec.json", spec), cache)
    assert done.returncode == 3, done.stderr[-2000:]
    assert "missing input" in done.stderr and "nowhere" in done.stderr
    assert not (tmp_path / "out" / "_SUCCESS").exists()


def test_wrong_schema_table_exits_4(tmp_path, cache):
    wrong = tmp_path / "in" / "part-00000.arrow"
    wrong.parent.mkdir()
    write_table(
        str(wrong),
        "preference_pairs",
        [
            {
                "id": "x",
                "problem_id": "p",
                "prompt": "q",
                "chosen": "a",
                "rejected": "b",
                "margin": 0.0,
                "origin": "given",
            }
        ],
    )
    spec = sft_spec(tmp_path / "out", [str(wrong)])
    done = _cli(write_spec(tmp_path / "spec.json", spec), cache)
    assert done.returncode == 4, done.stderr[-2000:]
    assert "schema mismatch" in done.stderr
    assert not (tmp_path / "out" / "_SUCCESS").exists()


def test_bad_spec_exits_2(tmp_path, cache):
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(
        json.dumps(
            {
                "stage": "sft",
                "runId": "r",
                "output": str(tmp_path),
                "maxSeqLen": 64,
                "examples": [],
                "model": "builtin:tiny",
                "settings": {"epochs": 0},
            }
        )
    )
    done = _cli(str(spec_path), cache)
    assert done.returncode == 2 and "invalid spec" in done.stderr
