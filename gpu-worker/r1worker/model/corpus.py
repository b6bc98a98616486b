"""A deterministic arithmetic text corpus to train the built-in tiny model's tokenizer on.

It covers what the demo curriculum writes: digits, + - * / = ( ), the chat turns, the
`<think>...</think>` reasoning format, and the words of the prompts and answers.
"""

from __future__ import annotations

import random

SYSTEM_PROMPT = (
    "A conversation between User and Assistant. The user asks a question, and the Assistant "
    "solves it. The assistant first thinks about the reasoning process in the mind and then "
    "provides the user with the answer."
)
_OPS = ("+", "-", "*", "/")
_WORDS = (
    "Compute",
    "Calculate",
    "Evaluate",
    "What is",
    "Solve",
    "step",
    "Step",
    "answer",
    "Answer",
    "The answer is",
    "Final answer",
    "First",
    "Then",
    "So",
    "result",
    "equals",
    "check",
    "wait",
    "User",
    "Assistant",
    "number",
    "sum",
    "difference",
    "product",
    "quotient",
    "boxed",
)


def _expression(rng: random.Random, operands: int, digits: int) -> tuple[str, list[str], int]:
    """A left-to-right expression, its worked steps and its value (integer division when exact)."""
    value = rng.randint(0, 10**digits - 1)
    text, steps = str(value), []
    for _ in range(operands - 1):
        op = rng.choice(_OPS)
        b = rng.randint(1, 10**digits - 1)
        if op == "/":
            b = rng.choice([d for d in range(1, 13) if value % d == 0] or [1])
            new = value // b
        else:
            new = {"+": value + b, "-": value - b, "*": value * b}[op]
        steps.append(f"{value} {op} {b} = {new}")
        text = f"({text}) {op} {b}" if steps[:-1] else f"{text} {op} {b}"
        value = new
    return text, steps, value


def arithmetic_corpus(n: int = 2000, seed: int = 0) -> list[str]:
    """`n` lines of arithmetic prompts with reasoning and answers; same `seed`, same lines."""
    rng = random.Random(seed)
    lines = [SYSTEM_PROMPT, " ".join(_WORDS), "0 1 2 3 4 5 6 7 8 9 + - * / = ( ) . , :"]
    for _ in range(n):
        expr, steps, value = _expression(rng, rng.randint(2, 4), rng.randint(1, 3))
        verb = rng.choice(_WORDS[:5])
        worked = " ".join(f"Step {i + 1}: {s}." for i, s in enumerate(steps))
        lines.append(
            f"User: {verb} {expr}.\nAssistant: <think> {worked} </think> "
            f"<answer> {value} </answer> The answer is {value}."
        )
    return lines
