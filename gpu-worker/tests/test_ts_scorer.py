"""The TypeScript scorer child from the worker: the score Lambda's rows, one child for many batches,
bad requests, and children that die, hang or speak another protocol.

The real child (`node bin/r1flow-scorer.js`) runs in every test that scores; the stand-ins for a
crashing, hung or mismatched child are small Python programs named `fake_child_*`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from r1worker.io.tables import read_table, to_table, write_table
from r1worker.rollout.ts_scorer import (
    SCORER_ENV,
    SCORER_SCRIPT,
    ScorerDied,
    ScorerError,
    ScorerRequestError,
    ScoreSettings,
    TsScorer,
    default_command,
    find_repo_root,
)

REPO = find_repo_root()
RIGHT = "<think>6 * 7 = 42</think> The answer is \\boxed{42}."
WRONG = "<think>6 * 7 = 41</think> The answer is \\boxed{41}."
STEPS_RIGHT = "<think>2 + 3 = 5\n5 * 4 = 20\n20 + 22 = 42</think> The answer is \\boxed{42}."
STEPS_WRONG = "<think>2 + 3 = 5\n5 * 4 = 21\n21 + 22 = 43</think> The answer is \\boxed{43}."

OUTCOME = ScoreSettings({"language": 0.1, "rewardModel": 0.5}, 4, "outcome", "std")
PROCESS = ScoreSettings({"steps": 0.5, "length": 1, "lengthTarget": 4}, 4, "process", "none")


def rollout(group: str, k: int, completion: str, **over) -> dict:
    n = over.pop("n_tokens", 12)
    row = {
        "id": f"{group}/{k}",
        "problem_id": f"arithmetic/train/{group}",
        "group_id": group,
        "sample_index": k,
        "policy_version": 0,
        "level": 1,
        "answer": "42",
        "answer_type": "numeric",
        "choices": [],
        "prompt": "What is 6 * 7?",
        "completion": completion,
        "prompt_token_ids": [1, 2, 3],
        "completion_token_ids": list(range(100, 100 + n)),
        "logprobs": [-0.25 - 0.01 * i for i in range(n)],
        "finish_reason": "stop",
        "rm_score": None,
        "rm_step_scores": None,
        "step_token_ends": None,
    }
    row.update(over)
    return row


def mixed_batch(tag: str = "") -> list[dict]:
    """Three interleaved groups of four: right/wrong, rule-checked steps, RM scores, a truncation."""
    a = [
        rollout(f"a{tag}", i, c, rm_score=i - 1.5)
        for i, c in enumerate([RIGHT, WRONG, STEPS_RIGHT, STEPS_WRONG])
    ]
    b = [
        rollout(
            f"b{tag}",
            i,
            c,
            level=3,
            finish_reason="length" if i == 2 else "stop",
            rm_step_scores=[0.9, 0.2, 0.7] if i == 0 else None,
            step_token_ends=[2, 6, 11] if i == 0 else None,
        )
        for i, c in enumerate([STEPS_RIGHT, STEPS_WRONG, "<think>unfinished 2 + 2 = 4", RIGHT])
    ]
    c = [rollout(f"c{tag}", i, RIGHT if i < 2 else "no answer at all") for i in range(4)]
    return [row for triple in zip(a, b, c, strict=True) for row in triple]


@pytest.fixture(scope="module")
def scorer():
    with TsScorer() as s:
        yield s
        assert s.close() == 0  # stdin closed → the child exits cleanly


def lambda_path(tmp_path, rows: list[dict], settings: list[ScoreSettings]):
    """The score Lambda's `scoreShard` on `rows` written as a rollouts shard, once per settings
    (test/score/child-reference.ts): [(scored rows, summary)]."""
    shard = str(tmp_path / "part-00000.arrow")
    write_table(shard, "rollouts", rows)
    out = subprocess.run(
        ["node", "--import", "tsx", "test/score/child-reference.ts", shard, str(tmp_path / "scored")]
        + [json.dumps(s.to_json()) for s in settings],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    return [
        (read_table(r["uri"], "scored_rollouts").to_pylist(), r["summary"]) for r in json.loads(out.stdout)
    ]


def test_scored_rows_equal_the_score_lambdas(scorer, tmp_path):
    # The rows as a rollouts file holds them (float32 scores), as the Lambda reads them.
    shard = str(tmp_path / "in.arrow")
    write_table(shard, "rollouts", mixed_batch())
    rows = read_table(shard, "rollouts").to_pylist()
    settings = [OUTCOME, PROCESS]
    for s, (expected_rows, expected_summary) in zip(
        settings, lambda_path(tmp_path, rows, settings), strict=True
    ):
        result = scorer.score(rows, s, source="iter-0000")
        assert to_table(result.rows, "scored_rollouts").to_pylist() == expected_rows
        assert result.summary == expected_summary
        advantages = [r["advantage"] for r in result.rows]
        assert min(advantages) < 0 < max(advantages)
        assert any(-1 in r["step_rewards"] for r in result.rows)  # the arithmetic step checker ran
        assert all((r["token_advantages"] is not None) == (s is PROCESS) for r in result.rows)


def test_one_child_serves_many_iterations(scorer):
    pid = scorer.pid
    for it in range(30):
        result = scorer.score(mixed_batch(f"-{it}"), OUTCOME, source=f"iter-{it:04d}")
        assert result.summary["rows"] == 12 and result.summary["groups"] == 3
        assert result.rows[0]["id"] == f"a-{it}/0"
    assert scorer.pid == pid


def test_chunked_batch_scores_as_one(scorer, monkeypatch):
    rows = mixed_batch()
    whole = scorer.score(rows, PROCESS)
    monkeypatch.setattr(scorer, "chunk_bytes", 1500)  # ~2 rows per request line: groups span chunks
    chunked = scorer.score(rows, PROCESS)
    assert chunked == whole


def test_a_batch_sent_in_rounds_scores_as_one(scorer, monkeypatch):
    """A GRPO iteration refilled in rounds (dynamic sampling): each `add` returns its whole groups
    scored, and `close` one summary over all of them, as one `score` call of every row gives."""
    rows = mixed_batch()
    whole = scorer.score(rows, PROCESS, source="iter-0001")
    by_group = sorted(rows, key=lambda r: r["group_id"])  # a, b, c: whole groups per round
    monkeypatch.setattr(scorer, "chunk_bytes", 1500)  # a round over several request lines too
    batch = scorer.open_batch(PROCESS, source="iter-0001")
    first, second = batch.add(by_group[:8]), batch.add(by_group[8:])
    assert [r["group_id"] for r in first] == ["a"] * 4 + ["b"] * 4 and {r["group_id"] for r in second} == {
        "c"
    }
    assert batch.add([]) == []
    assert batch.close() == whole.summary
    assert sorted(first + second, key=lambda r: r["id"]) == sorted(whole.rows, key=lambda r: r["id"])
    with pytest.raises(ScorerError, match=r"batch 'iter-0001#\d+' is closed"):
        batch.add(by_group[:4])


def test_a_group_left_open_at_the_close_is_refused_and_the_child_keeps_serving(scorer):
    rows = sorted(mixed_batch(), key=lambda r: r["group_id"])
    batch = scorer.open_batch(OUTCOME, source="iter-0002")
    assert batch.add(rows[:3]) == []  # group a is not complete yet: nothing scored
    with pytest.raises(ScorerRequestError, match=r'group "a" in iter-0002 has 3 of its 4 rows'):
        batch.close()
    assert scorer.score(rows, OUTCOME).summary["groups"] == 3


def test_a_bad_row_names_the_row_and_field_and_the_child_keeps_serving(scorer):
    rows = mixed_batch()
    rows[4] = {**rows[4], "level": 9, "finish_reason": "eos"}
    with pytest.raises(ScorerRequestError) as err:
        scorer.score(rows, OUTCOME)
    assert err.value.problems == [
        'rows[4] (id "b/1"): level: Too big: expected number to be <=5, got 9',
        'rows[4] (id "b/1"): finish_reason: Invalid option: expected one of "stop"|"length", got "eos"',
    ]
    with pytest.raises(ScorerRequestError, match=r'group "c" in short has 3 of its 4 rows'):
        scorer.score(mixed_batch()[:11], OUTCOME, source="short")
    assert scorer.score(mixed_batch(), OUTCOME).summary["rows"] == 12


def test_bad_settings_are_named_by_path(scorer):
    with pytest.raises(ScorerRequestError) as err:
        scorer.score(mixed_batch(), ScoreSettings({"acuracy": 1}, 1, "outcome", "mean"))
    assert err.value.problems == [
        'settings.rewards: unknown key "acuracy"',
        "settings.grpo.groupSize: expected an integer ≥ 2 (GRPO needs a group), got 1",
        'settings.grpo.advantageNorm: Invalid option: expected one of "std"|"none", got "mean"',
    ]


def test_non_finite_numbers_are_named_before_sending(scorer):
    rows = mixed_batch()
    rows[2] = {**rows[2], "logprobs": [float("-inf")] * 12}
    with pytest.raises(ScorerRequestError, match=r"rows\[2\] \(id 'c/0'\).*non-finite.*in logprobs"):
        scorer.score(rows, OUTCOME)


def test_the_default_command_is_the_checkout_or_the_environment(monkeypatch):
    monkeypatch.delenv(SCORER_ENV, raising=False)
    assert default_command()[1:] == [str(REPO / SCORER_SCRIPT)]
    monkeypatch.setenv(SCORER_ENV, "node '/opt/r1 flow/bin/r1flow-scorer.js'")
    assert default_command() == ["node", "/opt/r1 flow/bin/r1flow-scorer.js"]


def test_a_child_killed_mid_request_fails_with_its_exit_and_is_gone():
    with TsScorer() as s:
        os.kill(s.pid, signal.SIGSTOP)  # paused: the request cannot be answered before the kill
        threading.Timer(1.0, os.kill, (s.pid, signal.SIGKILL)).start()
        with pytest.raises(ScorerDied, match=r"exited before its response \(exit code -9\)") as err:
            s.score(mixed_batch(), OUTCOME)
        assert "its stderr, last lines:" in str(err.value)
        with pytest.raises(ScorerDied, match="is not usable"):
            s.score(mixed_batch(), OUTCOME)


def test_a_crashing_child_fails_the_batch_with_its_stderr():
    node, script = default_command()
    big = [rollout(f"g{i}", 0, RIGHT, n_tokens=20_000) for i in range(300)]  # ~42 MB of JSON
    with TsScorer([node, "--max-old-space-size=64", script]) as s:
        with pytest.raises(ScorerDied) as err:
            s.score(big, ScoreSettings({}, 2, "outcome", "std"))
    message = str(err.value)
    assert "exited before its response" in message
    assert "heap out of memory" in message or "Allocation failed" in message


def fake_child(body: str) -> list[str]:
    """A stand-in child (Python), for the failures a real one cannot be made to show on demand."""
    return [sys.executable, "-c", "import sys, time\n" + body]


READY = 'print(\'{"ready": true, "protocol": 1}\', flush=True)\n'


def test_fake_child_that_dies_reports_exit_code_and_stderr():
    crash = READY + "sys.stdin.readline()\nprint('scorer exploded: bad state', file=sys.stderr)\nsys.exit(3)"
    with TsScorer(fake_child(crash)) as s:
        with pytest.raises(ScorerDied, match=r"(?s)exit code 3\).*scorer exploded: bad state"):
            s.score(mixed_batch(), OUTCOME)


def test_fake_child_that_hangs_times_out_and_is_killed():
    with TsScorer(fake_child(READY + "time.sleep(60)"), timeout_s=0.5) as s:
        started = time.monotonic()
        with pytest.raises(ScorerDied, match=r"gave no response within 0.5 s and was killed"):
            s.score(mixed_batch(), OUTCOME)
        assert time.monotonic() - started < 10
        assert s._child.proc.poll() is not None


@pytest.mark.parametrize(
    "body,match",
    [
        ("print('Cannot find module tsx', file=sys.stderr)\nsys.exit(1)", r"(?s)before its ready line.*tsx"),
        (
            'print(\'{"ready": true, "protocol": 2}\', flush=True)\ntime.sleep(5)',
            r"instead of ready, protocol 1",
        ),
        ("print('hello', flush=True)\ntime.sleep(5)", r"ready line that is not JSON: b'hello\\n'"),
        ("time.sleep(60)", r"gave no ready line within 0.5 s"),
    ],
    ids=["exits", "protocol", "not-json", "silent"],
)
def test_fake_child_that_does_not_start_right(body, match):
    with pytest.raises(ScorerDied, match=match):
        TsScorer(fake_child(body), start_timeout_s=0.5)


def test_a_command_that_cannot_start_is_named():
    with pytest.raises(ScorerDied, match=r"could not start \['/no/such/node'"):
        TsScorer(["/no/such/node", "x.js"])
    assert issubclass(ScorerRequestError, ScorerError)


def test_a_child_started_without_waiting_is_ready_at_first_use(tmp_path):
    # The block starts the child before loading its model: the constructor must not wait for the
    # ready line. This child says ready only once the flag file exists, which the test makes after
    # the constructor has returned; a constructor that waited would time out instead.
    flag = tmp_path / "go"
    body = (
        f"import os\nwhile not os.path.exists({str(flag)!r}): time.sleep(0.01)\n" + READY + "time.sleep(30)"
    )
    with TsScorer(fake_child(body), start_timeout_s=20, wait_ready=False) as s:
        flag.touch()
        s.wait_ready()
        s.wait_ready()  # once only: a second call reads nothing


def test_a_child_started_without_waiting_that_dies_fails_at_first_use_with_its_stderr():
    crash = "print('Cannot find module tsx', file=sys.stderr)\nsys.exit(1)"
    with TsScorer(fake_child(crash), start_timeout_s=5, wait_ready=False) as s:
        with pytest.raises(ScorerDied, match=r"(?s)before its ready line.*tsx"):
            s.score(mixed_batch(), OUTCOME)
