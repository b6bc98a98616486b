"""Read PRM800K human step labels (Lightman et al. 2023) into `step_labels` rows.

Each JSON line is one labelled solution: `question.problem`, and `label.steps[]`, each step with
rated `completions[]` (rating −1/0/+1, or null), the `chosen_completion` index the labeller kept,
or a `human_completion` written instead. The solution's path is the chosen (or human) completion
of each step; a step with neither (where labelling stopped, e.g. at the first error) contributes
its first −1 completion when there is one, else its first completion, and ends the solution.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from typing import Any


def _pick(step: dict[str, Any]) -> tuple[dict[str, Any] | None, bool]:
    """(the completion on the solution path, whether the path continues after it)."""
    completions = step.get("completions") or []
    chosen = step.get("chosen_completion")
    if chosen is not None and 0 <= chosen < len(completions):
        return completions[chosen], True
    if step.get("human_completion"):
        return step["human_completion"], True
    bad = [c for c in completions if c.get("rating") == -1]
    return (bad or completions or [None])[0], False


def prm800k_rows(lines: Iterable[str], origin: str = "human") -> Iterator[dict[str, Any]]:
    """`step_labels` rows from PRM800K JSON lines (blank lines skipped). A null rating is 0."""
    for number, line in enumerate(lines):
        if not line.strip():
            continue
        record = json.loads(line)
        problem = record["question"]["problem"]
        steps, labels = [], []
        for step in record["label"]["steps"]:
            completion, more = _pick(step)
            if completion is None:
                break
            steps.append(completion["text"])
            labels.append(int(completion.get("rating") or 0))
            if not more:
                break
        pid = hashlib.sha256(problem.encode()).hexdigest()[:16]
        yield {
            "id": f"prm800k-{number}",
            "problem_id": pid,
            "prompt": problem,
            "steps": steps,
            "labels": labels,
            "origin": origin,
        }


def read_prm800k(uri: str) -> list[dict[str, Any]]:
    """Every labelled solution of a PRM800K-format JSONL object (any store URI)."""
    from r1worker.io import store

    return list(prm800k_rows(store.read_text(uri).splitlines()))
