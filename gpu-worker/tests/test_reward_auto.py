"""Math-Shepherd automatic step labels in the reward stage: the small answer checker, the labelling
with a fake sampler (hand-worked any / most outcomes), and the stage end to end on a tiny model."""

import pytest
import torch
from test_train_fixtures import reward_spec

from r1worker.io.tables import read_shards, write_table
from r1worker.model import RewardModel
from r1worker.reward_data import auto_labels
from r1worker.reward_data.answer_check import extract_answer, reaches_answer, to_number
from r1worker.spec import parse_spec
from r1worker.stages import reward


@pytest.mark.parametrize(
    ("text", "answer", "ok"),
    [
        ("The answer is \\boxed{1,234}.", "1234", True),
        ("#### 1,200", "1200", True),
        ("so the answer is $18.", "18", True),
        ("The answer is \\boxed{50\\%}", "50", True),
        ("\\boxed{3/4}", "0.75", True),
        ("\\boxed{\\dfrac{3}{4}}", "3/4", True),
        ("\\boxed{0.3333333334}", "1/3", True),
        ("\\boxed{0.334}", "1/3", False),
        ("\\boxed{\\frac{\\sqrt{2}}{2}}", "\\frac{\\sqrt{2}}{2}", True),  # nested braces kept
        ("\\boxed{\\left( 1, 2 \\right)}", "(1,2)", True),
        ("\\boxed{\\text{(B)}}", "(B)", True),
        ("first \\boxed{4} then \\boxed{5}", "5", True),  # the last one counts
        ("\\boxed{6}", "5", False),
        ("2 + 3 = 5, no final answer stated", "5", False),
        ("", "5", False),
        ("\\boxed{x + 1", "x+1", False),  # unclosed
    ],
)
def test_reaches_answer(text, answer, ok):
    assert reaches_answer(text, answer) is ok


def test_extract_and_numbers():
    assert extract_answer("\\boxed{\\frac{a}{b^{2}}}") == "\\frac{a}{b^{2}}"
    assert extract_answer("#### 7\nso the answer is 8.") == "7"  # boxed, then ####, then "the answer is"
    assert extract_answer("The answer is: 8.") == "8."
    assert to_number("1,2") is None and to_number("-2.5e3") == -2500.0 and to_number("1/0") is None


class CharTokenizer:
    """One token per character (the fake sampler never decodes)."""

    def __call__(self, text, add_special_tokens=False):
        return {"input_ids": [ord(c) for c in text]}


STEPS = ["12 + 30 = 42", "42 * 2 = 84", "84 - 4 = 80"]
DONE = "<think>\n" + "\n".join(STEPS) + "\n</think>\n\nThe answer is \\boxed{80}."
# Continuations after each think step (n = 4): 1, 3 and 2 of them reach 80.
AFTER = {
    "42": ["\\boxed{80}", "\\boxed{81}", "no", "\\boxed{7}"],
    "84": ["\\boxed{80}", "\\boxed{80}", "\\boxed{80}", "\\boxed{1}"],
    "80": ["\\boxed{80}", "#### 80", "\\boxed{79}", ""],
}


def _rollout(i, completion, answer="80", finish="stop"):
    return {
        "id": f"r-{i}",
        "problem_id": "p-0",
        "prompt": "Q: ",
        "prompt_token_ids": [1, 2, 3],
        "completion": completion,
        "answer": answer,
        "finish_reason": finish,
    }


def _fake_sampler(calls):
    def sample(prefixes, n):
        calls.append([(p.row, p.step) for p in prefixes])
        out = []
        for p in prefixes:
            assert p.text.endswith("\n") and len(p.ids) == 3 + len(p.text)
            out.append(AFTER[p.text.rstrip("\n").rsplit(" ", 1)[-1]][:n])
        return out

    return sample


