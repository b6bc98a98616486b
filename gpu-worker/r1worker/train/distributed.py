"""One process or many: torchrun rendezvous (also from AWS Batch multi-node variables), the process
group (NCCL on GPU, gloo on CPU), FSDP2 wrapping, and the few collectives the stages need.

Single process (the local runner, `python -m r1worker …` without torchrun) needs no process group:
every helper here then degrades to the identity, so stages call them unconditionally.

AWS Batch multi-node parallel jobs set, on every node, AWS_BATCH_JOB_NUM_NODES,
AWS_BATCH_JOB_NODE_INDEX and AWS_BATCH_JOB_MAIN_NODE_INDEX, and on every node but the main one
AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS. `python -m r1worker.train.launch` turns them into
a `torchrun` command line (`torchrun_argv`).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

import torch
import torch.distributed as dist

DEFAULT_MASTER_PORT = 29500


@dataclass(frozen=True)
class DistEnv:
    rank: int  # global rank, 0 … world_size − 1
    world_size: int  # processes in the job (nodes × processes per node)
    local_rank: int  # rank on this node: picks the GPU
    backend: str | None  # "nccl" | "gloo" once a process group is up; None for one process

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


SINGLE = DistEnv(rank=0, world_size=1, local_rank=0, backend=None)


def rendezvous_from_batch(environ: Mapping[str, str]) -> dict[str, str]:
    """torchrun's node-level settings from AWS Batch multi-node variables (pure).

    Returns {"nnodes", "node_rank", "master_addr", "master_port"}; a single-node job (no Batch
    variables) gets nnodes 1 on localhost. The main node has no MAIN_NODE_PRIVATE_IPV4_ADDRESS:
    it is the master, so it uses its own address. A variable out of range raises ValueError.
    """
    nnodes = _int_var(environ, "AWS_BATCH_JOB_NUM_NODES", "1", low=1)
    node = _int_var(environ, "AWS_BATCH_JOB_NODE_INDEX", "0", low=0, high=nnodes - 1)
    main = _int_var(environ, "AWS_BATCH_JOB_MAIN_NODE_INDEX", "0", low=0, high=nnodes - 1)
    if nnodes == 1:
        addr = "127.0.0.1"
    elif node == main:
        addr = environ.get("MASTER_ADDR") or _own_address()
    else:
        addr = environ.get("AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS", "")
        if not addr:
            raise ValueError(
                f"AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS is not set on node {node} "
                f"(main node {main}): a child node cannot find the main node"
            )
    # torchrun ranks nodes 0…n−1 with the master as 0, whatever index Batch gave the main node.
    node_rank = 0 if node == main else (node + 1 if node < main else node)
    return {
        "nnodes": str(nnodes),
        "node_rank": str(node_rank),
        "master_addr": addr,
        "master_port": environ.get("MASTER_PORT", str(DEFAULT_MASTER_PORT)),
    }


def _int_var(environ: Mapping[str, str], name: str, default: str, low: int, high: int | None = None) -> int:
    raw = environ.get(name, default)
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}: expected an integer, found {raw!r}") from None
    if value < low or (high is not None and value > high):
        bound = f"{low}…{high}" if high is not None else f"≥ {low}"
        raise ValueError(f"{name}: expected {bound}, found {value}")
    return value


def _own_address() -> str:
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return "127.0.0.1"


# How long the nodes wait for each other at start: Batch starts child nodes after the main node,
# and each may first pull the multi-GB image (torchrun's static default is 600 s).
RENDEZVOUS_TIMEOUT_S = 1800


def torchrun_argv(nproc_per_node: int, args: list[str], environ: Mapping[str, str]) -> list[str]:
    """`python -m torch.distributed.run … -m r1worker <args>` for this node (pure)."""
    r = rendezvous_from_batch(environ)
    return [
        "python",
        "-m",
        "torch.distributed.run",
        f"--nnodes={r['nnodes']}",
        f"--node_rank={r['node_rank']}",
        f"--nproc_per_node={nproc_per_node}",
        f"--master_addr={r['master_addr']}",
        f"--master_port={r['master_port']}",
        f"--rdzv_conf=timeout={RENDEZVOUS_TIMEOUT_S}",
        "--max_restarts=0",  # a failed rank fails the job; Batch retries host loss, not bugs
        "-m",
        "r1worker",
        *args,
    ]


def init_distributed(device: torch.device, timeout_s: float = 1800.0) -> DistEnv:
    """Join the process group torchrun describes (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR/PORT).

    Without torchrun (no WORLD_SIZE, or WORLD_SIZE=1) returns SINGLE and starts nothing.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return SINGLE
    backend = "nccl" if device.type == "cuda" else "gloo"
    if not dist.is_initialized():
        dist.init_process_group(
            backend=backend,
            timeout=timedelta(seconds=timeout_s),
            device_id=device if device.type == "cuda" else None,
        )
    return DistEnv(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")), backend)


def shutdown(env: DistEnv) -> None:
    if env.distributed and dist.is_initialized():
        dist.destroy_process_group()


def barrier(env: DistEnv) -> None:
    if env.distributed:
        dist.barrier()


def all_reduce(values: list[float], env: DistEnv, op: str = "sum") -> list[float]:
    """Sum (or max) a few Python floats over all ranks; identity for one process."""
    if not env.distributed:
        return list(values)
    device = (
        torch.device("cuda", torch.cuda.current_device()) if env.backend == "nccl" else torch.device("cpu")
    )
    t = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX if op == "max" else dist.ReduceOp.SUM)
    return t.tolist()


def any_rank(flag: bool, env: DistEnv) -> bool:
    """True on every rank when `flag` is true on any rank (e.g. one rank got SIGTERM)."""
    return bool(all_reduce([float(flag)], env, op="max")[0])


def decoder_layers(model: torch.nn.Module) -> list[torch.nn.Module]:
    """The transformer blocks of a Hugging Face causal LM (or of a RewardModel's backbone)."""
    base = getattr(model, "backbone", model)
    names = set(getattr(base, "_no_split_modules", None) or [])
    return [m for m in model.modules() if type(m).__name__ in names]


def wrap_model(model: torch.nn.Module, env: DistEnv, strategy: str = "fsdp") -> torch.nn.Module:
    """Shard `model` over the ranks with FSDP2 (`fully_shard` per decoder layer, then the root).

    strategy: "fsdp" (default; parameters, gradients and optimizer state sharded, gradients
    averaged over ranks) or "none". One process: returned unchanged. The model is changed in
    place (FSDP2 swaps parameters for DTensors); build the optimizer after wrapping.
    """
    if not env.distributed or strategy == "none":
        return model
    if strategy != "fsdp":
        raise ValueError(f"unknown strategy {strategy!r}; valid: fsdp, none")
    from torch.distributed.fsdp import fully_shard

    for layer in decoder_layers(model):
        fully_shard(layer)
    fully_shard(model)
    return model


def clip_grad_norm(model: torch.nn.Module, max_norm: float) -> float:
    """Clip the global gradient norm (over all shards under FSDP); returns the norm before clipping."""
    norm = torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.grad is not None], max_norm)
    if hasattr(norm, "full_tensor"):
        norm = norm.full_tensor()
    return float(norm)
