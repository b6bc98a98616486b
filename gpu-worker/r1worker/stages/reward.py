"""reward stage: an outcome reward model trained with Bradley–Terry on `preference_pairs`, and a
process (step) head trained jointly on step labels (−1/0/+1, PRM800K convention).

Step labels come from `stepLabels` shards when given; else from `settings.humanLabels` (a PRM800K
file) in "human" mode, or from rule checks of the pairs' own completions in "rule" mode. Held-out
pair accuracy (a seeded hash of the pair id picks `heldOut` of the pairs) is measured before and
after training. Writes `<output>/model/` (RewardModel.save_pretrained + tokenizer).
"""

from __future__ import annotations

import logging
import random
import tempfile
from dataclasses import dataclass
from typing import Any

import torch
from transformers import AutoModelForCausalLM

from r1worker.algos import bradley_terry_loss, process_reward_loss
from r1worker.io import store
from r1worker.io.commit import MetricsLog
from r1worker.io.tables import read_shards
from r1worker.model import RewardModel, load_tokenizer, resolve_model_ref
from r1worker.reward_data import encode as enc
from r1worker.reward_data.prm800k import read_prm800k
from r1worker.stages import cache_dir, start_runtime
from r1worker.train import batching, checkpoint, distributed, metrics, schedule
from r1worker.train.precision import autocast

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

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> RewardConfig:
        s = spec["settings"]
        return cls(
            spec["model"],
            tuple(spec["pairs"]),
            tuple(spec["stepLabels"]),
            spec["output"],
            spec["maxSeqLen"],
            spec["seed"],
            s["learningRate"],
            s["warmupRatio"],
            s["minLrRatio"],
            s["weightDecay"],
            s["gradClip"],
            s["tokenBudget"],
            s["gradAccumulation"],
            s["epochs"],
            s["margin"],
            s["heldOut"],
            s["process"],
            s["stepLabels"],
            s.get("humanLabels"),
            spec["compute"]["checkpointEvery"],
        )


def load_step_rows(
    cfg: RewardConfig, pairs: list[dict[str, Any]], warnings: list[str]
) -> list[dict[str, Any]]:
    if not cfg.process:
        return []
    if cfg.step_labels:
        return read_shards(list(cfg.step_labels), "step_labels").to_pylist()
    if cfg.label_mode == "human" and cfg.human_labels:
        return read_prm800k(cfg.human_labels)
    if cfg.label_mode == "rule":
        return enc.rule_step_records(pairs)
    warnings.append(
        f"process head not trained: stepLabels={cfg.label_mode} needs step_labels shards"
        + (" or humanLabels" if cfg.label_mode == "human" else "")
    )
    return []


def pair_forward(model, group: list[enc.PairIds], pad_id: int, device, precision):
    """Rewards [B] of the chosen and [B] of the rejected sides of `group` (one forward over 2B rows)."""
    ids, mask = enc.pad([p.chosen for p in group] + [p.rejected for p in group], pad_id)
    with autocast(precision):
        scores = model(ids.to(device), mask.to(device)).sequence_scores.float()
    return scores[: len(group)], scores[len(group) :]


def step_forward(model, group: list[enc.StepIds], pad_id: int, device, precision):
    """Step logits [S, 3] at every step end of `group`, and their labels [S]."""
    ids, mask = enc.pad([r.input_ids for r in group], pad_id)
    with autocast(precision):
        out = model(ids.to(device), mask.to(device)).step_logits.float()
    logits = torch.cat([out[b, list(r.step_ends)] for b, r in enumerate(group)])
    labels = torch.tensor([lab for r in group for lab in r.labels], device=device)
    return logits, labels


