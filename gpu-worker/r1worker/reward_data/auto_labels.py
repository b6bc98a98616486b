"""Math-Shepherd automatic step labels of rollouts (Wang et al. 2024, §3.3), for the reward stage.

From the end of each step of a rollout's completion, `completions` continuations are sampled from
the policy that wrote the rollouts; the step is +1 when any ("any") / more than half ("most") of
them end in the reference answer, else −1 (`math_shepherd.label_steps`). Costs steps × completions
generations per solution; at most `max_solutions` rollouts (a seeded sample) are labelled.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from r1worker.io import store
from r1worker.io.tables import read_shards, write_table
from r1worker.model import load_causal_lm
from r1worker.reward_data import encode as enc
from r1worker.reward_data.answer_check import reaches_answer
from r1worker.reward_data.math_shepherd import label_steps, step_prefix
from r1worker.rollout import SamplingParams, get_backend
from r1worker.rollout.steps import step_spans
from r1worker.train import batching, distributed

AUTO_MAX_SOLUTIONS = 1024  # rollouts labelled in auto mode at most (a seeded sample beyond it)
AUTO_GENERATE_ROWS = 256  # sequences per generate call when sampling continuations
AUTO_TEMPERATURE = 1.0  # continuations are policy samples, as the rollouts were (R1: T = 1)


def auto_labels_uri(output: str) -> str:
    return store.join(output, "auto-steps", "part-00000.arrow")


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


@dataclass(frozen=True)
class AutoSettings:
    """What `label_rollouts` needs of the reward spec (RewardModelSettings: autoCompletions, autoRule)."""

    model: str  # the policy that wrote the rollouts: continuations are sampled from it
    rollouts: tuple[str, ...]  # `rollouts` shard URIs to label
    output: str  # stage prefix: the labels go to auto-steps/part-00000.arrow
    max_seq_len: int  # prompt + prefix + continuation tokens
    seed: int  # the sample of rollouts and the continuations
    completions: int  # Math-Shepherd N
    rule: str  # any | most
    max_solutions: int  # rollouts labelled at most


def label_rollouts(
    cfg: AutoSettings, tokenizer, rt, resume: str | None, cache: str
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Auto step labels of the spec's rollouts (at most `cfg.max_solutions`, a seeded sample),
    sampled with `cfg.model` (cached under `cache`) on this rank's device; ranks label a share each and gather them.
    The rows are written to `<output>/auto-steps/part-00000.arrow`; a resumed run reads them back."""
    saved = auto_labels_uri(cfg.output)
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
    if len(rollouts) > cfg.max_solutions:
        keep = sorted(random.Random(cfg.seed).sample(range(len(rollouts)), cfg.max_solutions))
        rollouts = [rollouts[i] for i in keep]
    env, precision = rt.env, rt.precision
    bf16 = precision.autocast_dtype == torch.bfloat16
    model = load_causal_lm(
        cfg.model, cache, dtype=torch.bfloat16 if bf16 else torch.float32, device=precision.device
    )
    model.eval()
    sampler = hf_sampler(model, tokenizer, cfg.max_seq_len, cfg.seed * 7919 + env.rank)
    rows, counts = auto_step_rows(
        rollouts[env.rank :: env.world_size],
        tokenizer,
        sampler,
        cfg.completions,
        cfg.rule,
        cfg.max_seq_len,
        batch_prefixes=max(1, AUTO_GENERATE_ROWS // cfg.completions),
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
