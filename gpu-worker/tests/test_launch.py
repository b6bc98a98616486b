"""`python -m r1worker launch`: the torchrun command line each AWS Batch node builds (pure parts, and
the CLI path with `os.execv` captured instead of run)."""

import sys

import pytest

from r1worker import cli
from r1worker.train import launch
from r1worker.train.distributed import rendezvous_from_batch, torchrun_argv

MAIN = {"AWS_BATCH_JOB_NUM_NODES": "2", "AWS_BATCH_JOB_NODE_INDEX": "0", "AWS_BATCH_JOB_MAIN_NODE_INDEX": "0"}
CHILD = {**MAIN, "AWS_BATCH_JOB_NODE_INDEX": "1", "AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS": "10.1.2.3"}


def test_main_node_has_no_address_variable_and_uses_its_own(monkeypatch):
    monkeypatch.setattr("r1worker.train.distributed._own_address", lambda: "10.1.2.3")
    assert rendezvous_from_batch(MAIN) == {
        "nnodes": "2",
        "node_rank": "0",
        "master_addr": "10.1.2.3",
        "master_port": "29500",
    }
    child = rendezvous_from_batch(CHILD)
    assert child["node_rank"] == "1" and child["master_addr"] == "10.1.2.3"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({**CHILD, "AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS": ""}, "cannot find the main node"),
        ({**MAIN, "AWS_BATCH_JOB_NODE_INDEX": "2"}, "AWS_BATCH_JOB_NODE_INDEX: expected 0…1, found 2"),
        ({**MAIN, "AWS_BATCH_JOB_NUM_NODES": "two"}, "AWS_BATCH_JOB_NUM_NODES: expected an integer"),
        ({**MAIN, "AWS_BATCH_JOB_MAIN_NODE_INDEX": "-1"}, "AWS_BATCH_JOB_MAIN_NODE_INDEX: expected 0…1"),
    ],
)
def test_bad_batch_variables_are_named(env, message):
    with pytest.raises(ValueError, match=message):
        rendezvous_from_batch(env)


def test_torchrun_waits_long_enough_for_child_nodes_and_never_restarts():
    argv = torchrun_argv(4, ["grpo", "--spec", "s3://b/s.json"], CHILD)
    assert argv[:3] == ["python", "-m", "torch.distributed.run"]
    assert "--nnodes=2" in argv and "--node_rank=1" in argv and "--nproc_per_node=4" in argv
    assert "--master_addr=10.1.2.3" in argv and "--rdzv_conf=timeout=1800" in argv
    assert "--max_restarts=0" in argv
    assert argv[-6:] == ["--max_restarts=0", "-m", "r1worker", "grpo", "--spec", "s3://b/s.json"]


@pytest.mark.parametrize(
    ("requested", "visible", "expected"),
    [(0, 8, 8), (0, 0, 1), (4, 8, 4), (2, 0, 2), (8, 8, 8)],
)
def test_process_count(requested, visible, expected):
    assert launch.resolve_nproc(requested, visible) == expected


def test_more_ranks_than_gpus_is_refused_with_the_deploy_setting():
    with pytest.raises(ValueError, match=r"--nproc-per-node 4 but this node sees 1 GPU.*gpusPerJob=4"):
        launch.resolve_nproc(4, 1)


def test_cli_launch_execs_torchrun_with_the_stage_command(monkeypatch, capsys):
    seen = {}

    def fake_execv(path, argv):  # stands in for replacing the process
        seen["path"], seen["argv"] = path, argv
        raise SystemExit(0)

    monkeypatch.setattr(launch.os, "execv", fake_execv)
    monkeypatch.setattr(launch, "_visible_gpus", lambda: 2)
    for key, value in CHILD.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SystemExit):
        cli.main(["launch", "--", "sft", "--spec", "s3://bucket/runs/r/stages/03-sft/spec.json"])
    assert seen["path"] == sys.executable and seen["argv"][0] == sys.executable
    assert "--nproc_per_node=2" in seen["argv"] and "--node_rank=1" in seen["argv"]
    assert seen["argv"][-3:] == ["sft", "--spec", "s3://bucket/runs/r/stages/03-sft/spec.json"]
    assert (
        "node 2/2 (torchrun node_rank 1), 2 process(es), rendezvous 10.1.2.3:29500" in capsys.readouterr().err
    )


def test_cli_launch_without_a_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["launch", "--nproc-per-node", "2"])
    assert exit_info.value.code == 2
    assert "give the worker command after --" in capsys.readouterr().err
