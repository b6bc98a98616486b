"""A deliberately small answer checker for Math-Shepherd automatic step labels.

The full verifier is the TypeScript one (`functions/rewards/accuracy.ts`: LaTeX normalisation,
symbolic equivalence, choices). This one only has to decide, inside the reward stage, whether a
sampled continuation ends in the reference answer:

- extraction: the last `\\boxed{…}` (braces matched, nested ones kept), else the last `#### x`
  (GSM8K), else the last "the answer is x";
- numbers (both sides parse as one): equal within 1e-6 relative tolerance, after stripping
  thousands commas (`1,200`; `1,2` is not a number), `$`, `%` and spaces; a simple fraction `a/b`
  or `\\frac{a}{b}` is a number;
- anything else: equal after normalising the string (spaces, `\\left` / `\\right`, `\\dfrac` /
  `\\tfrac` → `\\frac`, `\\text{…}` wrappers removed, a trailing period dropped).

So `1/2` equals `0.5` and `\\dfrac{1}{2}`, but `\\sqrt{2}/2` does not equal `\\frac{\\sqrt2}{2}`: auto
labels of problems with LaTeX-heavy answers should be treated with care (a missed equivalence turns
a good step into a −1).
"""

from __future__ import annotations

import math
import re

_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
_HASHES = re.compile(r"####\s*([^\n]+)")
_ANSWER_IS = re.compile(r"answer is[:\s]*([^\n]+)", flags=re.I)
_TEXT = re.compile(r"\\(?:text|textbf|mathrm|mbox)\s*\{([^{}]*)\}")
_FRAC = re.compile(r"^\\frac\{(-?[\d.]+)\}\{(-?[\d.]+)\}$")
_PLAIN_NUMBER = re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
REL_TOL = 1e-6


def _last_boxed(text: str) -> str | None:
    """Content of the last `\\boxed{…}` with its braces matched; None when there is none (or it is unclosed)."""
    found = None
    for match in _BOXED.finditer(text):
        depth, start = 1, match.end()
        for i in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            if depth == 0:
                found = text[start:i]
                break
    return found


def extract_answer(text: str) -> str | None:
    """The final answer stated in `text`, or None.

    >>> extract_answer("so \\\\boxed{\\\\frac{1}{2}} done"), extract_answer("#### 1,200"), extract_answer("hm")
    ('\\\\frac{1}{2}', '1,200', None)
    """
    boxed = _last_boxed(text)
    if boxed is not None:
        return boxed.strip()
    for pattern in (_HASHES, _ANSWER_IS):
        matches = pattern.findall(text)
        if matches:
            return matches[-1].strip()
    return None


def normalise(answer: str) -> str:
    """The string form compared when an answer is not a number."""
    s = answer.strip()
    while True:
        unwrapped = _TEXT.sub(r"\1", s)
        if unwrapped == s:
            break
        s = unwrapped
    s = s.replace("\\left", "").replace("\\right", "")
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    s = s.replace("\\!", "").replace("\\,", "").replace("\\ ", "")
    s = re.sub(r"\s+", "", s)
    s = s.rstrip(".")
    if len(s) >= 2 and s[0] == "$" and s[-1] == "$":
        s = s[1:-1]
    return s


def to_number(answer: str) -> float | None:
    """`answer` as a float (commas, `$`, `%`, spaces stripped; `a/b` and `\\frac{a}{b}` allowed), else None.

    >>> to_number("$1,234.50"), to_number("50%"), to_number("3/4"), to_number("x + 1")
    (1234.5, 50.0, 0.75, None)
    """
    s = normalise(answer).replace("\\%", "%").replace("\\$", "$")
    s = _THOUSANDS.sub("", s).replace("$", "").replace("%", "")
    frac = _FRAC.match(s)
    if frac:
        s = f"{frac.group(1)}/{frac.group(2)}"
    parts = s.split("/")
    if len(parts) > 2 or not all(_PLAIN_NUMBER.match(p) for p in parts):
        return None
    try:
        value = float(parts[0])
        if len(parts) == 2:
            value /= float(parts[1])
    except (ValueError, ZeroDivisionError):
        return None
    return value if math.isfinite(value) else None


def answers_match(found: str, reference: str) -> bool:
    """Whether an extracted answer equals the reference (numbers by value, else normalised text)."""
    a, b = to_number(found), to_number(reference)
    if a is not None and b is not None:
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=0.0) or a == b
    return normalise(found) == normalise(reference) and normalise(found) != ""


def reaches_answer(text: str, reference: str) -> bool:
    """Whether `text` (a whole solution) ends in the reference answer; no stated answer is False.

    >>> reaches_answer("<think>2 + 3 = 5</think> The answer is \\\\boxed{5}.", "5")
    True
    """
    found = extract_answer(text)
    return found is not None and answers_match(found, reference)
