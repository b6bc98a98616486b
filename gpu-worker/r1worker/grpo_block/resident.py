"""What a block keeps in memory for its K iterations besides the policy: the rollout engine, the
frozen KL reference, the reward model, and the block's position (iteration, dropped problems) in
`TrainLoop.state`."""

from __future__ import annotations

from typing import Any

from r1worker.model import freeze, load_causal_lm, resolve_model_ref
from r1worker.rollout import get_backend, resolve_backend
from r1worker.stages import cache_dir
from r1worker.stages.rollout import load_reward_model
from r1worker.train import checkpoint
from r1worker.train.loop import TrainLoop

from .config import BlockConfig


def rollout_engine(cfg: BlockConfig, model, tokenizer, device, bf16: bool):
    """HF `generate` on the live training module (CPU and GPU without vLLM), or one colocated vLLM
    engine for the block, loaded once from the block's policy; later weights arrive in memory
    through `sync_weights` (the caller syncs right away, so a resumed block samples its own)."""
    rollout = cfg.rollout(cfg.first_iteration)
    name = resolve_backend(rollout.backend, cuda=device.type == "cuda")
    cls = get_backend(name, cuda=device.type == "cuda")
    if name == "vllm":
        return cls(
            resolve_model_ref(cfg.grpo.policy, cache_dir()),
            tensor_parallel=rollout.tensor_parallel,
            dtype="bfloat16" if bf16 else "float32",
            seed=rollout.seed,
            max_model_len=rollout.max_seq_len,
            gpu_memory_utilization=0.35,  # the rest stays with the training model and optimizer
            colocate=True,
        )
    return cls(model, tokenizer)


def reference_model(cfg: BlockConfig, device):
    """The frozen KL reference, loaded once per block (None when klCoef is 0)."""
    if cfg.grpo.kl_coef <= 0:
        return None
    return freeze(load_causal_lm(cfg.grpo.reference, cache_dir(), device=device))


def reward_model(cfg: BlockConfig, device, bf16: bool):
    """The reward model that fills each round's rm_score / rm_step_scores, loaded once per block in
    the rollout stage's dtype (None when the spec names none)."""
    return load_reward_model(cfg.reward_model, device, bf16) if cfg.reward_model else None


def resume_point(cfg: BlockConfig, own: str | None) -> str | None:
    """The checkpoint to resume from: the block's own newest, else the previous block's (optimizer,
    RNG and step carry over), else None (the run's first block)."""
    if own is not None or cfg.previous_block is None:
        return own
    found = checkpoint.latest_checkpoint(cfg.previous_block)
    if found is None:
        raise FileNotFoundError(f"previousBlock {cfg.previous_block} holds no complete checkpoint")
    return found


def begin(loop: TrainLoop, cfg: BlockConfig, mu: int) -> dict[str, Any]:
    """The block's state after `loop.resume`: {"iteration": next RL iteration, "dropped": [...]}.

    A fresh block starts at its first iteration, its loop step at first × μ (the schedule's position);
    a resumed one must sit inside this block.
    """
    state = loop.state
    if "iteration" not in state:
        state |= {"iteration": cfg.first_iteration, "dropped": []}
        loop.step = cfg.first_iteration * mu
    end = cfg.first_iteration + cfg.iterations
    if not cfg.first_iteration <= state["iteration"] <= end:
        raise ValueError(
            f"grpo-block: the checkpoint is at iteration {state['iteration']}, outside this block's "
            f"iterations {cfg.first_iteration}..{end - 1} (firstIteration or previousBlock is wrong)"
        )
    return state


def end_iteration(
    loop: TrainLoop, state: dict[str, Any], iteration: int, dropped: set[str], cfg: BlockConfig
) -> None:
    """Record an iteration as done; checkpoint at the first iteration boundary after every
    `checkpointEvery` optimizer steps, at the block's end (the next block takes AdamW's moments from
    there) and at SIGTERM, which then stops the job with `Preempted`."""
    state["iteration"] = iteration + 1
    state["dropped"] = sorted({*state["dropped"], *dropped})
    every, mu = cfg.grpo.checkpoint_every, cfg.grpo.inner_epochs
    stopping = loop.stop_requested()
    final = state["iteration"] == cfg.first_iteration + cfg.iterations
    if stopping or final or loop.step // every != (loop.step - mu) // every:
        loop.checkpoint()
    if stopping and not final:
        raise checkpoint.Preempted(loop.step)
