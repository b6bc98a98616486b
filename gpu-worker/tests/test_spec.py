"""Spec validation against worker-spec.schema.json, with defaults applied."""

from __future__ import annotations

import json

import pytest

from r1worker.cli import WORKER_STAGES
from r1worker.io.errors import NotFoundError
from r1worker.spec import SpecError, SpecView, load_spec, parse_spec, worker_stages


def sft_spec(**overrides):
    spec = {
        "stage": "sft",
        "runId": "demo-1",
        "output": "runs/demo-1/stages/03-sft/",
        "maxSeqLen": 512,
        "examples": ["runs/demo-1/stages/02-curriculum/part-00000.arrow"],
        "model": "builtin:tiny",
        "settings": {},
    }
    spec.update(overrides)
    return spec


GRPO_SPEC = {
    "stage": "grpo",
    "runId": "r",
    "output": "o",
    "maxSeqLen": 64,
    "scored": ["s"],
    "policy": "p",
    "reference": "p",
    "iteration": 0,
    "settings": {},
}


def test_cli_stage_names_equal_the_schema_consts():
    assert tuple(worker_stages()) == WORKER_STAGES


def test_valid_spec_gets_defaults_from_the_schema(tmp_path):
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(sft_spec(settings={"epochs": 3})))
    spec = load_spec(str(path))
    assert spec["seed"] == 0
    assert spec["compute"] == {
        "device": "auto",
        "precision": "auto",
        "gpusPerNode": 1,
        "nodes": 1,
        "spot": True,
        "checkpointEvery": 50,
    }
    assert spec["settings"]["epochs"] == 3  # given values win
    assert spec["settings"]["learningRate"] == 5e-5 and spec["settings"]["packing"] is True
    view = SpecView.of(spec)
    assert (view.stage, view.run_id, view.compute.gpus_per_node) == ("sft", "demo-1", 1)


def test_defaults_follow_the_stage_branch():
    spec = parse_spec(GRPO_SPEC)
    assert spec["settings"]["learningRate"] == 3e-6 and spec["settings"]["groupSize"] == 16
    assert spec["settings"]["warmupRatio"] == 0  # grpo overrides the shared 0.03
    assert "clipEpsHigh" not in spec["settings"]  # optional without a default stays absent
    reward = parse_spec(
        {
            "stage": "reward",
            "runId": "r",
            "output": "o",
            "maxSeqLen": 64,
            "pairs": [],
            "model": "m",
            "settings": {},
        }
    )
    assert reward["stepLabels"] == [] and reward["settings"]["margin"] == 0


def test_every_problem_is_listed_with_its_path():
    bad = sft_spec(maxSeqLen="long", settings={"warmupRatio": 2, "foo": 1})
    with pytest.raises(SpecError) as info:
        parse_spec(bad, "s3://b/spec.json")
    found = info.value.problems
    assert "$.maxSeqLen: 'long' is not of type 'integer'" in found
    assert "$.settings.warmupRatio: 2 is greater than the maximum of 1" in found
    assert any(p.startswith("$.settings.foo: unknown key") for p in found)
    assert len(found) == 3
    assert str(info.value).startswith("invalid spec s3://b/spec.json: ")


def test_missing_required_key_and_unknown_stage():
    spec = sft_spec()
    del spec["model"]
    with pytest.raises(SpecError, match=r"\$\.model: required key is missing"):
        parse_spec(spec)
    with pytest.raises(
        SpecError, match=r"\$\.stage: expected one of sft, reward, rollout, grpo, grpo-block, found 'eval'"
    ):
        parse_spec(sft_spec(stage="eval"))


def test_malformed_json_is_a_spec_error_and_a_missing_spec_is_not_found(tmp_path):
    path = tmp_path / "spec.json"
    path.write_text("{not json")
    with pytest.raises(SpecError, match="not valid JSON"):
        load_spec(str(path))
    with pytest.raises(NotFoundError):
        load_spec(str(tmp_path / "absent.json"))


def test_grpo_has_no_grad_accumulation_and_sft_keeps_it():
    """A GRPO step takes every micro-batch of the rollouts: the setting would do nothing there."""
    grpo = {**GRPO_SPEC, "settings": {"gradAccumulation": 2}}
    with pytest.raises(SpecError, match=r"\$\.settings\.gradAccumulation: unknown key"):
        parse_spec(grpo)
    assert parse_spec(sft_spec())["settings"]["gradAccumulation"] == 1
