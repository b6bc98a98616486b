"""`python -m r1worker`: exit codes, the one-line errors, the stage flow and the contract commands."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from r1worker import cli
from r1worker.io import commit, tables


def sft_spec(tmp_path, **overrides):
    spec = {
        "stage": "sft",
        "runId": "demo-1",
        "output": str(tmp_path / "out"),
        "maxSeqLen": 512,
        "examples": [str(tmp_path / "in" / "part-00000.arrow")],
        "model": "builtin:tiny",
        "settings": {},
    }
    spec.update(overrides)
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    return str(path)


def run_cli(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_missing_spec_exits_3_naming_the_uri(tmp_path, capsys):
    uri = str(tmp_path / "nope.json")
    code, _, err = run_cli(capsys, "sft", "--spec", uri)
    assert code == 3 and err == f"r1worker: error: missing input: object not found: {uri}\n"


def test_bad_spec_exits_2_listing_problems(tmp_path, capsys):
    code, _, err = run_cli(capsys, "sft", "--spec", sft_spec(tmp_path, maxSeqLen=8, extra=1))
    assert code == 2 and err.startswith("r1worker: error: invalid spec ") and err.count("\n") == 1
    assert "$.maxSeqLen: 8 is less than the minimum of 32" in err and "$.extra: unknown key" in err


def test_spec_for_another_stage_exits_2(tmp_path, capsys):
    code, _, err = run_cli(capsys, "grpo", "--spec", sft_spec(tmp_path))
    assert code == 2 and "the spec is for stage sft, but the command runs grpo" in err


def test_unknown_stage_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["evaluate", "--spec", "x.json"])
    assert info.value.code == 2
    assert capsys.readouterr().err.startswith("r1worker: error: argument command: invalid choice: 'evaluate'")


def test_unimplemented_stage_exits_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(cli.STAGES, "sft", cli._lazy_stage("no-such-stage"))
    code, _, err = run_cli(capsys, "sft", "--spec", sft_spec(tmp_path))
    assert code == 2
    assert (
        err.splitlines()[-1] == "r1worker: error: stage no-such-stage is not implemented in this worker build"
    )


def test_stage_runs_writes_summary_and_success_then_skips(tmp_path, capsys, monkeypatch):
    calls = []

    def fake_sft(spec):
        calls.append(spec)
        rows = tables.write_table(spec["output"] + "/part-00000.arrow", "sft_examples", [])
        return {"rowsOut": rows, "metrics": {"loss": 1.25}}

    monkeypatch.setitem(cli.STAGES, "sft", fake_sft)
    spec_uri = sft_spec(tmp_path)
    code, out, _ = run_cli(capsys, "sft", "--spec", spec_uri)
    assert code == 0, out
    summary = json.loads(out)
    assert summary["status"] == "succeeded" and summary["metrics"] == {"loss": 1.25}
    assert calls[0]["settings"]["learningRate"] == 5e-5  # the stage gets the defaulted spec
    marker = commit.read_success(str(tmp_path / "out"))
    assert marker["files"] == ["metrics.json", "part-00000.arrow"]
    assert marker["hash"] == commit.stage_hash(json.loads((tmp_path / "spec.json").read_text()))
    code, out, _ = run_cli(capsys, "sft", "--spec", spec_uri)
    assert code == 0 and json.loads(out)["status"] == "skipped" and len(calls) == 1


def test_failures_inside_a_stage_map_to_exit_codes(tmp_path, capsys, monkeypatch):
    def missing_input(spec):
        return tables.read_table(spec["examples"][0], "sft_examples")

    monkeypatch.setitem(cli.STAGES, "sft", missing_input)
    code, _, err = run_cli(capsys, "sft", "--spec", sft_spec(tmp_path))
    assert code == 3 and "part-00000.arrow" in err

    def boom(spec):
        raise RuntimeError("CUDA out of\nmemory")

    monkeypatch.setitem(cli.STAGES, "sft", boom)
    code, _, err = run_cli(capsys, "sft", "--spec", sft_spec(tmp_path))
    assert code == 1 and err.splitlines()[-1] == "r1worker: error: RuntimeError: CUDA out of memory"
    assert not (tmp_path / "out" / "_SUCCESS").exists()


def test_write_sample_then_check_table(tmp_path, capsys):
    out = f"file://{tmp_path}/sample.arrow"
    code, stdout, _ = run_cli(
        capsys, "write-sample", "--table", "rollouts", "--out", out, "--rows", "7", "--seed", "2"
    )
    assert code == 0 and json.loads(stdout)["rows"] == 7
    code, stdout, _ = run_cli(capsys, "check-table", out, "--table", "rollouts")
    assert code == 0 and json.loads(stdout) == {"table": "rollouts", "rows": 7}


def test_check_table_schema_mismatch_exits_4(tmp_path, capsys):
    out = str(tmp_path / "sample.arrow")
    run_cli(capsys, "write-sample", "--table", "problems", "--out", out)
    code, _, err = run_cli(capsys, "check-table", out, "--table", "step_labels")
    assert code == 4 and err.startswith(f"r1worker: error: schema mismatch: {out}: ")
    code, _, err = run_cli(capsys, "check-table", out, "--table", "nope")
    assert code == 2 and 'unknown table "nope"' in err


def test_python_dash_m_entry_point_and_help():
    for argv in (["--help"], ["sft", "--help"], ["check-table", "--help"], ["write-sample", "--help"]):
        result = subprocess.run(
            [sys.executable, "-m", "r1worker", *argv], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0 and "usage: r1worker" in result.stdout
    result = subprocess.run(
        [sys.executable, "-m", "r1worker", "rollout", "--spec", "/nonexistent/spec.json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 3
    assert result.stderr == "r1worker: error: missing input: object not found: /nonexistent/spec.json\n"


def test_setup_logging_writes_json_lines_with_context_and_extra_fields():
    import io
    import logging

    from r1worker.log import setup_logging

    stream = io.StringIO()
    handler = setup_logging("grpo", "run-7", stream=stream)
    try:
        logging.getLogger("r1worker.test").info("step done", extra={"step": 3, "loss": 0.25})
        line = json.loads(stream.getvalue().splitlines()[-1])
        assert {k: line[k] for k in ("level", "stage", "run_id", "message", "step", "loss")} == {
            "level": "INFO",
            "stage": "grpo",
            "run_id": "run-7",
            "message": "step done",
            "step": 3,
            "loss": 0.25,
        }
        assert line["time"].endswith("Z")
    finally:
        logging.getLogger().removeHandler(handler)
