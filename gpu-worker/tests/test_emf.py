"""CloudWatch EMF: the record against a hand-written one, the stage line `emit` prints, and the CLI
printing it after a successful stage (only there, only on rank 0, only where the namespace is set)."""

from __future__ import annotations

import io
import json
import math
import sys
from types import SimpleNamespace

import pytest
from test_fsdp_grpo import grpo_spec, scored_table
from test_io_cli import run_cli, sft_spec
from test_train_fixtures import write_spec

from r1worker import cli, emf
from r1worker.io import commit


def test_record_matches_the_emf_layout():
    record = emf.emf_record(
        "r1flow",
        {"stage": "grpo", "runId": "run-7"},
        {"StageDurationSeconds": 12.5, "KL": 0.03, "GpuHours": 0},
        {"StageDurationSeconds": "Seconds", "GpuHours": "Count"},
        1_715_000_000_123,
    )
    assert record == {
        "_aws": {
            "Timestamp": 1_715_000_000_123,
            "CloudWatchMetrics": [
                {
                    "Namespace": "r1flow",
                    "Dimensions": [["stage", "runId"]],
                    "Metrics": [
                        {"Name": "StageDurationSeconds", "Unit": "Seconds"},
                        {"Name": "KL", "Unit": "None"},
                        {"Name": "GpuHours", "Unit": "Count"},
                    ],
                }
            ],
        },
        "stage": "grpo",
        "runId": "run-7",
        "StageDurationSeconds": 12.5,
        "KL": 0.03,
        "GpuHours": 0.0,
    }


@pytest.mark.parametrize(
    ("metrics", "units", "message"),
    [
        ({"KL": math.nan}, {}, "KL is nan"),
        ({"KL": 1.0}, {"KL": "Hours"}, "unknown unit 'Hours'"),
        ({"stage": 1.0}, {}, "both dimension and metric"),
    ],
)
def test_record_rejects_what_cloudwatch_would_drop(metrics, units, message):
    with pytest.raises(ValueError, match=message):
        emf.emf_record("r1flow", {"stage": "sft"}, metrics, units, 0)


