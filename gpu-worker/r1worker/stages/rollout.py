"""rollout stage: G sampled completions per problem with the sampling policy's log-probs.

Reads `problems` shards, renders each question with the chat template, samples
`samplesPerPrompt` completions per prompt (HF `generate` on CPU, vLLM on GPU), records token ids,
per-token sampling log-probs, finish reason and reasoning-step boundaries, optionally scores
each completion and each step with a reward model, and writes `rollouts` shards under the
output prefix. Deterministic for a seed on CPU. The CLI then writes metrics.json and `_SUCCESS`.
Runs in one process (vLLM spreads a large model over `tensorParallel` GPUs itself).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import torch

from r1worker.io.commit import MetricsLog
from r1worker.io.sharded import ShardedWriter
from r1worker.io.tables import read_shards
from r1worker.model import RewardModel, freeze, load_causal_lm, load_tokenizer, resolve_model_ref
from r1worker.rollout import SamplingParams, get_backend, resolve_backend, split_steps
from r1worker.rollout.scoring import score_rollouts
from r1worker.stages import cache_dir, start_runtime
from r1worker.train.batching import chat_prompt

log = logging.getLogger(__name__)

SHARD_ROWS = 4096  # rows per `part-*.arrow`: one Distributed Map item of the score stage


@dataclass(frozen=True)
class RolloutConfig:
    """The rollout spec, flattened (defaults: schemas/settings/worker-stages.ts RolloutSettings)."""

    model: str  # policy checkpoint (HF layout, s3:// prefix, hub id) or builtin:tiny
    prompts: tuple[str, ...]  # `problems` shard URIs
    output: str  # stage prefix: part-*.arrow, metrics.jsonl
    reward_model: str | None  # when set, rm_score and rm_step_scores are filled
    samples_per_prompt: int  # G (R1: 16, DeepSeekMath: 64)
    policy_version: int  # iteration of the sampling policy, 0 = after SFT
    max_seq_len: int  # prompt + completion tokens; longer prompts are skipped
    seed: int  # sampling seed
    backend: str  # auto | hf | vllm
    temperature: float  # R1 samples at 1.0 during RL
    top_p: float  # 1.0 = off
    max_new_tokens: int  # completion budget, capped by max_seq_len − prompt length
    stop: tuple[str, ...]  # extra stop strings (EOS always stops)
    batch_size: int  # prompts per generate call
    tensor_parallel: int  # vLLM tensor-parallel GPUs
    reward_token_budget: int  # padded tokens per reward-model forward pass

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> RolloutConfig:
        s = spec["settings"]
        return cls(
            spec["model"],
            tuple(spec["prompts"]),
            spec["output"],
            spec.get("rewardModel"),
            spec["samplesPerPrompt"],
            spec["policyVersion"],
            spec["maxSeqLen"],
            spec["seed"],
            s["backend"],
            s["temperature"],
            s["topP"],
            s["maxNewTokens"],
            tuple(s["stop"]),
            s["batchSize"],
            s["tensorParallel"],
            s["rewardTokenBudget"],
        )


def batch_seed(seed: int, policy_version: int, batch: int) -> int:
    """A distinct, reproducible sampling seed per (run seed, policy version, prompt batch)."""
    return (seed * 1_000_003 + policy_version * 10_007 + batch) % (2**31 - 1)


def build_backend(cfg: RolloutConfig, tokenizer, device: torch.device, bf16: bool):
    name = resolve_backend(cfg.backend, cuda=device.type == "cuda")
    cls = get_backend(name, cuda=device.type == "cuda")
    if name == "vllm":
        # vLLM owns most of the GPU memory; leave room for the reward model when there is one.
        return cls(
            resolve_model_ref(cfg.model, cache_dir()),
            tensor_parallel=cfg.tensor_parallel,
            dtype="bfloat16" if bf16 else "float32",
            seed=cfg.seed,
            max_model_len=cfg.max_seq_len,
            gpu_memory_utilization=0.6 if cfg.reward_model else 0.85,
        )
    model = load_causal_lm(
        cfg.model, cache_dir(), dtype=torch.bfloat16 if bf16 else torch.float32, device=device
    )
    model.eval()
    return cls(model, tokenizer)


def rollout_rows(
    problem: dict[str, Any], prompt_ids: list[int], completions, tokenizer, policy_version: int
) -> list[dict[str, Any]]:
    """The `rollouts` rows of one problem's group (rm columns left null)."""
    group_id = f"{problem['id']}@v{policy_version}"
    rows = []
    for k, c in enumerate(completions):
        rows.append(
            {
                "id": f"{group_id}/{k}",
                "problem_id": problem["id"],
                "group_id": group_id,
                "sample_index": k,
                "policy_version": policy_version,
                "level": problem["level"],
                "answer": problem["answer"],
                "answer_type": problem["answer_type"],
                "choices": problem["choices"],
                # The user turn, as in problems/sft_examples: rejection and reward data reuse it, and
                # their trainers render the chat template themselves (prompt_token_ids hold the render).
                "prompt": problem["question"],
                "completion": tokenizer.decode(c.token_ids, skip_special_tokens=True),
                "prompt_token_ids": prompt_ids,
                "completion_token_ids": c.token_ids,
                "logprobs": c.logprobs,
                "finish_reason": c.finish_reason,
                "rm_score": None,
                "rm_step_scores": None,
                "step_token_ends": split_steps(c.token_ids, tokenizer),
            }
        )
    return rows


