"""grpo-block stage: K GRPO iterations in one worker job (DeepSeekMath §4.1, DeepSeek-R1 §2.2.1),
with the policy, AdamW's state, the KL reference, the rollout engine and the reward model (when the
spec names one) kept in memory.

Per iteration: sample G completions per prompt with the live policy → fill their rm_score /
rm_step_scores with the reward model, if any → score them with the TypeScript scorer child (one per
block) → drop all-right / all-wrong groups (with DAPO's dynamic sampling on, refill a batch left
short of `groupsPerIteration` informative groups from the iteration's reserve, grpo_block/refill.py)
→ μ optimizer steps of the grpo stage's step function on the block's one TrainLoop → hand the new
weights to the engine.
Iteration i writes `iter-NNNN/rollouts/`, `iter-NNNN/scored/` and `iter-NNNN/metrics.json`, the
tables the per-iteration stages write. Checkpoints (model, optimizer, RNG, step, iteration and
dropped problems) at iteration boundaries, at SIGTERM and at the block's end; the next block
resumes its optimizer from the last one (`previousBlock`). One process (no FSDP yet).
"""

from __future__ import annotations

from typing import Any

import torch

from r1worker.grpo_block.config import BlockConfig, iteration_dir
from r1worker.grpo_block.iteration import Timer, update, write_shards
from r1worker.grpo_block.refill import batch_record, informative_groups
from r1worker.grpo_block.resident import (
    begin,
    end_iteration,
    reference_model,
    resume_point,
    reward_model,
    rollout_engine,
)
from r1worker.grpo_block.rounds import sample_iteration
from r1worker.io import store
from r1worker.io.uri import join
from r1worker.model import load_tokenizer
from r1worker.model.save import causal_lm_saver
from r1worker.rollout.ts_scorer import TsScorer
from r1worker.stages import cache_dir, load_policy, start_runtime
from r1worker.train.loop import LoopSettings, TrainLoop, start_model


def run(spec: dict[str, Any]) -> dict[str, Any]:
    cfg = BlockConfig.from_spec(spec)
    # The scorer child starts first: node loads the verifier while the model loads and the first
    # rollout runs (its ready line is read at the first score, `scorer_wait_s`).
    with TsScorer(wait_ready=False) as scorer:
        return run_block(spec, cfg, scorer)


def run_block(spec: dict[str, Any], cfg: BlockConfig, scorer: TsScorer) -> dict[str, Any]:
    g, mu = cfg.grpo, cfg.grpo.inner_epochs
    job = Timer()  # the block's start and end, which its K iterations share
    rt = start_runtime(spec)
    env, precision = rt.env, rt.precision
    bf16 = precision.autocast_dtype == torch.bfloat16
    if env.world_size > 1:
        raise ValueError("grpo-block runs in one process; run GRPO as per-iteration stages on several GPUs")
    with job("load"):
        tokenizer = load_tokenizer(g.policy, cache_dir())
        pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        model, own = start_model(cfg.output, g.policy, load_policy(precision.device), env)
        reference = reference_model(cfg, precision.device)
        rm = reward_model(cfg, precision.device, bf16)
    last = cfg.first_iteration + cfg.iterations
    settings = LoopSettings.of(g, steps=last * mu, schedule_steps=g.iterations * mu, schedule_start=0)
    history: list[dict[str, Any]] = []
    with TrainLoop(model, settings, env, causal_lm_saver(model, tokenizer)) as loop:
        with job("resume"):  # the previous block's AdamW and RNG, the engine and its first weights
            loop.resume(resume_point(cfg, own))
            state = begin(loop, cfg, mu)
            engine = rollout_engine(cfg, model, tokenizer, precision.device, bf16)
            engine.sync_weights(model)
        for it in range(state["iteration"], last):
            timer, out = Timer(), iteration_dir(cfg.output, it)
            got = sample_iteration(engine, rm, tokenizer, cfg, it, scorer, set(state["dropped"]), timer)
            with timer("rollout"):
                engine.sleep()
            with timer("write"):
                write_shards(join(out, "rollouts"), "rollouts", got.rollouts)
                write_shards(join(out, "scored"), "scored_rollouts", got.scored)
            # Dynamic sampling trains on a full batch, exactly groupsPerIteration groups (DAPO §3.2);
            # off, on every informative group of the batch, as the per-iteration stages do.
            limit = cfg.groups_per_iteration if cfg.dynamic.enabled else None
            kept, dropped = informative_groups(got.scored, limit)
            with timer("update"):
                update_metrics = update(loop, reference, kept, g, pad_id, precision, it)
            with timer("sync"):
                engine.sync_weights(model)
            batch = batch_record(got.refill, kept, cfg.groups_per_iteration)
            record = iteration_record(it, got, update_metrics, batch, dropped, timer)
            store.write_json(join(out, "metrics.json"), record)
            history.append(record)
            with job("checkpoint"):  # the block's end, every checkpointEvery steps, SIGTERM
                end_iteration(loop, state, it, dropped, cfg)
        with job("save"):
            model_uri = loop.save_final()
    return summary(cfg, history, model_uri, loop.step, job.seconds)


