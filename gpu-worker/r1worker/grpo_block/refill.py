"""Which groups an iteration trains on, and DAPO's dynamic sampling (Yu et al. 2025, "DAPO", §3.2:
"over-sample and filter out prompts with the accuracy equal to 1 and 0 ... until the batch is fully
filled"), as pure functions: sampling and scoring come in as one callable, so the bounds and the
choice of groups are testable without a model.

A group is informative when its rows hold right and wrong answers: an all-right or all-wrong group
has zero advantages under outcome rewards, so it carries no policy-gradient signal.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Row = dict[str, Any]


@dataclass(frozen=True)
class DynamicSampling:
    """settings.dynamicSampling of the grpo-block spec (schemas/settings/worker-stages.ts)."""

    enabled: bool  # default false: an iteration trains on its batch's informative groups, however few
    max_rounds: int  # extra sampling rounds per iteration (1..8, default 3); the curriculum reserves
    #                  groupsPerIteration × max_rounds problems, enough for every round at its cap

    def __post_init__(self) -> None:
        if self.max_rounds < 1:
            raise ValueError(f"settings.dynamicSampling.maxRounds: expected >= 1, found {self.max_rounds}")

    @classmethod
    def from_settings(cls, s: dict[str, Any]) -> DynamicSampling:
        return cls(s["enabled"], s["maxRounds"])


@dataclass(frozen=True)
class RefillReport:
    """What the refill did in one iteration (iter-NNNN/metrics.json `batch`)."""

    rounds: int  # extra sampling rounds run (0: the batch was full, refill off, or no reserve left)
    reserve_prompts: int  # reserve problems sampled over those rounds
    informative_before: int  # informative groups of the curriculum's batch
    informative_after: int  # informative groups after the rounds (may pass groupsPerIteration)


def group_verdicts(rows: Sequence[Row]) -> dict[str, bool]:
    """group id → informative (right and wrong answers among its rows), in first-seen order.

    >>> group_verdicts([{"group_id": "a", "correct": True}, {"group_id": "a", "correct": False}])
    {'a': True}
    """
    seen: dict[str, set[bool]] = {}
    for r in rows:
        seen.setdefault(r["group_id"], set()).add(bool(r["correct"]))
    return {g: len(v) == 2 for g, v in seen.items()}


def informative_groups(rows: Sequence[Row], limit: int | None = None) -> tuple[list[Row], set[str]]:
    """(rows to train on, problem ids of all-right / all-wrong groups).

    The rows are those of the first `limit` informative groups in row order (all of them when
    `limit` is None). As the curriculum does between iterations, a flat group's problem is dropped.
    When no group is informative, the first `limit` groups are kept whole (the step is then the KL
    term's alone, as the grpo stage would make it).
    """
    verdicts = group_verdicts(rows)
    flat = {g for g, v in verdicts.items() if not v}
    dropped = {r["problem_id"] for r in rows if r["group_id"] in flat}
    chosen = [g for g, v in verdicts.items() if v] or list(verdicts)
    keep = set(chosen if limit is None else chosen[:limit])
    return [r for r in rows if r["group_id"] in keep], dropped


def draw_size(missing: int, informative: int, groups: int, cap: int) -> int:
    """Prompts the next round draws to find `missing` more informative groups.

    The expected need, ⌈missing / p̂⌉, with p̂ = informative / groups the share of informative groups
    among those sampled so far this iteration (the batch and earlier rounds: the best estimate of
    the reserve's share, which the curriculum drew from the same levels). Bounded below by `missing`
    (a prompt yields one group at most) and above by `cap`, one batch: a round never costs more
    generation than the iteration's first, and a reserve of batch × maxRounds lasts every round.
    Nothing informative seen yet (p̂ = 0): the cap.

    >>> draw_size(missing=3, informative=2, groups=8, cap=8)  # p̂ = 1/4: ⌈3 × 4⌉ = 12, capped
    8
    >>> draw_size(missing=1, informative=6, groups=8, cap=8)  # p̂ = 3/4: ⌈4/3⌉ = 2
    2
    """
    if missing <= 0:
        return 0
    if informative <= 0:
        return cap
    return min(cap, max(missing, math.ceil(missing * groups / informative)))


def take(reserve: Sequence[Row], start: int, n: int, skip: set[str]) -> tuple[list[Row], int]:
    """The next `n` problems of `reserve` from index `start` whose id is not in `skip` (dropped
    earlier in the block, or already sampled this iteration), and where the next draw starts."""
    out: list[Row] = []
    i = start
    while i < len(reserve) and len(out) < n:
        if reserve[i]["id"] not in skip:
            out.append(reserve[i])
        i += 1
    return out, i


def refill(
    scored: Sequence[Row],
    reserve: Sequence[Row],
    skip: set[str],
    target: int,
    max_rounds: int,
    draw: Callable[[list[Row]], list[Row]],
) -> tuple[list[Row], RefillReport]:
    """The batch's scored rows followed by those of each refill round, and what the rounds did.

    `scored`: the scored rows of the curriculum's batch; `reserve`: the iteration's reserve problems
    in draw order; `skip`: problem ids not to sample (dropped earlier in the block); `target`:
    groupsPerIteration; `draw(problems)`: samples and scores those problems with the live policy,
    returning their scored rows (whole groups). Rounds run while fewer than `target` groups are
    informative, at most `max_rounds` of them, and while the reserve has problems left.
    """
    verdicts = group_verdicts(scored)
    before = sum(verdicts.values())
    seen = set(skip) | {r["problem_id"] for r in scored}  # a problem twice would repeat a group id
    out, rounds, used, start = list(scored), 0, 0, 0
    while rounds < max_rounds:
        n = draw_size(target - sum(verdicts.values()), sum(verdicts.values()), len(verdicts), target)
        problems, start = take(reserve, start, n, seen)
        if not problems:
            break
        rounds, used = rounds + 1, used + len(problems)
        seen |= {p["id"] for p in problems}
        rows = draw(problems)
        out += rows
        verdicts |= group_verdicts(rows)
    return out, RefillReport(rounds, used, before, sum(verdicts.values()))


def batch_record(report: RefillReport, trained_rows: Sequence[Row], target: int) -> dict[str, int]:
    """iter-NNNN/metrics.json `batch`: how full the iteration's batch was, before and after refill.
    `groupsTrained` counts informative groups only (a KL-only step on flat groups trains none)."""
    trained = sum(group_verdicts(trained_rows).values())
    return {
        "groupsPerIteration": target,
        "informativeBefore": report.informative_before,
        "informativeAfter": report.informative_after,
        "groupsTrained": trained,
        "groupsShort": max(0, target - trained),
        "rounds": report.rounds,
        "reservePrompts": report.reserve_prompts,
    }
