"""AWS Batch multi-node variables → torchrun rendezvous (pure)."""

from r1worker.train.distributed import SINGLE, all_reduce, rendezvous_from_batch, torchrun_argv


def test_single_node_defaults_to_localhost():
    assert rendezvous_from_batch({}) == {
        "nnodes": "1",
        "node_rank": "0",
        "master_addr": "127.0.0.1",
        "master_port": "29500",
    }


def test_child_node_uses_main_address_and_main_node_is_rank_0():
    env = {
        "AWS_BATCH_JOB_NUM_NODES": "3",
        "AWS_BATCH_JOB_MAIN_NODE_INDEX": "1",
        "AWS_BATCH_JOB_NODE_INDEX": "0",
        "AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS": "10.0.0.7",
    }
    r = rendezvous_from_batch(env)
    assert r["master_addr"] == "10.0.0.7" and r["node_rank"] == "1" and r["nnodes"] == "3"
    main = rendezvous_from_batch({**env, "AWS_BATCH_JOB_NODE_INDEX": "1", "MASTER_ADDR": "10.0.0.7"})
    assert main["node_rank"] == "0" and main["master_addr"] == "10.0.0.7"
    assert rendezvous_from_batch({**env, "AWS_BATCH_JOB_NODE_INDEX": "2"})["node_rank"] == "2"
    argv = torchrun_argv(8, ["sft", "--spec", "s3://b/spec.json"], env)
    assert "--nproc_per_node=8" in argv and argv[-4:] == ["r1worker", "sft", "--spec", "s3://b/spec.json"]


def test_single_process_collectives_are_identity():
    assert all_reduce([1.5, 2.0], SINGLE) == [1.5, 2.0]