def render_prompts(problems, tokenizer, max_seq_len: int) -> tuple[list[tuple[dict, str, list[int]]], int]:
    """(problem, prompt text, prompt ids) of every problem, and how many were skipped: a prompt
    that leaves no room for one completion token."""
    todo, skipped = [], 0
    for problem in problems:
        text = chat_prompt(tokenizer, problem["question"])
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        if len(ids) < max_seq_len:
            todo.append((problem, text, ids))
        else:
            skipped += 1
    return todo, skipped


def sample_batch(backend, chunk, cfg: RolloutConfig, b: int, tokenizer) -> tuple[list[dict[str, Any]], float]:
    """The `rollouts` rows of prompt batch `b` (`chunk` from `render_prompts`) and its generate seconds."""
    longest = max(len(ids) for _, _, ids in chunk)
    params = SamplingParams(
        n=cfg.samples_per_prompt,
        temperature=cfg.temperature,
        top_p=cfg.top_p,
        max_new_tokens=min(cfg.max_new_tokens, cfg.max_seq_len - longest),
        stop=cfg.stop,
        seed=batch_seed(cfg.seed, cfg.policy_version, b),
    )
    t0 = time.perf_counter()
    groups = backend.generate([ids for _, _, ids in chunk], params)
    seconds = time.perf_counter() - t0
    rows = [
        row
        for (problem, _text, ids), group in zip(chunk, groups, strict=True)
        for row in rollout_rows(problem, ids, group, tokenizer, cfg.policy_version)
    ]
    return rows, seconds


def load_reward_model(uri: str, device: torch.device, bf16: bool) -> RewardModel:
    """The reward model at `uri`, for scoring only (eval mode, no gradients), in the rollout's dtype."""
    model = RewardModel.from_pretrained(
        resolve_model_ref(uri, cache_dir()),
        dtype=torch.bfloat16 if bf16 else torch.float32,
        device=device,
    )
    return freeze(model)


def score_rows(
    reward_model: RewardModel, rows: list[dict[str, Any]], cfg: RolloutConfig, pad_id: int
) -> float:
    """Fills `rm_score` and `rm_step_scores` of `rollouts` rows in place; returns the sum of rm_score."""
    scores = score_rollouts(
        reward_model,
        [r["prompt_token_ids"] for r in rows],
        [r["completion_token_ids"] for r in rows],
        [r["step_token_ends"] for r in rows],
        pad_id,
        token_budget=cfg.reward_token_budget,
        max_len=cfg.max_seq_len,
    )
    for row, (score, steps) in zip(rows, scores, strict=True):
        row["rm_score"], row["rm_step_scores"] = score, steps
    return sum(score for score, _ in scores)


def run(spec: dict[str, Any]) -> dict[str, Any]:
    cfg = RolloutConfig.from_spec(spec)
    rt = start_runtime(spec)
    device, bf16 = rt.precision.device, rt.precision.autocast_dtype == torch.bfloat16
    problems = read_shards(list(cfg.prompts), "problems").to_pylist()
    tokenizer = load_tokenizer(cfg.model, cache_dir())
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    todo, skipped = render_prompts(problems, tokenizer, cfg.max_seq_len)
    backend = build_backend(cfg, tokenizer, device, bf16)
    reward_model = load_reward_model(cfg.reward_model, device, bf16) if cfg.reward_model else None
    log.info(
        "rollout plan",
        extra={
            "problems": len(problems),
            "skipped": skipped,
            "backend": backend.name,
            "samples_per_prompt": cfg.samples_per_prompt,
        },
    )

    tokens = truncated = rows_out = 0
    gen_seconds, rm_sum = 0.0, 0.0
    with (
        MetricsLog(cfg.output) as mlog,
        ShardedWriter(cfg.output, "rollouts", max_rows=SHARD_ROWS, group_column="group_id") as writer,
    ):
        for b, start in enumerate(range(0, len(todo), cfg.batch_size)):
            chunk = todo[start : start + cfg.batch_size]
            rows, seconds = sample_batch(backend, chunk, cfg, b, tokenizer)
            if reward_model is not None:
                rm_sum += score_rows(reward_model, rows, cfg, pad_id)
            writer.write(rows)

            new = sum(len(r["completion_token_ids"]) for r in rows)
            cut = sum(r["finish_reason"] == "length" for r in rows)
            tokens, truncated, rows_out, gen_seconds = (
                tokens + new,
                truncated + cut,
                rows_out + len(rows),
                gen_seconds + seconds,
            )
            mlog.log(
                batch=b,
                prompts=len(chunk),
                rows=len(rows),
                tokens=new,
                tokens_per_s=new / max(seconds, 1e-9),
                mean_completion_len=new / max(len(rows), 1),
                truncated_share=cut / max(len(rows), 1),
            )
    shards = writer.uris

    metrics = {
        "tokens": tokens,
        "tokens_per_s": tokens / gen_seconds if gen_seconds else 0.0,
        "mean_completion_len": tokens / rows_out if rows_out else 0.0,
        "truncated_share": truncated / rows_out if rows_out else 0.0,
        "prompts": len(todo),
        "skipped_prompts": skipped,
        "generate_seconds": gen_seconds,
    }
    if reward_model is not None and rows_out:
        metrics["rm_score_mean"] = rm_sum / rows_out
    warnings = (
        [f"{skipped} problems skipped: prompt of maxSeqLen ({cfg.max_seq_len}) tokens or more"]
        if skipped
        else []
    )
    return {
        "rowsIn": len(problems),
        "rowsOut": rows_out,
        "outputs": {"rollouts": shards},
        "metrics": metrics,
        "warnings": warnings,
    }
