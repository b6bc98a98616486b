"""reward stage: an outcome reward model trained with Bradley–Terry on `preference_pairs`, and a
process (step) head trained jointly on step labels (−1/0/+1, PRM800K convention).

Step labels come from `stepLabels` shards when given; else from `settings.humanLabels` (a PRM800K
file) in "human" mode, or from rule checks of the pairs' own completions in "rule" mode. In "auto"
mode they are Math-Shepherd labels of the `rollouts` shards' completions (`label_rollouts`): from
the end of each step, `autoCompletions` continuations are sampled from `model` (the SFT policy
that wrote the rollouts) and the step is +1 when any ("any") / more than half ("most") of them end
in the reference answer, else −1. Rule-origin `stepLabels` rows (the pairs stage writes them in
every mode) are then left out so each solution has one kind of label; other shard rows are kept.
Auto labelling costs steps × autoCompletions generations per solution; at most
min(AUTO_MAX_SOLUTIONS, prompts × samplesPerPrompt) rollouts are labelled. Held-out
pair accuracy (a seeded hash of the pair id picks `heldOut` of the pairs) is measured before and
after training. Writes `<output>/model/` (RewardModel.save_pretrained + tokenizer).
"""

from __future__ import annotations

import logging
import random
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from transformers import AutoModelForCausalLM

from r1worker.algos import bradley_terry_loss, process_reward_loss
from r1worker.io import store
from r1worker.io.commit import MetricsLog
from r1worker.io.tables import read_shards, write_table
from r1worker.model import RewardModel, load_causal_lm, load_tokenizer, resolve_model_ref
from r1worker.reward_data import encode as enc
from r1worker.reward_data.answer_check import reaches_answer
from r1worker.reward_data.math_shepherd import label_steps, step_prefix
from r1worker.reward_data.prm800k import read_prm800k
from r1worker.rollout import SamplingParams, get_backend
from r1worker.rollout.steps import step_spans
from r1worker.stages import cache_dir, start_runtime
from r1worker.train import batching, checkpoint, distributed, metrics, schedule
from r1worker.train.precision import autocast

log = logging.getLogger(__name__)

AUTO_MAX_SOLUTIONS = 1024  # rollouts labelled in auto mode at most (a seeded sample beyond it)
AUTO_GENERATE_ROWS = 256  # sequences per generate call when sampling continuations
AUTO_TEMPERATURE = 1.0  # continuations are policy samples, as the rollouts were (R1: T = 1)


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
    rollouts: tuple[str, ...] = ()  # rollouts shard URIs, labelled step by step in auto mode
    auto_completions: int = 8  # Math-Shepherd N: continuations sampled from each step
    auto_rule: str = "any"  # any (hard estimation) | most (more than half reach the answer)
    auto_max_solutions: int = AUTO_MAX_SOLUTIONS  # rollouts labelled at most

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> RewardConfig:
        s = spec["settings"]
        return cls(
            model=spec["model"],
            pairs=tuple(spec["pairs"]),
            step_labels=tuple(spec["stepLabels"]),
            output=spec["output"],
            max_seq_len=spec["maxSeqLen"],
            seed=spec["seed"],
            **schedule.optim_fields(s),
            epochs=s["epochs"],
            margin=s["margin"],
            held_out=s["heldOut"],
            process=s["process"],
            label_mode=s["stepLabels"],
            human_labels=s.get("humanLabels"),  # optional in the schema
            checkpoint_every=spec["compute"]["checkpointEvery"],
            rollouts=tuple(spec["rollouts"]),
            auto_completions=s["autoCompletions"],
            auto_rule=s["autoRule"],
            auto_max_solutions=min(AUTO_MAX_SOLUTIONS, s["prompts"] * s["samplesPerPrompt"]),
        )


@dataclass(frozen=True)
class AutoPrefix:
    """A solution cut after one of its steps: what continuations are sampled from."""

    row: int  # index of the rollout in the labelled list
    step: int  # index of the step the prefix ends with
    prompt: str  # the rollout's prompt
    text: str  # the completion up to the end of that step
    ids: tuple[int, ...]  # prompt ids + ids of `text` (what the policy continues)


