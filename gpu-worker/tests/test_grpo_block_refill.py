"""DAPO's dynamic sampling in the grpo-block stage, as pure functions (grpo_block/refill.py) against
hand-worked cases: which groups are kept, how many prompts each round draws and its bounds, the
reserve running out; the spec checks of groupsPerIteration / reserve / dynamicSampling; and the
block summary's batch totals and warning.

The refill's `draw` is a stand-in for sampling and scoring (which need a model and the scorer
child): each problem's group comes back informative or flat as the problem's `verdict` says.
"""

import pytest

from r1worker.grpo_block.config import BlockConfig
from r1worker.grpo_block.refill import (
    DynamicSampling,
    RefillReport,
    batch_record,
    draw_size,
    group_verdicts,
    informative_groups,
    refill,
    take,
)
from r1worker.spec import SpecError, parse_spec
from r1worker.stages.grpo_block import BATCH_TOTALS, summary

G = 2  # rows per group in these cases


def group(problem: str, informative: bool, version: int = 0) -> list[dict]:
    """G scored rows of one problem's group: one right and one wrong answer, or both wrong."""
    return [
        {"group_id": f"{problem}@v{version}", "problem_id": problem, "correct": informative and k == 0}
        for k in range(G)
    ]


def scored(*groups: tuple[str, bool]) -> list[dict]:
    return [row for problem, informative in groups for row in group(problem, informative)]


def problems(spec: str) -> list[dict]:
    """`"i f i"` → problems r0 (informative), r1 (flat), r2 (informative)."""
    return [{"id": f"r{k}", "verdict": v == "i"} for k, v in enumerate(spec.split())]


