"""Resumable checkpoints: save every N optimizer steps and at SIGTERM (spot reclaim), resume from the
newest complete one.

Layout under the stage output (a local path or s3:// prefix):

    <output>/checkpoints/step-00000040/
        model/            Hugging Face layout, safetensors (loadable by from_pretrained)
        optimizer.pt      full (unsharded) AdamW state keyed by parameter name: any world size resumes
        rng-<rank>.pt     Python and torch (CPU, CUDA) RNG states of each rank
        state.json        {"step": …, "world_size": …, **the stage's own state (data position, totals)}
        _COMPLETE         written last: a checkpoint without it is ignored (killed mid-write)

The model is reloaded by the stage's usual loader pointed at `model/`, so a checkpoint is also a
plain model. A stage's final `<output>/model/` is written the same way, or, when the loop has just
checkpointed (a GRPO block at its end), copied from that checkpoint's `model/` without passing the
bytes through the worker (S3 server-side copies, local hard links).

The data position is the optimizer step: batch plans are deterministic (see
`r1worker.train.batching`), so step N's data is known without storing it.
"""

from __future__ import annotations

import io
import logging
import os
import random
import re
import shutil
import signal
import tempfile
from collections.abc import Callable
from typing import Any

import torch
from torch.distributed.checkpoint.state_dict import (
    StateDictOptions,
    get_model_state_dict,
    get_optimizer_state_dict,
    set_optimizer_state_dict,
)

from r1worker.io import store
from r1worker.io.errors import NotFoundError
from r1worker.io.uri import parse
from r1worker.train.distributed import DistEnv, barrier

log = logging.getLogger(__name__)

CHECKPOINTS = "checkpoints"
COMPLETE = "_COMPLETE"
_STEP_DIR = re.compile(r"step-(\d+)")
PREEMPTED_EXIT = 143  # 128 + SIGTERM: the job stopped on request, a checkpoint is saved


class Preempted(SystemExit):
    """Raised after the SIGTERM checkpoint: exits 143 and skips the stage's commit (no _SUCCESS)."""

    def __init__(self, step: int) -> None:
        super().__init__(PREEMPTED_EXIT)
        self.step = step