# (prefixes, n) -> for each prefix, n sampled continuations (text after the prefix)
Sampler = Callable[[Sequence[AutoPrefix], int], list[list[str]]]


def prompt_ids(tokenizer, row: dict[str, Any]) -> list[int]:
    """The rollout's own prompt ids; rows without them get chat_prompt(prompt) tokenised."""
    ids = row.get("prompt_token_ids")
    if ids:
        return list(ids)
    return enc._ids(tokenizer, batching.chat_prompt(tokenizer, row["prompt"]))


def auto_step_rows(
    rows: Sequence[dict[str, Any]],
    tokenizer,
    sample: Sampler,
    n: int,
    rule: str,
    max_seq_len: int,
    batch_prefixes: int = 32,
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Math-Shepherd `step_labels` rows (origin "auto") of rollout rows, and their counts.

    Steps are `rollout.steps.step_spans` of the completion (think lines, then the final answer);
    a step is labelled only while the prompt and the completion up to its end leave room for one
    more token in `max_seq_len` (later steps are dropped, as the process head's encoding would).
    The prefixes of every solution are sampled together, `batch_prefixes` per `sample` call,
    longest first. The last step of a finished solution (finish_reason "stop") is its answer:
    it is not sampled, its n "continuations" are the solution itself. Each continuation is judged
    on the whole text (completion up to the step + continuation) by `answer_check.reaches_answer`
    against the row's reference answer; `math_shepherd.label_steps` applies the rule.
    """
    plans: list[tuple[dict[str, Any], list[str]]] = []
    todo: list[AutoPrefix] = []
    final: set[tuple[int, int]] = set()
    for i, row in enumerate(rows):
        text, p_ids = row["completion"], prompt_ids(tokenizer, row)
        spans, steps = step_spans(text), []
        for k, (start, end) in enumerate(spans):
            ids = p_ids + enc._ids(tokenizer, text[:end])
            if len(ids) >= max_seq_len:
                break
            steps.append(text[start:end].strip())
            if k == len(spans) - 1 and row.get("finish_reason", "stop") == "stop":
                final.add((i, k))
            else:
                todo.append(AutoPrefix(i, k, row["prompt"], text[:end], tuple(ids)))
        plans.append((row, steps))
    todo.sort(key=lambda p: -len(p.ids))
    continuations: dict[tuple[int, int], list[str]] = {}
    for start in range(0, len(todo), batch_prefixes):
        chunk = todo[start : start + batch_prefixes]
        for prefix, got in zip(chunk, sample(chunk, n), strict=True):
            continuations[(prefix.row, prefix.step)] = [prefix.text + c for c in got]

    out, steps_total, positive = [], 0, 0
    for i, (row, steps) in enumerate(plans):
        if not steps:
            continue
        whole = {
            step_prefix("", steps, k): ([row["completion"]] * n if (i, k) in final else continuations[(i, k)])
            for k in range(len(steps))
        }
        labels, _ = label_steps(
            "",
            steps,
            lambda prefix, _n, whole=whole: whole[prefix],
            lambda solution, answer=row["answer"]: reaches_answer(solution, answer),
            n=n,
            rule=rule,
        )
        out.append(
            {
                "id": f"{row['id']}-auto",
                "problem_id": row["problem_id"],
                "prompt": row["prompt"],
                "steps": steps,
                "labels": labels,
                "origin": "auto",
            }
        )
        steps_total += len(labels)
        positive += sum(label > 0 for label in labels)
    return out, {
        "auto_labelled_solutions": len(out),
        "auto_steps": steps_total,
        "auto_positive_share": positive / steps_total if steps_total else 0.0,
        "auto_completions_sampled": len(todo) * n,
    }


def hf_sampler(model, tokenizer, max_seq_len: int, seed: int) -> Sampler:
    """A `Sampler` over the HF generate backend: temperature AUTO_TEMPERATURE, top-p off, each
    call's continuations at most `max_seq_len` − its longest prefix tokens, a fresh seed per call."""
    backend = get_backend("hf")(model, tokenizer)
    calls = [0]

    def sample(prefixes: Sequence[AutoPrefix], n: int) -> list[list[str]]:
        longest = max(len(p.ids) for p in prefixes)
        params = SamplingParams(
            n=n,
            temperature=AUTO_TEMPERATURE,
            top_p=1.0,
            max_new_tokens=max(1, max_seq_len - longest),
            seed=seed * 1_000_003 + calls[0],
        )
        calls[0] += 1
        groups = backend.generate([list(p.ids) for p in prefixes], params)
        return [[tokenizer.decode(c.token_ids, skip_special_tokens=True) for c in g] for g in groups]

    return sample


def label_rollouts(
    cfg: RewardConfig, tokenizer, rt, resume: str | None
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Auto step labels of the spec's rollouts (at most `cfg.auto_max_solutions`, a seeded sample),
    sampled with `cfg.model` on this rank's device; ranks label a share each and gather them.
    The rows are written to `<output>/auto-steps/part-00000.arrow`; a resumed run reads them back."""
    saved = store.join(cfg.output, "auto-steps", "part-00000.arrow")
    if resume and store.exists(saved):
        rows = read_shards([saved], "step_labels").to_pylist()
        steps = sum(len(r["labels"]) for r in rows)
        positive = sum(lab > 0 for r in rows for lab in r["labels"])
        return rows, {
            "auto_labelled_solutions": len(rows),
            "auto_steps": steps,
            "auto_positive_share": positive / steps if steps else 0.0,
            "auto_completions_sampled": 0,
        }
    rollouts = read_shards(list(cfg.rollouts), "rollouts").to_pylist()
    if len(rollouts) > cfg.auto_max_solutions:
        keep = sorted(random.Random(cfg.seed).sample(range(len(rollouts)), cfg.auto_max_solutions))
        rollouts = [rollouts[i] for i in keep]
    env, precision = rt.env, rt.precision
    bf16 = precision.autocast_dtype == torch.bfloat16
    model = load_causal_lm(
        cfg.model, cache_dir(), dtype=torch.bfloat16 if bf16 else torch.float32, device=precision.device
    )
    model.eval()
    sampler = hf_sampler(model, tokenizer, cfg.max_seq_len, cfg.seed * 7919 + env.rank)
    rows, counts = auto_step_rows(
        rollouts[env.rank :: env.world_size],
        tokenizer,
        sampler,
        cfg.auto_completions,
        cfg.auto_rule,
        cfg.max_seq_len,
        batch_prefixes=max(1, AUTO_GENERATE_ROWS // cfg.auto_completions),
    )
    del model, sampler
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    if env.distributed:
        gathered: list[Any] = [None] * env.world_size
        torch.distributed.all_gather_object(gathered, (rows, counts))
        rows = [r for part, _ in gathered for r in part]
        total = {k: sum(c[k] for _, c in gathered) for k in counts}
        pos = sum(c["auto_positive_share"] * c["auto_steps"] for _, c in gathered)
        total["auto_positive_share"] = pos / total["auto_steps"] if total["auto_steps"] else 0.0
        counts = total
    if env.is_main and rows:
        write_table(saved, "step_labels", rows)
    distributed.barrier(env)
    return rows, counts


def load_step_rows(
    cfg: RewardConfig,
    pairs: list[dict[str, Any]],
    warnings: list[str],
    auto_rows: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
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
    resume = checkpoint.latest_checkpoint(cfg.output)
    auto_rows, auto_metrics = [], {}
    if cfg.process and cfg.label_mode == "auto" and cfg.rollouts:
        auto_rows, auto_metrics = label_rollouts(cfg, tokenizer, rt, resume)
        if not auto_rows:
            warnings.append("auto step labelling produced no labelled solution")
    step_rows = load_step_rows(cfg, pair_rows, warnings, auto_rows)
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
        "outputs": {
            "model": uri,
            **(
                {"autoStepLabels": [store.join(cfg.output, "auto-steps", "part-00000.arrow")]}
                if auto_rows
                else {}
            ),
        },
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
            **auto_metrics,
        },
        "warnings": warnings,
    }
