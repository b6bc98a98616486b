"""reward stage: an outcome reward model trained with Bradley–Terry on `preference_pairs`, and a
process (step) head trained jointly on step labels (−1/0/+1, PRM800K convention).

Step labels come from `stepLabels` shards when given; else from `settings.humanLabels` (a PRM800K
file) in "human" mode, or from rule checks of the pairs' own completions in "rule" mode. In "auto"
mode they are Math-Shepherd labels of the `rollouts` shards' completions
(`r1worker.reward_data.auto_labels`), sampled from `model` (the SFT policy that wrote the
rollouts); rule-origin `stepLabels` rows (the pairs stage writes them in every mode) are then left
out so each solution has one kind of label; other shard rows are kept. Held-out pair accuracy (a
seeded hash of the pair id picks `heldOut` of the pairs) is measured before and after training.
Training runs in `r1worker.train.loop` with the step function of `r1worker.train.reward_step`.
Writes `<output>/model/` (RewardModel.save_pretrained + tokenizer).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from r1worker.io.tables import read_shards
from r1worker.model import RewardModel, load_tokenizer, resolve_model_ref
from r1worker.model.save import reward_model_saver
from r1worker.reward_data import encode as enc
from r1worker.reward_data.auto_labels import AUTO_MAX_SOLUTIONS, AutoSettings, auto_labels_uri, label_rollouts
from r1worker.reward_data.prm800k import read_prm800k
from r1worker.stages import cache_dir, start_runtime
from r1worker.train import batching, checkpoint, distributed
from r1worker.train.loop import LoopSettings, TrainLoop, start_model, train_fields
from r1worker.train.reward_step import RewardStep, epoch_groups, evaluate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RewardConfig:
    """The reward spec, flattened (defaults: schemas/settings/worker-stages.ts RewardModelSettings)."""

    model: str  # backbone to start from: usually the SFT model (HF layout) or builtin:tiny
    pairs: tuple[str, ...]  # preference_pairs shard URIs
    step_labels: tuple[str, ...]  # step_labels shard URIs (may be empty)
    output: str  # stage prefix
    max_seq_len: int  # tokens per sequence (longer ones are cut)
    seed: int  # held-out split, data order, head initialisation
    lr: float  # peak learning rate; DeepSeekMath's reward model used 2e-5
    warmup_ratio: float
    min_lr_ratio: float
    weight_decay: float
    grad_clip: float
    token_budget: int  # padded tokens per micro-batch (both sides of each pair count)
    grad_accumulation: int
    epochs: int
    margin: float  # added to each pair's own margin column
    held_out: float  # share of pairs kept out of training for the accuracy figure
    process: bool  # train the step head too
    label_mode: str  # human | auto | rule: where step labels come from when no shards are given
    human_labels: str | None  # PRM800K-format JSONL URI
    checkpoint_every: int
    rollouts: tuple[str, ...]  # rollouts shard URIs, labelled step by step in auto mode
    auto_completions: int  # Math-Shepherd N: continuations sampled from each step
    auto_rule: str  # any (hard estimation) | most (more than half reach the answer)
    auto_max_solutions: int  # rollouts labelled at most

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> RewardConfig:
        s = spec["settings"]
        return cls(
            model=spec["model"],
            pairs=tuple(spec["pairs"]),
            step_labels=tuple(spec["stepLabels"]),
            **train_fields(spec),
            grad_accumulation=s["gradAccumulation"],
            epochs=s["epochs"],
            margin=s["margin"],
            held_out=s["heldOut"],
            process=s["process"],
            label_mode=s["stepLabels"],
            human_labels=s.get("humanLabels"),  # optional in the schema
            rollouts=tuple(spec["rollouts"]),
            auto_completions=s["autoCompletions"],
            auto_rule=s["autoRule"],
            auto_max_solutions=min(AUTO_MAX_SOLUTIONS, s["prompts"] * s["samplesPerPrompt"]),
        )

    @property
    def auto(self) -> AutoSettings:
        return AutoSettings(
            self.model,
            self.rollouts,
            self.output,
            self.max_seq_len,
            self.seed,
            self.auto_completions,
            self.auto_rule,
            self.auto_max_solutions,
        )


def load_step_rows(
    cfg: RewardConfig,
    pairs: list[dict[str, Any]],
    warnings: list[str],
    auto_rows: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The process head's step-label rows, by source: auto labels (+ non-rule shard rows), else the
    `stepLabels` shards, else the PRM800K file (human) or rule checks of the pairs (rule); none,
    with a warning, when the mode's source is missing."""
    if not cfg.process:
        return []
    if cfg.label_mode == "auto" and cfg.rollouts:
        given = read_shards(list(cfg.step_labels), "step_labels").to_pylist() if cfg.step_labels else []
        return list(auto_rows or []) + [r for r in given if r["origin"] != "rule"]
    if cfg.step_labels:
        return read_shards(list(cfg.step_labels), "step_labels").to_pylist()
    if cfg.label_mode == "human" and cfg.human_labels:
        return read_prm800k(cfg.human_labels)
    if cfg.label_mode == "rule":
        return enc.rule_step_records(pairs)
    warnings.append(
        f"process head not trained: stepLabels={cfg.label_mode} needs step_labels shards"
        + {"human": " or humanLabels", "auto": " or rollouts"}.get(cfg.label_mode, "")
    )
    return []


