"""Rule step labels: a step is +1 when every computation it states checks out exactly, −1 when one
does not, 0 when it states none that can be checked.

Two checkable forms: arithmetic written out (`12 + 30 = 42`, also `×`, `÷`, `·`) and GSM8K
calculator annotations (`<<48/2=24>>`, Cobbe et al. 2021). Numbers are compared as exact
fractions, so `7 / 2 = 3.5` is right and `7 / 2 = 3` is wrong.
"""

from __future__ import annotations

import ast
import operator
import re
from fractions import Fraction

_NUM = r"-?\d+(?:,\d{3})*(?:\.\d+)?"
_ARITH = re.compile(rf"(?<![\d.])({_NUM})\s*([-+*/×÷·x])\s*({_NUM})\s*=\s*({_NUM})(?![\d.])")
_ANNOTATION = re.compile(r"<<([^<>=]+)=([^<>]+)>>")
_OPS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "×": operator.mul,
    "·": operator.mul,
    "x": operator.mul,
    "/": operator.truediv,
    "÷": operator.truediv,
}
_AST_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def _number(text: str) -> Fraction:
    return Fraction(text.replace(",", ""))


def _checks(results: list[bool]) -> int:
    return 0 if not results else (1 if all(results) else -1)


def arithmetic_label(step: str) -> int:
    """+1 / −1 / 0 for the `a op b = c` computations in `step`.

    >>> arithmetic_label("12 + 30 = 42"), arithmetic_label("7 * 6 = 43"), arithmetic_label("So x is big.")
    (1, -1, 0)
    """
    results = []
    for a, op, b, c in _ARITH.findall(step):
        left, right = _number(a), _number(b)
        if op in "/÷" and right == 0:
            results.append(False)
            continue
        results.append(_OPS[op](left, right) == _number(c))
    return _checks(results)


def _evaluate(node: ast.AST) -> Fraction:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return Fraction(str(node.value))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_evaluate(node.operand)
    if isinstance(node, ast.BinOp) and type(node.op) in _AST_OPS:
        return _AST_OPS[type(node.op)](_evaluate(node.left), _evaluate(node.right))
    raise ValueError("not plain arithmetic")


def gsm8k_annotation_label(step: str) -> int:
    """+1 / −1 / 0 for the `<<expr=result>>` calculator annotations in `step`.

    >>> gsm8k_annotation_label("She sold 48/2 = <<48/2=24>>24 clips."), gsm8k_annotation_label("<<3*4=13>>")
    (1, -1)
    """
    results = []
    for expr, result in _ANNOTATION.findall(step):
        try:
            value = _evaluate(ast.parse(expr.replace(",", "").strip(), mode="eval"))
            results.append(value == _number(result.strip()))
        except (ValueError, SyntaxError, ZeroDivisionError):
            continue  # not checkable (e.g. a variable): no evidence either way
    return _checks(results)


def rule_step_label(step: str) -> int:
    """−1 if any checkable computation is wrong, +1 if at least one is checked and all are right, else 0."""
    labels = [arithmetic_label(_ANNOTATION.sub("", step)), gsm8k_annotation_label(step)]
    if -1 in labels:
        return -1
    return 1 if 1 in labels else 0


def split_steps(completion: str) -> list[str]:
    """The reasoning steps of a completion: the non-empty lines inside `<think>…</think>` (the
    whole text when there is no think block), stripped."""
    match = re.search(r"<think>(.*?)(?:</think>|$)", completion, flags=re.S)
    body = match.group(1) if match else completion
    return [line.strip() for line in body.splitlines() if line.strip()]