class FakeDraw:
    """Samples and scores nothing: returns each problem's group as its `verdict` says; logs calls."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, batch: list[dict]) -> list[dict]:
        self.calls.append([p["id"] for p in batch])
        return scored(*((p["id"], p["verdict"]) for p in batch))


def test_group_verdicts_in_first_seen_order():
    rows = scored(("b", False), ("a", True)) + [{"group_id": "c@v0", "problem_id": "c", "correct": True}]
    assert group_verdicts(rows) == {"b@v0": False, "a@v0": True, "c@v0": False}  # one row: one verdict


def test_informative_groups_keeps_the_first_limit_informative_groups_in_row_order():
    rows = scored(("a", False), ("b", True), ("c", True), ("d", False), ("e", True))
    kept, dropped = informative_groups(rows, limit=2)
    assert [r["group_id"] for r in kept] == ["b@v0"] * G + ["c@v0"] * G
    assert dropped == {"a", "d"}  # flat groups drop their problems; e (informative, over the limit) stays
    kept, _ = informative_groups(rows)  # no limit (dynamic sampling off): every informative group
    assert {r["group_id"] for r in kept} == {"b@v0", "c@v0", "e@v0"}
    kept, _ = informative_groups(rows, limit=5)  # fewer than the limit: all of them
    assert len(kept) == 3 * G


def test_nothing_informative_keeps_the_first_limit_groups_whole_for_a_kl_only_step():
    rows = scored(("a", False), ("b", False), ("c", False))
    kept, dropped = informative_groups(rows, limit=2)
    assert [r["group_id"] for r in kept] == ["a@v0"] * G + ["b@v0"] * G and dropped == {"a", "b", "c"}
    assert informative_groups(rows)[0] == rows
    assert informative_groups([], limit=2) == ([], set())


@pytest.mark.parametrize(
    ("missing", "informative", "groups", "cap", "expected"),
    [
        (0, 3, 8, 8, 0),  # full: nothing to draw
        (-2, 10, 10, 8, 0),  # over full
        (5, 0, 8, 8, 8),  # nothing informative yet: p̂ = 0, draw the cap
        (3, 2, 8, 8, 8),  # p̂ = 1/4: ⌈3 × 4⌉ = 12, capped at 8
        (1, 6, 8, 8, 2),  # p̂ = 3/4: ⌈4/3⌉ = 2
        (2, 3, 4, 8, 3),  # p̂ = 3/4: ⌈8/3⌉ = 3
        (2, 5, 5, 8, 2),  # p̂ = 1: ⌈2⌉ = 2, the floor (a prompt gives one group at most)
        (4, 4, 8, 6, 6),  # p̂ = 1/2: ⌈8⌉ capped at 6
        (3, 1, 2, 8, 6),  # p̂ = 1/2: 6
    ],
)
def test_draw_size_is_the_missing_count_over_the_informative_share_bounded(
    missing, informative, groups, cap, expected
):
    assert draw_size(missing, informative, groups, cap) == expected


def test_take_skips_dropped_problems_and_says_where_the_next_draw_starts():
    reserve = [{"id": f"r{k}"} for k in range(6)]
    got, nxt = take(reserve, 0, 3, skip={"r1", "r2"})
    assert [p["id"] for p in got] == ["r0", "r3", "r4"] and nxt == 5
    got, nxt = take(reserve, nxt, 3, skip=set())  # one left: the reserve runs out
    assert [p["id"] for p in got] == ["r5"] and nxt == 6
    assert take(reserve, nxt, 3, skip=set()) == ([], 6)
    assert take(reserve, 0, 0, skip=set()) == ([], 0)


def test_refill_fills_the_batch_drawing_what_the_informative_share_predicts():
    # Batch: 4 groups, 1 informative; target 4, so 3 missing.
    # Round 1: p̂ = 1/4, ⌈3 × 4⌉ = 12 → capped at the batch, 4: r0..r3 give 2 informative (r0, r2).
    # Round 2: 1 missing, p̂ = 3/8: ⌈8/3⌉ = 3: r4..r6 give r5, r6: 5 informative, full.
    batch = scored(("b0", False), ("b1", True), ("b2", False), ("b3", False))
    draw = FakeDraw()
    rows, report = refill(batch, problems("i f i f f i i i"), set(), 4, 3, draw)
    assert draw.calls == [["r0", "r1", "r2", "r3"], ["r4", "r5", "r6"]]
    assert report == RefillReport(rounds=2, reserve_prompts=7, informative_before=1, informative_after=5)
    assert rows[: len(batch)] == batch and len(rows) == len(batch) + 7 * G  # batch first, every round kept
    kept, dropped = informative_groups(rows, limit=4)
    assert [r["problem_id"] for r in kept[::G]] == ["b1", "r0", "r2", "r5"]  # r6 is over the batch
    assert dropped == {"b0", "b2", "b3", "r1", "r3", "r4"}
    assert batch_record(report, kept, 4) == {
        "groupsPerIteration": 4,
        "informativeBefore": 1,
        "informativeAfter": 5,
        "groupsTrained": 4,
        "groupsShort": 0,
        "rounds": 2,
        "reservePrompts": 7,
    }


def test_refill_stops_after_max_rounds():
    # Nothing informative anywhere: every round draws the cap (2), and there are at most 2 rounds.
    batch = scored(("b0", False), ("b1", False))
    draw = FakeDraw()
    rows, report = refill(batch, problems("f f f f f f f f"), set(), 2, 2, draw)
    assert draw.calls == [["r0", "r1"], ["r2", "r3"]]
    assert report == RefillReport(2, 4, 0, 0) and len(rows) == 6 * G
    kept, _ = informative_groups(rows, limit=2)
    assert batch_record(report, kept, 2)["groupsShort"] == 2  # a KL-only step trains no group


def test_refill_stops_when_the_reserve_runs_out_and_skips_dropped_and_batch_problems():
    # r0 was dropped earlier in the block and b0 is in the batch: neither is drawn (b0 again would
    # repeat its group id). Round 1 draws the cap, 3: r1, r3 (b0 skipped), r4: one informative.
    # Round 2: 2 missing, p̂ = 1/6: capped at 3, but only r5 is left. Round 3: nothing left.
    batch = scored(("b0", False), ("b1", False), ("b2", False))
    reserve = problems("i f f i f i")
    reserve[2]["id"] = "b0"
    draw = FakeDraw()
    rows, report = refill(batch, reserve, {"r0"}, 3, 8, draw)
    assert draw.calls == [["r1", "r3", "r4"], ["r5"]]
    assert report == RefillReport(rounds=2, reserve_prompts=4, informative_before=0, informative_after=2)
    assert len({r["group_id"] for r in rows}) == 7  # group ids stay unique across rounds


def test_refill_does_not_draw_when_the_batch_is_full_or_the_reserve_is_empty():
    batch = scored(("b0", True), ("b1", True), ("b2", False))
    draw = FakeDraw()
    assert refill(batch, problems("i i"), set(), 2, 3, draw) == (batch, RefillReport(0, 0, 2, 2))
    assert refill(batch, [], set(), 3, 3, draw) == (batch, RefillReport(0, 0, 2, 2))
    assert draw.calls == []


def block_doc(**over) -> dict:
    doc = {
        "runId": "r",
        "stage": "grpo-block",
        "output": "/tmp/out",
        "maxSeqLen": 64,
        "prompts": [["/p/0.arrow"], ["/p/1.arrow"]],
        "groupsPerIteration": 4,
        "firstIteration": 0,
        "policy": "builtin:tiny",
        "reference": "builtin:tiny",
        "rollout": {},
        "rewards": {"rewardModel": 0},
        "settings": {},
    }
    return doc | over


def test_the_spec_needs_groups_per_iteration_and_defaults_dynamic_sampling_off():
    with pytest.raises(SpecError, match=r"groupsPerIteration"):
        parse_spec({k: v for k, v in block_doc().items() if k != "groupsPerIteration"})
    cfg = BlockConfig.from_spec(parse_spec(block_doc()))
    assert cfg.dynamic == DynamicSampling(enabled=False, max_rounds=3) and cfg.reserve == ()
    assert cfg.groups_per_iteration == 4 and cfg.reserve_of(1) == ()
    with pytest.raises(SpecError, match=r"maxRounds"):
        parse_spec(block_doc(settings={"dynamicSampling": {"enabled": True, "maxRounds": 9}}))


def test_dynamic_sampling_needs_one_reserve_list_per_iteration():
    on = {"dynamicSampling": {"enabled": True, "maxRounds": 2}}
    with pytest.raises(ValueError, match=r"dynamicSampling.enabled needs reserve"):
        BlockConfig.from_spec(parse_spec(block_doc(settings=on)))
    with pytest.raises(ValueError, match=r"reserve has 1 lists for 2 iterations"):
        BlockConfig.from_spec(parse_spec(block_doc(settings=on, reserve=[["/r/0.arrow"]])))
    cfg = BlockConfig.from_spec(
        parse_spec(block_doc(settings=on, reserve=[["/r/0.arrow"], []], firstIteration=5))
    )
    assert cfg.dynamic.max_rounds == 2 and cfg.reserve_of(5) == ("/r/0.arrow",) and cfg.reserve_of(6) == ()


def test_the_summary_totals_the_batch_records_and_warns_only_when_refill_left_a_batch_short():
    def record(it: int, short: int) -> dict:
        batch = {"informativeBefore": 1, "informativeAfter": 4 - short, "groupsTrained": 4 - short}
        batch |= {"groupsShort": short, "rounds": 2, "reservePrompts": 5, "groupsPerIteration": 4}
        return {"iteration": it, "update": {"rows": 8}, "batch": batch, "seconds": {"update_s": 1.0}}

    history = [record(0, 0), record(1, 2)]
    on = {"dynamicSampling": {"enabled": True, "maxRounds": 2}}
    cfg = BlockConfig.from_spec(parse_spec(block_doc(settings=on, reserve=[[], []])))
    out = summary(cfg, history, "/tmp/out/model", 2, {"load": 1.5, "save": 0.25})
    assert out["metrics"]["job_load_s"] == 1.5 and out["metrics"]["job_save_s"] == 0.25
    assert {k: out["metrics"][k] for k in BATCH_TOTALS.values()} == {
        "informative_groups_before": 2,
        "informative_groups_after": 6,
        "groups_trained": 6,
        "groups_short": 2,
        "refill_rounds": 4,
        "reserve_prompts": 10,
    }
    assert out["warnings"] == [
        "iterations [1] trained on fewer than groupsPerIteration (4) informative groups after 2 refill "
        "rounds at most (2 groups short in all): the reserve ran out or maxRounds is too low"
    ]
    off = BlockConfig.from_spec(parse_spec(block_doc()))
    assert summary(off, history, "/tmp/out/model", 2, {})["warnings"] == []  # off, short is the norm
