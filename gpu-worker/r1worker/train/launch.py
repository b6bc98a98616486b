"""`python -m r1worker launch [--nproc-per-node N] -- <stage> --spec <uri>` (or
`python -m r1worker.train.launch …`): start the worker under torchrun on this node, the rendezvous
taken from AWS Batch multi-node variables (`distributed.rendezvous_from_batch`).

The command of multi-GPU and multi-node jobs (the image's ENTRYPOINT is `python -m r1worker`, so
Batch commands reach this through the CLI's `launch`); single-GPU jobs run the stage directly.
Replaces this process with torchrun: SIGTERM (a spot reclaim, a stopped execution) reaches torchrun,
which forwards it to every rank, and the job's exit code is torchrun's.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence

from r1worker.train.distributed import rendezvous_from_batch, torchrun_argv


def resolve_nproc(requested: int, visible_gpus: int) -> int:
    """Processes on this node: `requested`, or every visible GPU when `requested` ≤ 0 (pure).

    On a GPU host each rank takes one GPU, so asking for more ranks than visible GPUs is an error
    (it would put two NCCL ranks on one device). With no GPU (CPU, gloo) any count is allowed.
    """
    if requested <= 0:
        return max(1, visible_gpus)
    if 0 < visible_gpus < requested:
        raise ValueError(
            f"--nproc-per-node {requested} but this node sees {visible_gpus} GPU(s): the job must "
            f"hold as many GPUs as ranks (cdk deploy -c gpusPerJob={requested})"
        )
    return requested


def describe(nproc: int, environ: Mapping[str, str]) -> str:
    """One line for the job log: which node this is and whom it meets."""
    r = rendezvous_from_batch(environ)
    return (
        f"r1worker.launch: node {int(r['node_rank']) + 1}/{r['nnodes']} (torchrun node_rank "
        f"{r['node_rank']}), {nproc} process(es), rendezvous {r['master_addr']}:{r['master_port']}"
    )


def _visible_gpus() -> int:
    import torch

    return torch.cuda.device_count()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="r1worker launch",
        description="Run a worker stage under torchrun on this node (multi-GPU, AWS Batch multi-node).",
    )
    parser.add_argument(
        "--nproc-per-node",
        type=int,
        default=0,
        help="processes on this node, one per GPU (default: every visible GPU, at least 1)",
    )
    parser.add_argument("args", nargs=argparse.REMAINDER, help="-- <stage> --spec <uri>")
    ns = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    args = ns.args[1:] if ns.args[:1] == ["--"] else ns.args
    if not args:
        parser.error("give the worker command after --, e.g. -- sft --spec s3://…/spec.json")
    try:
        nproc = resolve_nproc(ns.nproc_per_node, _visible_gpus())
        cmd = torchrun_argv(nproc, args, os.environ)
        print(describe(nproc, os.environ), file=sys.stderr, flush=True)
    except ValueError as e:
        parser.error(str(e))
    cmd[0] = sys.executable
    os.execv(cmd[0], cmd)


if __name__ == "__main__":
    main()
