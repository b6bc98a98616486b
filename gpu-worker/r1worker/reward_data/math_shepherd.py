"""Math-Shepherd automatic step labels (Wang et al. 2024, "Math-Shepherd", §3.3).

From each step, sample N completions of the solution; the step is good when its completions can
still reach the verified answer: hard estimation (rule "any", eq. 4) needs one correct completion,
the soft estimation thresholded at a majority (rule "most") needs more than half.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

RULES = ("any", "most")


def step_prefix(prompt: str, steps: Sequence[str], k: int) -> str:
    """The text a completion continues from after step k (0-based): prompt, then steps 0…k, one a line."""
    return prompt + "".join(s + "\n" for s in steps[: k + 1])


def label_steps(
    prompt: str,
    steps: Sequence[str],
    sample_completions: Callable[[str, int], list[str]],
    verify: Callable[[str], bool],
    n: int = 8,
    rule: str = "any",
) -> tuple[list[int], list[float]]:
    """Label each step +1 / −1 by the completions sampled after it.

    Args:
        prompt: the chat prompt text the solution answers.
        steps: the solution's steps in order.
        sample_completions: (prefix text, n) -> n continuations of the prefix (the policy sampling).
        verify: continuation -> whether it ends in the verified reference answer.
        n: completions per step (Math-Shepherd: N = 8).
        rule: "any" (hard estimation) or "most" (more than half correct).
    Returns:
        labels: [S] in {−1, +1}.
        soft: [S] share of correct completions per step (the soft estimation).

    >>> label_steps("Q ", ["a", "b"], lambda p, n: ["ok" if p.endswith("a\\n") else "no"] * n,
    ...             lambda c: c == "ok", n=2)
    ([1, -1], [1.0, 0.0])
    """
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; valid: {', '.join(RULES)}")
    labels, soft = [], []
    for k in range(len(steps)):
        completions = sample_completions(step_prefix(prompt, steps, k), n)
        hits = sum(bool(verify(c)) for c in completions)
        share = hits / max(len(completions), 1)
        good = hits >= 1 if rule == "any" else hits * 2 > len(completions)
        labels.append(1 if good else -1)
        soft.append(share)
    return labels, soft