@torch.no_grad()
def evaluate(model, pairs, records, cfg: RewardConfig, pad_id: int, precision) -> dict[str, float]:
    """Held-out pair accuracy (r_chosen > r_rejected) and step accuracy; every rank runs it (FSDP)."""
    model.eval()
    device = precision.device
    correct, seen, step_hits, steps = 0.0, 0, 0.0, 0
    for group in batching.budget_batches(
        [max(len(p.chosen), len(p.rejected)) for p in pairs], cfg.token_budget, 2
    ):
        rc, rr = pair_forward(model, [pairs[i] for i in group], pad_id, device, precision)
        correct += float((rc > rr).sum())
        seen += len(group)
    for group in batching.budget_batches([len(r.input_ids) for r in records], cfg.token_budget):
        logits, labels = step_forward(model, [records[i] for i in group], pad_id, device, precision)
        step_hits += float((logits.argmax(-1) - 1 == labels).sum())
        steps += len(labels)
    model.train()
    return {
        "pair_accuracy": correct / seen if seen else 0.0,
        "step_accuracy": step_hits / steps if steps else 0.0,
    }


def epoch_groups(sizes: list[int], cfg: RewardConfig, rows_per_item: int, epochs: int) -> list[list[int]]:
    """Token-budget groups of item indices, reshuffled each epoch by (seed, epoch)."""
    plan = []
    for epoch in range(epochs):
        order = list(range(len(sizes)))
        random.Random(cfg.seed * 1_000_003 + epoch).shuffle(order)
        groups = batching.budget_batches([sizes[i] for i in order], cfg.token_budget, rows_per_item)
        plan += [[order[p] for p in g] for g in groups]
    return plan