def test_emit_prints_one_line_with_the_stage_metrics():
    summary = {
        "durationS": 5400.0,
        "metrics": {"reward_mean": 0.25, "accuracy": 0.5, "kl": 0.01, "loss": 3.0},
    }
    out = io.StringIO()
    record = emf.emit(summary, "grpo", "run-1", out, gpus=8, timestamp_ms=42)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and out.getvalue().endswith("\n")
    parsed = json.loads(lines[0])
    assert parsed == record
    assert parsed["_aws"]["Timestamp"] == 42
    assert parsed["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "r1flow"
    assert parsed["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["stage", "runId"]]
    assert {m["Name"]: m["Unit"] for m in parsed["_aws"]["CloudWatchMetrics"][0]["Metrics"]} == {
        "StageDurationSeconds": "Seconds",
        "RewardMean": "None",
        "Accuracy": "None",
        "KL": "None",
        "GpuHours": "Count",
    }
    assert (parsed["stage"], parsed["runId"]) == ("grpo", "run-1")
    assert parsed["StageDurationSeconds"] == 5400.0
    assert (parsed["RewardMean"], parsed["Accuracy"], parsed["KL"]) == (0.25, 0.5, 0.01)
    assert parsed["GpuHours"] == 12.0  # 1.5 h × 8 GPUs
    assert "loss" not in parsed  # only the dashboard's metrics


def test_emit_leaves_out_metrics_the_summary_lacks():
    out = io.StringIO()
    emf.emit({"durationS": 3.0, "metrics": {"loss": 1.0, "kl": math.inf}}, "sft", "r", out)
    parsed = json.loads(out.getvalue())
    names = [m["Name"] for m in parsed["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    assert names == ["StageDurationSeconds", "GpuHours"]  # a non-finite KL is left out too
    assert parsed["GpuHours"] == 0.0 and not {"RewardMean", "Accuracy", "KL"} & set(parsed)


def test_gpus_in_use_counts_the_job_gpus_only_on_cuda(monkeypatch):
    assert emf.gpus_in_use({"device": "cpu", "gpusPerNode": 8, "nodes": 2}) == 0
    assert emf.gpus_in_use({"device": "cuda", "gpusPerNode": 8, "nodes": 2}) == 16
    gpu = SimpleNamespace(cuda=SimpleNamespace(is_available=lambda: True))
    monkeypatch.setitem(sys.modules, "torch", gpu)
    assert emf.gpus_in_use({"device": "auto", "gpusPerNode": 4, "nodes": 1}) == 4
    monkeypatch.setitem(
        sys.modules, "torch", SimpleNamespace(cuda=SimpleNamespace(is_available=lambda: False))
    )
    assert emf.gpus_in_use({"device": "auto", "gpusPerNode": 4, "nodes": 1}) == 0


def _emf_lines(out: str) -> list[dict]:
    return [json.loads(x) for x in out.splitlines() if x.startswith('{"_aws"')]


def test_cli_emits_after_a_successful_grpo_stage(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("R1WORKER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv(emf.NAMESPACE_ENV, "r1flow")
    monkeypatch.delenv("RANK", raising=False)
    spec = grpo_spec(tmp_path / "out", scored_table(str(tmp_path)))
    code, out, err = run_cli(capsys, "grpo", "--spec", write_spec(tmp_path / "spec.json", spec))
    assert code == 0, err[-2000:]
    (line,) = _emf_lines(out)
    summary = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert (line["stage"], line["runId"]) == ("grpo", "test-run")
    assert line["StageDurationSeconds"] == summary["durationS"] > 0
    m = summary["metrics"]
    assert (line["RewardMean"], line["Accuracy"], line["KL"]) == (m["reward_mean"], m["accuracy"], m["kl"])
    assert line["GpuHours"] == 0.0  # compute.device is cpu
    assert json.loads(out.splitlines()[-1])["status"] == "succeeded"  # the CLI's result line stays last


def _fake_stage(spec):
    return {"metrics": {"accuracy": 0.75}}


def test_cli_emits_nothing_on_failure_skip_or_without_a_namespace(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(emf.NAMESPACE_ENV, "r1flow")
    monkeypatch.delenv("RANK", raising=False)

    def boom(spec):
        raise RuntimeError("out of memory")

    monkeypatch.setitem(cli.STAGES, "sft", boom)
    spec_uri = sft_spec(tmp_path)
    code, out, _ = run_cli(capsys, "sft", "--spec", spec_uri)
    assert code == 1 and out == ""

    monkeypatch.setitem(cli.STAGES, "sft", _fake_stage)
    code, out, _ = run_cli(capsys, "sft", "--spec", spec_uri)
    assert code == 0 and _emf_lines(out)[0]["Accuracy"] == 0.75
    code, out, _ = run_cli(capsys, "sft", "--spec", spec_uri)  # already committed: skipped
    assert code == 0 and _emf_lines(out) == [] and json.loads(out)["status"] == "skipped"

    monkeypatch.delenv(emf.NAMESPACE_ENV)
    code, out, _ = run_cli(capsys, "sft", "--spec", spec_uri, "--force")
    assert code == 0 and json.loads(out)["status"] == "succeeded"  # stdout: the result line alone


def test_only_rank_zero_commits_and_emits(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(emf.NAMESPACE_ENV, "r1flow")
    monkeypatch.setitem(cli.STAGES, "sft", _fake_stage)
    spec_uri = sft_spec(tmp_path)
    monkeypatch.setenv("RANK", "1")
    code, out, _ = run_cli(capsys, "sft", "--spec", spec_uri)
    assert code == 0 and _emf_lines(out) == []
    assert not (tmp_path / "out" / "metrics.json").exists()
    assert commit.read_success(str(tmp_path / "out")) is None
    monkeypatch.setenv("RANK", "0")
    code, out, _ = run_cli(capsys, "sft", "--spec", spec_uri)
    assert code == 0 and len(_emf_lines(out)) == 1
    assert commit.read_success(str(tmp_path / "out"))["files"] == ["metrics.json"]
