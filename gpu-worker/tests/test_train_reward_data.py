"""Step labelling: Math-Shepherd with fake samplers (hand-worked any/most cases), rule labels,
PRM800K reading, the held-out split."""

import json

import pytest

from r1worker.reward_data import (
    arithmetic_label,
    gsm8k_annotation_label,
    label_steps,
    rule_step_label,
    split_steps,
)
from r1worker.reward_data.encode import held_out
from r1worker.reward_data.math_shepherd import step_prefix
from r1worker.reward_data.prm800k import prm800k_rows

STEPS = ["12 + 30 = 42", "42 * 2 = 85", "So the answer is 85."]
# Completions sampled after each step: after step 0 one of four reaches 84; after step 1 none do
# (the error is in); step 2 is the wrong answer itself.
SAMPLES = {0: ["84", "85", "80", "85"], 1: ["85", "85", "85", "85"], 2: ["85", "85", "85", "85"]}


def _sampler(prompt):
    def sample(prefix, n):
        k = prefix.count("\n") - prompt.count("\n") - 1  # index of the last step in the prefix
        assert prefix == step_prefix(prompt, STEPS, k)
        return SAMPLES[k][:n]

    return sample


def test_math_shepherd_any_rule():
    labels, soft = label_steps("Q\n", STEPS, _sampler("Q\n"), lambda c: c == "84", n=4, rule="any")
    assert labels == [1, -1, -1] and soft == [0.25, 0.0, 0.0]


def test_math_shepherd_most_rule_needs_a_majority():
    samples = {0: ["84", "84", "84", "85"], 1: ["84", "84", "85", "85"], 2: ["84", "85", "85", "85"]}
    labels, soft = label_steps(
        "", ["a", "b", "c"], lambda p, n: samples[p.count("\n") - 1], lambda c: c == "84", n=4, rule="most"
    )
    assert labels == [1, -1, -1] and soft == [0.75, 0.5, 0.25]  # 2 of 4 is not a majority
    labels, _ = label_steps(
        "", ["a", "b", "c"], lambda p, n: samples[p.count("\n") - 1], lambda c: c == "84", n=4, rule="any"
    )
    assert labels == [1, 1, 1]
    with pytest.raises(ValueError, match="valid: any, most"):
        label_steps("", ["a"], lambda p, n: [], bool, rule="all")


@pytest.mark.parametrize(
    ("step", "label"),
    [
        ("12 + 30 = 42", 1),
        ("7 * 6 = 43", -1),
        ("7 / 2 = 3.5", 1),
        ("7 / 2 = 3", -1),
        ("5 - 9 = -4", 1),
        ("1,200 + 300 = 1,500", 1),
        ("3 × 4 = 12 and 2 + 2 = 5", -1),
        ("Let me think.", 0),
        ("x + 1 = 3", 0),
        ("9 / 0 = 1", -1),
    ],
)
def test_arithmetic_label(step, label):
    assert arithmetic_label(step) == label


@pytest.mark.parametrize(
    ("step", "label"),
    [
        ("Natalia sold 48/2 = <<48/2=24>>24 clips in May.", 1),
        ("<<48+24=72>>72", 1),
        ("<<3*4=13>>13", -1),
        ("<<(5+3)*2=16>>", 1),
        ("<<10/4=2.5>>", 1),
        ("<<x*2=4>>", 0),
        ("no annotation", 0),
    ],
)
def test_gsm8k_annotation_label(step, label):
    assert gsm8k_annotation_label(step) == label


def test_rule_step_label_combines_both_checks():
    assert rule_step_label("48/2 = <<48/2=24>>24") == 1  # the annotation's own text is not re-read
    assert rule_step_label("<<2+2=4>>4, then 4 + 1 = 6") == -1
    assert rule_step_label("Think again.") == 0


def test_split_steps_reads_the_think_block():
    text = "<think>\n12 + 30 = 42\n\n42 * 2 = 84\n</think>\n\nThe answer is \\boxed{84}."
    assert split_steps(text) == ["12 + 30 = 42", "42 * 2 = 84"]
    assert split_steps("a\nb") == ["a", "b"]


def test_prm800k_rows_follow_the_chosen_path_and_stop_at_the_unchosen_step():
    record = {
        "question": {"problem": "What is 2+2?"},
        "label": {
            "finish_reason": "found_error",
            "steps": [
                {
                    "completions": [{"text": "2+2 is 4.", "rating": 1}],
                    "chosen_completion": 0,
                    "human_completion": None,
                },
                {
                    "completions": [{"text": "Hmm.", "rating": 0}, {"text": "Also 5.", "rating": 1}],
                    "chosen_completion": 1,
                    "human_completion": None,
                },
                {
                    "completions": [{"text": "So 5.", "rating": -1}, {"text": "So 4.", "rating": 1}],
                    "chosen_completion": None,
                    "human_completion": None,
                },
                {
                    "completions": [{"text": "never read", "rating": 1}],
                    "chosen_completion": 0,
                    "human_completion": None,
                },
            ],
        },
    }
    human = {
        "question": {"problem": "Q"},
        "label": {
            "steps": [
                {
                    "completions": [{"text": "bad", "rating": -1}],
                    "chosen_completion": None,
                    "human_completion": {"text": "fixed", "rating": None},
                }
            ]
        },
    }
    rows = list(prm800k_rows([json.dumps(record), "", json.dumps(human)]))
    assert rows[0]["steps"] == ["2+2 is 4.", "Also 5.", "So 5."] and rows[0]["labels"] == [1, 1, -1]
    assert rows[1]["steps"] == ["fixed"] and rows[1]["labels"] == [0] and rows[1]["origin"] == "human"


def test_held_out_split_is_seeded_and_near_the_share():
    ids = [f"pair-{i}" for i in range(2000)]
    chosen = [held_out(i, 0, 0.1) for i in ids]
    assert chosen == [held_out(i, 0, 0.1) for i in ids]
    assert 150 < sum(chosen) < 250
    assert chosen != [held_out(i, 1, 0.1) for i in ids]
    assert not any(held_out(i, 0, 0.0) for i in ids)