class StopSignal:
    """Turns SIGTERM (Batch spot reclaim, `docker stop`) into a flag the training loop polls, so the
    loop stops between optimizer steps and checkpoints instead of dying mid-write.

        with StopSignal() as stop:
            for step …:
                …
                if any_rank(stop.requested, env): save, raise Preempted(step)
    """

    def __init__(self, signals: tuple[int, ...] = (signal.SIGTERM,)) -> None:
        self.signals = signals
        self.requested = False
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, _frame: Any) -> None:
        log.warning("stop requested by signal %d; checkpointing after this step", signum)
        self.requested = True

    def __enter__(self) -> StopSignal:
        for s in self.signals:
            self._previous[s] = signal.signal(s, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for s, previous in self._previous.items():
            signal.signal(s, previous)


def checkpoint_uri(output: str, step: int) -> str:
    return store.join(output, CHECKPOINTS, f"step-{step:08d}")


def latest_checkpoint(output: str) -> str | None:
    """URI of the newest checkpoint under `<output>/checkpoints/` that has `_COMPLETE`, or None."""
    folder = store.join(output, CHECKPOINTS) + "/"
    steps = []
    for uri in store.list_uris(folder):
        parts = uri[len(folder) :].split("/")
        match = _STEP_DIR.fullmatch(parts[0])
        if len(parts) == 2 and parts[1] == COMPLETE and match:
            steps.append(int(match.group(1)))
    return checkpoint_uri(output, max(steps)) if steps else None


def read_state(ckpt: str) -> dict[str, Any]:
    """The `state.json` of a checkpoint (step, world size and the stage's own fields)."""
    return store.read_json(store.join(ckpt, "state.json"))


def _options(env: DistEnv, load: bool = False) -> StateDictOptions:
    if not env.distributed:
        return StateDictOptions(full_state_dict=True)
    return StateDictOptions(full_state_dict=True, cpu_offload=True, broadcast_from_rank0=load)


def full_state_dict(model: torch.nn.Module, env: DistEnv) -> dict[str, torch.Tensor]:
    """The whole model's state dict (gathered from the FSDP shards, on CPU when distributed);
    every rank must call it, only rank 0 should use it."""
    return get_model_state_dict(model, options=_options(env))


def _rng_state() -> dict[str, Any]:
    state = {"python": random.getstate(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _torch_bytes(obj: Any) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def save_checkpoint(
    output: str,
    step: int,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    env: DistEnv,
    state: dict[str, Any],
    save_model: Callable[[dict[str, torch.Tensor], str], None],
    keep_last: int = 2,
) -> str:
    """Write a checkpoint of optimizer step `step`; every rank calls it (gathers are collective).

    `save_model(full_state_dict, local_dir)` writes the model in Hugging Face layout on rank 0
    (e.g. `lambda sd, d: model.save_pretrained(d, state_dict=sd)`). `state` is the stage's JSON
    (data position, running totals). Older complete checkpoints beyond `keep_last` are removed.
    Returns the checkpoint URI.
    """
    uri = checkpoint_uri(output, step)
    model_sd = full_state_dict(model, env)
    optim_sd = get_optimizer_state_dict(model, optimizer, options=_options(env))
    store.write_bytes(store.join(uri, f"rng-{env.rank}.pt"), _torch_bytes(_rng_state()))
    if env.is_main:
        with tempfile.TemporaryDirectory(prefix="r1worker-ckpt-") as tmp:
            save_model(model_sd, os.path.join(tmp, "model"))
            store.upload_dir(os.path.join(tmp, "model"), store.join(uri, "model"))
        store.write_bytes(store.join(uri, "optimizer.pt"), _torch_bytes(optim_sd))
        store.write_json(store.join(uri, "state.json"), {**state, "step": step, "world_size": env.world_size})
    del model_sd, optim_sd
    barrier(env)
    if env.is_main:
        store.write_json(store.join(uri, COMPLETE), {"step": step})
        _prune(output, keep_last)
    barrier(env)
    log.info("checkpoint saved", extra={"step": step, "uri": uri})
    return uri


def load_checkpoint(
    ckpt: str, model: torch.nn.Module, optimizer: torch.optim.Optimizer, env: DistEnv
) -> dict[str, Any]:
    """Restore the optimizer and this rank's RNG from `ckpt`; returns its state.json.

    The model weights come from `<ckpt>/model` through the stage's loader (see the module doc);
    call this after wrapping the model and building the optimizer.
    """
    optim_sd: dict[str, Any] = {}
    if env.is_main or not env.distributed:
        optim_sd = torch.load(
            io.BytesIO(store.read_bytes(store.join(ckpt, "optimizer.pt"))), weights_only=False
        )
    set_optimizer_state_dict(model, optimizer, optim_sd, options=_options(env, load=True))
    try:
        rng = torch.load(
            io.BytesIO(store.read_bytes(store.join(ckpt, f"rng-{env.rank}.pt"))), weights_only=False
        )
        _set_rng_state(rng)
    except NotFoundError:
        log.warning("no RNG state for rank %d in %s (world size changed); RNG not restored", env.rank, ckpt)
    return read_state(ckpt)


def _prune(output: str, keep_last: int) -> None:
    """Remove all but the newest `keep_last` checkpoints (complete or not) under `output`."""
    if keep_last <= 0:
        return
    folder = store.join(output, CHECKPOINTS) + "/"
    dirs = sorted({u[len(folder) :].split("/")[0] for u in store.list_uris(folder)})
    dirs = [d for d in dirs if _STEP_DIR.fullmatch(d)]
    for name in dirs[:-keep_last]:
        _remove_prefix(folder + name + "/")


def _remove_prefix(prefix: str) -> None:
    loc = parse(prefix)
    if loc.scheme == "s3":
        from r1worker.io import s3_store

        client = s3_store.client()
        keys = [parse(u).key for u in store.list_uris(prefix)]
        for start in range(0, len(keys), 1000):
            client.delete_objects(
                Bucket=loc.bucket, Delete={"Objects": [{"Key": k} for k in keys[start : start + 1000]]}
            )
    else:
        shutil.rmtree(loc.key, ignore_errors=True)


def save_final_model(model, save: Callable[[dict, str], None], env: DistEnv, output: str) -> str:
    """The trained model in HF layout under `<output>/model/`: every rank gathers the full state,
    rank 0 writes it with `save(state, local_dir)` and uploads it, the others wait."""
    uri = store.join(output, "model")
    state = full_state_dict(model, env)
    if env.is_main:
        with tempfile.TemporaryDirectory(prefix="r1worker-model-") as tmp:
            save(state, tmp)
            store.upload_dir(tmp, uri)
    barrier(env)
    return uri


def publish_checkpoint_model(ckpt: str, env: DistEnv, output: str) -> str:
    """`<output>/model/` from the checkpoint `ckpt`'s model, for a loop whose weights have not moved
    since it: rank 0 copies the files (S3 server-side, local disk as links), so the weights are
    gathered and written once, not twice; the others wait."""
    uri = store.join(output, "model")
    if env.is_main:
        store.copy_prefix(store.join(ckpt, "model"), uri)
    barrier(env)
    return uri