def run(spec: dict[str, Any]) -> dict[str, Any]:
    cfg = RewardConfig.from_spec(spec)
    rt = start_runtime(spec)
    env, device, precision = rt.env, rt.precision.device, rt.precision
    tokenizer = load_tokenizer(cfg.model, cache_dir())
    pad_id, warnings = tokenizer.pad_token_id, []
    pair_rows = read_shards(list(cfg.pairs), "preference_pairs").to_pylist() if cfg.pairs else []
    step_rows = load_step_rows(cfg, pair_rows, warnings)
    if not pair_rows and not step_rows:
        # An early policy may never be both right and wrong on one prompt: the model is saved with
        # untrained heads and flagged, and the pipeline refuses to use it as a reward (pairs stage).
        warnings.append("no preference pairs and no step labels: the reward heads are untrained")
    train_pairs, eval_pairs, train_steps, eval_steps = [], [], [], []
    for row in pair_rows:
        p = enc.encode_pair(
            tokenizer,
            row["prompt"],
            row["chosen"],
            row["rejected"],
            row["margin"] + cfg.margin,
            cfg.max_seq_len,
        )
        if p is not None:
            (eval_pairs if enc.held_out(row["id"], cfg.seed, cfg.held_out) else train_pairs).append(p)
    for row in step_rows:
        r = enc.encode_steps(tokenizer, row["prompt"], row["steps"], row["labels"], cfg.max_seq_len)
        if r is not None:
            (eval_steps if enc.held_out(row["id"], cfg.seed, cfg.held_out) else train_steps).append(r)

    pair_plan = epoch_groups([max(len(p.chosen), len(p.rejected)) for p in train_pairs], cfg, 2, cfg.epochs)
    step_plan = epoch_groups([len(r.input_ids) for r in train_steps], cfg, 1, cfg.epochs)
    lead = pair_plan if pair_plan else step_plan  # steps follow the pair plan; step batches cycle along
    per_step = cfg.grad_accumulation * env.world_size
    steps = batching.plan_steps(len(lead), per_step)
    warmup = schedule.warmup_steps_for(len(steps), cfg.warmup_ratio)

    resume = checkpoint.latest_checkpoint(cfg.output)
    path = resolve_model_ref(store.join(resume, "model") if resume else cfg.model, cache_dir())
    model = RewardModel.from_pretrained(path, device=device, step_classes=3, seed=cfg.seed)
    backbone_config = model.backbone.config
    model = distributed.wrap_model(model, env)
    optimizer = schedule.build_optimizer(model, cfg.lr, cfg.weight_decay)
    state = checkpoint.load_checkpoint(resume, model, optimizer, env) if resume else {}
    start = state.get("step", 0)
    before = state.get("before") or evaluate(model, eval_pairs, eval_steps, cfg, pad_id, precision)

    def save_model(sd, d):
        target = model
        if env.distributed:  # FSDP: rebuild an unsharded copy from the gathered state dict
            target = RewardModel(AutoModelForCausalLM.from_config(backbone_config), step_classes=3)
            target.load_state_dict(sd)
        target.save_pretrained(d)
        tokenizer.save_pretrained(d)

    meter = metrics.Throughput()
    with MetricsLog(cfg.output) as mlog, checkpoint.StopSignal() as stop:
        for step in range(start, len(steps)):
            lr = schedule.lr_at(step, cfg.lr, warmup, len(steps), cfg.min_lr_ratio)
            schedule.set_lr(optimizer, lr)

            slots = batching.rank_slots(steps[step], env.rank, env.world_size, cfg.grad_accumulation)
            n_pairs = sum(len(lead[s]) for s in steps[step]) if pair_plan else 0
            sums = {"bt": 0.0, "acc": 0.0, "process": 0.0, "tokens": 0.0}
            for k, s in enumerate(slots):
                weight = 1.0 if s is not None else 0.0
                s = steps[step][0] if s is None else s
                if hasattr(model, "set_requires_gradient_sync"):
                    model.set_requires_gradient_sync(k == len(slots) - 1)
                loss = torch.zeros((), device=device)
                if pair_plan:
                    group = [train_pairs[i] for i in pair_plan[s]]
                    rc, rr = pair_forward(model, group, pad_id, device, precision)
                    margin = torch.tensor([p.margin for p in group], device=device)
                    bt, m = bradley_terry_loss(rc, rr, margin)
                    share = len(group) / n_pairs * weight  # pair mean over the whole step
                    loss = loss + bt * share
                    sums["bt"] += bt.item() * share
                    sums["acc"] += m["accuracy"] * share
                    sums["tokens"] += weight * sum(len(p.chosen) + len(p.rejected) for p in group)
                if train_steps:
                    group = [train_steps[i] for i in step_plan[s % len(step_plan)]]
                    logits, labels = step_forward(model, group, pad_id, device, precision)
                    pl, _ = process_reward_loss(logits, labels)
                    loss = loss + pl * weight / len(steps[step])  # micro-batch mean over the step
                    sums["process"] += pl.item() * weight / len(steps[step])
                    sums["tokens"] += weight * sum(len(r.input_ids) for r in group)
                (loss * env.world_size).backward()
            grad_norm = distributed.clip_grad_norm(model, cfg.grad_clip)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

            bt, acc, proc, tokens = distributed.all_reduce(list(sums.values()), env)
            meter.add(int(tokens))
            tok_s = meter.tick()
            if env.is_main:
                mlog.log(
                    step=step + 1,
                    loss=bt + proc,
                    bt_loss=bt,
                    train_pair_accuracy=acc,
                    process_loss=proc,
                    lr=lr,
                    grad_norm=grad_norm,
                    tokens=int(tokens),
                    tokens_per_s=tok_s,
                )

            stopping = distributed.any_rank(stop.requested, env)
            done = step + 1 == len(steps)
            if stopping or (not done and (step + 1) % cfg.checkpoint_every == 0):
                checkpoint.save_checkpoint(
                    cfg.output, step + 1, model, optimizer, env, {"before": before}, save_model
                )
            if stopping and not done:
                raise checkpoint.Preempted(step + 1)

    after = evaluate(model, eval_pairs, eval_steps, cfg, pad_id, precision)
    uri = store.join(cfg.output, "model")
    sd = checkpoint.full_state_dict(model, env)
    if env.is_main:
        with tempfile.TemporaryDirectory(prefix="r1worker-rm-") as tmp:
            save_model(sd, tmp)
            store.upload_dir(tmp, uri)
    distributed.barrier(env)
    distributed.shutdown(env)
    return {
        "rowsIn": len(pair_rows) + len(step_rows),
        "outputs": {"model": uri},
        "metrics": {
            "held_out_pair_accuracy": after["pair_accuracy"],
            "held_out_pair_accuracy_before": before["pair_accuracy"],
            "held_out_step_accuracy": after["step_accuracy"],
            "held_out_pairs": len(eval_pairs),
            "train_pairs": len(train_pairs),
            "step_records": len(train_steps) + len(eval_steps),
            "steps": len(steps),
            "tokens": meter.total_tokens,
            "tokens_per_s": meter.mean_tokens_per_s,
        },
        "warnings": warnings,
    }