def iteration_record(it, got, update_metrics, batch, dropped, timer) -> dict[str, Any]:
    """iter-NNNN/metrics.json: what the rollout, score and update stages report for one iteration,
    and how full its batch was (`batch`: refill rounds, reserve prompts, groups trained / short)."""
    return {
        "iteration": it,
        "rollout": got.rollout,
        "score": got.summary,
        "update": update_metrics,
        "batch": batch,
        "droppedProblems": len(dropped),
        "seconds": timer.total(),
    }


# iter-NNNN/metrics.json `batch` field → the summary's total over the block's iterations run
BATCH_TOTALS = {
    "informativeBefore": "informative_groups_before",
    "informativeAfter": "informative_groups_after",
    "groupsTrained": "groups_trained",
    "groupsShort": "groups_short",
    "rounds": "refill_rounds",
    "reservePrompts": "reserve_prompts",
}


def summary(
    cfg: BlockConfig, history: list[dict[str, Any]], model_uri: str, step: int, job_seconds: dict[str, float]
) -> dict[str, Any]:
    """The stage summary: the last iteration's update metrics, mean seconds per phase, the seconds of
    the job's own start and end (`job_load_s`, `job_resume_s`, `job_checkpoint_s`, `job_save_s`) and
    the batch totals (informative groups before / after refill, groups trained and short, rounds,
    reserve)."""
    metrics: dict[str, float] = {"iterations": len(history), "step": step}
    metrics |= {f"job_{phase}_s": s for phase, s in job_seconds.items()}
    trained = [h for h in history if h["update"]["rows"]]
    if trained:
        metrics |= {k: v for k, v in trained[-1]["update"].items() if isinstance(v, int | float)}
    if history:
        for phase in history[0]["seconds"]:
            metrics[f"mean_{phase}"] = sum(h["seconds"][phase] for h in history) / len(history)
    for key, name in BATCH_TOTALS.items():
        metrics[name] = sum(h["batch"][key] for h in history)
    dirs = [iteration_dir(cfg.output, cfg.first_iteration + k) for k in range(cfg.iterations)]
    idle = [h["iteration"] for h in history if not h["update"]["rows"]]
    warnings = [f"iterations {idle} had nothing to train on (every prompt dropped)"] if idle else []
    short = [h["iteration"] for h in history if h["batch"]["groupsShort"]]
    if cfg.dynamic.enabled and short:
        warnings.append(
            f"iterations {short} trained on fewer than groupsPerIteration ({cfg.groups_per_iteration}) "
            f"informative groups after {cfg.dynamic.max_rounds} refill rounds at most "
            f"({metrics['groups_short']} groups short in all): the reserve ran out or maxRounds is too low"
        )
    return {"outputs": {"model": model_uri, "iterations": dirs}, "metrics": metrics, "warnings": warnings}