def split_held_out(cfg: RewardConfig, tokenizer, pair_rows, step_rows):
    """Encoded (train pairs, held-out pairs, train step records, held-out step records)."""
    train_pairs, eval_pairs, train_steps, eval_steps = [], [], [], []
    for row in pair_rows:
        margin = row["margin"] + cfg.margin
        p = enc.encode_pair(tokenizer, row["prompt"], row["chosen"], row["rejected"], margin, cfg.max_seq_len)
        if p is not None:
            (eval_pairs if enc.held_out(row["id"], cfg.seed, cfg.held_out) else train_pairs).append(p)
    for row in step_rows:
        r = enc.encode_steps(tokenizer, row["prompt"], row["steps"], row["labels"], cfg.max_seq_len)
        if r is not None:
            (eval_steps if enc.held_out(row["id"], cfg.seed, cfg.held_out) else train_steps).append(r)
    return train_pairs, eval_pairs, train_steps, eval_steps


def run(spec: dict[str, Any]) -> dict[str, Any]:
    cfg = RewardConfig.from_spec(spec)
    rt = start_runtime(spec)
    env, precision = rt.env, rt.precision
    tokenizer = load_tokenizer(cfg.model, cache_dir())
    pad_id, warnings = tokenizer.pad_token_id, []
    pair_rows = read_shards(list(cfg.pairs), "preference_pairs").to_pylist() if cfg.pairs else []
    auto_rows, auto_metrics = [], {}
    if cfg.process and cfg.label_mode == "auto" and cfg.rollouts:
        resumed = checkpoint.latest_checkpoint(cfg.output)
        auto_rows, auto_metrics = label_rollouts(cfg.auto, tokenizer, rt, resumed, cache_dir())
        if not auto_rows:
            warnings.append("auto step labelling produced no labelled solution")
    step_rows = load_step_rows(cfg, pair_rows, warnings, auto_rows)
    if not pair_rows and not step_rows:
        # An early policy may never be both right and wrong on one prompt: the model is saved with
        # untrained heads and flagged, and the pipeline refuses to use it as a reward (pairs stage).
        warnings.append("no preference pairs and no step labels: the reward heads are untrained")
    train_pairs, eval_pairs, train_steps, eval_steps = split_held_out(cfg, tokenizer, pair_rows, step_rows)

    pair_sizes = [max(len(p.chosen), len(p.rejected)) for p in train_pairs]
    pair_plan = epoch_groups(pair_sizes, cfg.token_budget, cfg.seed, 2, cfg.epochs)
    step_plan = epoch_groups(
        [len(r.input_ids) for r in train_steps], cfg.token_budget, cfg.seed, 1, cfg.epochs
    )
    lead = pair_plan if pair_plan else step_plan  # steps follow the pair plan; step batches cycle along
    steps = batching.plan_steps(len(lead), cfg.grad_accumulation * env.world_size)

    def load(ref: str) -> RewardModel:
        return RewardModel.from_pretrained(
            resolve_model_ref(ref, cache_dir()), device=precision.device, step_classes=3, seed=cfg.seed
        )

    model, resume = start_model(cfg.output, cfg.model, load, env)
    save = reward_model_saver(model, tokenizer, env.distributed)
    settings = LoopSettings.of(cfg, steps=len(steps), schedule_steps=len(steps), schedule_start=0)
    step_fn = RewardStep(model, train_pairs, pair_plan, train_steps, step_plan, pad_id, precision)
    with TrainLoop(model, settings, env, save) as loop:
        state = loop.resume(resume)
        state["before"] = state.get("before") or evaluate(
            model, eval_pairs, eval_steps, cfg.token_budget, pad_id, precision
        )
        for step in range(loop.step, len(steps)):
            micro = step_fn.micro_batches(steps[step], env.rank, env.world_size, cfg.grad_accumulation)
            loop.train_step(micro, step_fn)
        after = evaluate(model, eval_pairs, eval_steps, cfg.token_budget, pad_id, precision)
        model_uri = loop.save_final()
    distributed.shutdown(env)
    before = state["before"]
    return {
        "rowsIn": len(pair_rows) + len(step_rows),
        "outputs": {
            "model": model_uri,
            **({"autoStepLabels": [auto_labels_uri(cfg.output)]} if auto_rows else {}),
        },
        "metrics": {
            "held_out_pair_accuracy": after["pair_accuracy"],
            "held_out_pair_accuracy_before": before["pair_accuracy"],
            "held_out_step_accuracy": after["step_accuracy"],
            "held_out_pairs": len(eval_pairs),
            "train_pairs": len(train_pairs),
            "step_records": len(train_steps) + len(eval_steps),
            "steps": len(steps),
            "tokens": loop.stats.tokens,
            "tokens_per_s": loop.stats.tokens_per_s,
            **auto_metrics,
        },
        "warnings": warnings,
    }
