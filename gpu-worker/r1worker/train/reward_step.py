"""The reward model's training pieces that the loop drives: forward passes over preference pairs
(Bradley–Terry outcome head) and step-labelled solutions (process head), the per-epoch batch plan,
held-out evaluation, and the step function.

An optimizer step takes `gradAccumulation × ranks` micro-batches of the pair plan; each carries one
group of pairs and, cycling along, one group of step-labelled solutions. The pair loss is the mean
over the step's pairs, the process loss the mean over its micro-batches.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import torch

from r1worker.algos import bradley_terry_loss, process_reward_loss
from r1worker.reward_data import encode as enc
from r1worker.train import batching
from r1worker.train.precision import Precision, autocast


def pair_forward(model, group: list[enc.PairIds], pad_id: int, precision: Precision):
    """Rewards [B] of the chosen and [B] of the rejected sides of `group` (one forward over 2B rows)."""
    ids, mask = enc.pad([p.chosen for p in group] + [p.rejected for p in group], pad_id)
    device = precision.device
    with autocast(precision):
        scores = model(ids.to(device), mask.to(device)).sequence_scores.float()
    return scores[: len(group)], scores[len(group) :]


def step_forward(model, group: list[enc.StepIds], pad_id: int, precision: Precision):
    """Step logits [S, 3] at every step end of `group`, and their labels [S]."""
    ids, mask = enc.pad([r.input_ids for r in group], pad_id)
    device = precision.device
    with autocast(precision):
        out = model(ids.to(device), mask.to(device)).step_logits.float()
    logits = torch.cat([out[b, list(r.step_ends)] for b, r in enumerate(group)])
    labels = torch.tensor([lab for r in group for lab in r.labels], device=device)
    return logits, labels


@torch.no_grad()
def evaluate(model, pairs, records, token_budget: int, pad_id: int, precision: Precision) -> dict[str, float]:
    """Held-out pair accuracy (r_chosen > r_rejected) and step accuracy; every rank runs it (FSDP)."""
    model.eval()
    correct, seen, step_hits, steps = 0.0, 0, 0.0, 0
    for group in batching.budget_batches(
        [max(len(p.chosen), len(p.rejected)) for p in pairs], token_budget, 2
    ):
        rc, rr = pair_forward(model, [pairs[i] for i in group], pad_id, precision)
        correct += float((rc > rr).sum())
        seen += len(group)
    for group in batching.budget_batches([len(r.input_ids) for r in records], token_budget):
        logits, labels = step_forward(model, [records[i] for i in group], pad_id, precision)
        step_hits += float((logits.argmax(-1) - 1 == labels).sum())
        steps += len(labels)
    model.train()
    return {
        "pair_accuracy": correct / seen if seen else 0.0,
        "step_accuracy": step_hits / steps if steps else 0.0,
    }


def epoch_groups(
    sizes: list[int], token_budget: int, seed: int, rows_per_item: int, epochs: int
) -> list[list[int]]:
    """Token-budget groups of item indices, reshuffled each epoch by (seed, epoch)."""
    plan = []
    for epoch in range(epochs):
        order = list(range(len(sizes)))
        random.Random(seed * 1_000_003 + epoch).shuffle(order)
        groups = batching.budget_batches([sizes[i] for i in order], token_budget, rows_per_item)
        plan += [[order[p] for p in g] for g in groups]
    return plan


@dataclass(frozen=True)
class Micro:
    slot: int  # position in the lead plan (a padding pass repeats the step's first)
    weight: float  # 0 for a padding pass that only keeps FSDP's collectives in step
    n_pairs: int  # pairs in the whole step, over all ranks
    n_micro: int  # micro-batches in the whole step, over all ranks


class RewardStep:
    """The step function: Bradley–Terry on the slot's pairs plus the process loss on its steps."""

    def __init__(self, model, pairs, pair_plan, records, step_plan, pad_id: int, precision: Precision):
        self.model, self.pairs, self.pair_plan = model, pairs, pair_plan
        self.records, self.step_plan = records, step_plan
        self.pad_id, self.precision = pad_id, precision

    def micro_batches(self, step: range, rank: int, world_size: int, accumulation: int) -> list[Micro]:
        """This rank's micro-batches of the optimizer step made of lead-plan positions `step`."""
        n_pairs = sum(len(self.pair_plan[s]) for s in step) if self.pair_plan else 0
        slots = batching.rank_slots(step, rank, world_size, accumulation)
        return [Micro(step[0] if s is None else s, float(s is not None), n_pairs, len(step)) for s in slots]

    def __call__(self, m: Micro) -> tuple[torch.Tensor, dict[str, float]]:
        loss = torch.zeros((), device=self.precision.device)
        parts = {"bt_loss": 0.0, "train_pair_accuracy": 0.0, "process_loss": 0.0, "tokens": 0.0}
        if self.pair_plan:
            group = [self.pairs[i] for i in self.pair_plan[m.slot]]
            rc, rr = pair_forward(self.model, group, self.pad_id, self.precision)
            margin = torch.tensor([p.margin for p in group], device=self.precision.device)
            bt, metrics = bradley_terry_loss(rc, rr, margin)
            share = len(group) / m.n_pairs * m.weight  # pair mean over the whole step
            loss = loss + bt * share
            parts["bt_loss"] += bt.item() * share
            parts["train_pair_accuracy"] += metrics["accuracy"] * share
            parts["tokens"] += m.weight * sum(len(p.chosen) + len(p.rejected) for p in group)
        if self.records:
            group = [self.records[i] for i in self.step_plan[m.slot % len(self.step_plan)]]
            logits, labels = step_forward(self.model, group, self.pad_id, self.precision)
            pl, _ = process_reward_loss(logits, labels)
            loss = loss + pl * m.weight / m.n_micro  # micro-batch mean over the step
            parts["process_loss"] += pl.item() * m.weight / m.n_micro
            parts["tokens"] += m.weight * sum(len(r.input_ids) for r in group)
        parts["loss"] = parts["bt_loss"] + parts["process_loss"]
        return loss, parts
