"""`python -m r1worker.train.launch --nproc-per-node N -- <stage> --spec <uri>`: start the worker
under torchrun on this node, the rendezvous taken from AWS Batch multi-node variables.

The GPU image's command for multi-GPU or multi-node jobs; single-GPU jobs run `python -m r1worker`
directly. Replaces this process with torchrun (signals such as SIGTERM reach it, and torchrun
forwards them to every rank).
"""

from __future__ import annotations

import argparse
import os
import sys

from r1worker.train.distributed import torchrun_argv


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="r1worker.train.launch")
    parser.add_argument(
        "--nproc-per-node",
        type=int,
        default=0,
        help="processes on this node (default: the visible GPUs, at least 1)",
    )
    parser.add_argument("args", nargs=argparse.REMAINDER, help="-- <stage> --spec <uri>")
    ns = parser.parse_args(argv)
    args = ns.args[1:] if ns.args[:1] == ["--"] else ns.args
    if not args:
        parser.error("give the worker command after --, e.g. -- sft --spec s3://…/spec.json")
    nproc = ns.nproc_per_node
    if nproc <= 0:
        import torch

        nproc = max(1, torch.cuda.device_count())
    cmd = torchrun_argv(nproc, args, os.environ)
    cmd[0] = sys.executable
    os.execv(cmd[0], cmd)


if __name__ == "__main__":
    main()