@pytest.mark.parametrize(
    ("rule", "expected"),
    [("any", [1, 1, 1, 1]), ("most", [-1, 1, -1, 1])],  # 1/4, 3/4, 2/4 reach it; the answer is right
)
def test_auto_labels_follow_the_rule(rule, expected):
    calls = []
    truncated = "<think>\n" + "\n".join(STEPS) + "\n"  # no answer yet: its last step is sampled
    wrong = DONE.replace("\\boxed{80}", "\\boxed{81}")
    rows, m = auto_labels.auto_step_rows(
        [_rollout(0, DONE), _rollout(1, truncated, finish="length"), _rollout(2, wrong)],
        CharTokenizer(),
        _fake_sampler(calls),
        n=4,
        rule=rule,
        max_seq_len=10_000,
    )
    assert len(calls) == 1 and len(calls[0]) == 9  # every think step of the three, in one batch
    assert [r["labels"] for r in rows] == [expected, expected[:3], expected[:3] + [-1]]
    assert rows[0]["steps"] == [*STEPS, "The answer is \\boxed{80}."] and rows[0]["origin"] == "auto"
    assert m["auto_labelled_solutions"] == 3 and m["auto_steps"] == 11
    assert m["auto_completions_sampled"] == 36
    assert m["auto_positive_share"] == pytest.approx(sum(x > 0 for r in rows for x in r["labels"]) / 11)


def test_auto_labels_stop_where_the_sequence_is_full():
    calls = []
    first_step_end = len("<think>\n12 + 30 = 42\n")
    rows, m = auto_labels.auto_step_rows(
        [_rollout(0, DONE)],
        CharTokenizer(),
        _fake_sampler(calls),
        n=2,
        rule="any",
        max_seq_len=3 + first_step_end + 1,
        batch_prefixes=1,
    )
    assert rows[0]["steps"] == STEPS[:1] and rows[0]["labels"] == [1]
    assert m["auto_completions_sampled"] == 2


def _toy_rollouts(n):
    rows = []
    for i in range(n):
        a, b = i % 5, 3
        right = i % 2 == 0
        total = a + b if right else a + b + 1
        rows.append(
            {
                "id": f"p-{i}@v0/0",
                "problem_id": f"p-{i}",
                "group_id": f"p-{i}@v0",
                "sample_index": 0,
                "policy_version": 0,
                "level": 1,
                "answer": str(a + b),
                "answer_type": "numeric",
                "choices": [],
                "prompt": f"Compute {a} + {b}.",
                "completion": f"<think>\n{a} + {b} = {total}\n</think>\n\nThe answer is \\boxed{{{total}}}.",
                "prompt_token_ids": [],  # the stage renders chat_prompt(prompt) then
                "completion_token_ids": [],
                "logprobs": [],
                "finish_reason": "stop",
                "rm_score": None,
                "rm_step_scores": None,
                "step_token_ends": None,
            }
        )
    return rows


def test_reward_stage_auto_step_labels(tmp_path, monkeypatch):
    monkeypatch.setenv("R1WORKER_CACHE", str(tmp_path / "cache"))
    (tmp_path / "in").mkdir()
    rollouts_uri = str(tmp_path / "in" / "rollouts-00000.arrow")
    write_table(rollouts_uri, "rollouts", _toy_rollouts(6))
    rule_uri = str(tmp_path / "in" / "steps-00000.arrow")  # what the pairs stage writes: set aside
    rule_row = {"id": "x", "problem_id": "p-0", "prompt": "Compute 1 + 1.", "steps": ["1 + 1 = 2"]}
    write_table(rule_uri, "step_labels", [{**rule_row, "labels": [1], "origin": "rule"}])
    spec = reward_spec(
        tmp_path / "out", [], step_labels=[rule_uri], stepLabels="auto", autoCompletions=2, epochs=2
    )
    spec = parse_spec({**spec, "rollouts": [rollouts_uri]})
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        summary = reward.run(spec)
    finally:
        torch.set_num_threads(threads)
    m = summary["metrics"]
    print({k: v for k, v in m.items() if k.startswith("auto") or k.startswith("step")})
    assert m["auto_labelled_solutions"] == 6 and m["auto_steps"] == 12
    assert m["auto_completions_sampled"] == 12  # one think step each, 2 continuations
    assert 0.25 <= m["auto_positive_share"] <= 0.75  # the 3 right answers' last steps are +1
    assert m["step_records"] == 6 and m["steps"] >= 1  # the rule row was set aside
    saved = read_shards(summary["outputs"]["autoStepLabels"], "step_labels").to_pylist()
    assert [r["labels"][-1] for r in saved] == [1, -1, 1, -1, 1, -1]
    assert {r["origin"] for r in saved} == {"auto"}
    assert not [w for w in summary["warnings"] if "process head" in w]
    model = RewardModel.from_pretrained(tmp_path / "out" / "model")
    assert model.step_classes == 3
