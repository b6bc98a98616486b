"""Canonical JSON: the byte-exact text both the TypeScript side and the worker hash.

Objects with keys sorted, no spaces, UTF-8 text unescaped, and numbers spelled as JavaScript's
`JSON.stringify` spells them (`1.0` → `1`, `1e-05` → `0.00001`, `1e21` → `1e+21`), so that
`sha256(canonical_json(v))` is the same hex in both languages for the same plain JSON value.
"""

from __future__ import annotations

import json
import math
from typing import Any

_encode_string = json.JSONEncoder(ensure_ascii=False).encode  # same escapes as JSON.stringify


def _number(x: float) -> str:
    """ECMAScript Number::toString for a finite double (ECMA-262 §6.1.6.1.20)."""
    if not math.isfinite(x):
        raise ValueError(f"canonical JSON has no spelling for {x}")
    if x == 0:
        return "0"  # -0 too, as in JavaScript
    sign = "-" if x < 0 else ""
    mantissa, _, exp = repr(abs(x)).partition("e")  # repr: the shortest digits that round-trip
    int_part, _, frac = mantissa.partition(".")
    digits = (int_part + frac.rstrip("0")).lstrip("0") if frac else int_part.lstrip("0")
    # n: the decimal point sits after n digits (value = 0.digits × 10^n).
    n = len(int_part.lstrip("0")) if int_part.strip("0") else -(len(frac) - len(frac.lstrip("0")))
    n += int(exp) if exp else 0
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    exponent = f"e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + digits[0] + ("." + digits[1:] if k > 1 else "") + exponent


def _utf16_key(key: str) -> bytes:
    # JavaScript sorts strings by UTF-16 code units; this differs from code-point order only for
    # characters above U+FFFF against U+E000–U+FFFF.
    return key.encode("utf-16-be", "surrogatepass")


def canonical_json(value: Any) -> str:
    """The canonical JSON text of a plain JSON value (dict, list, str, int, float, bool, None)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, str):
        return _encode_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(canonical_json(v) for v in value) + "]"
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"canonical JSON needs string keys, found {key!r}")
        keys = sorted(value, key=_utf16_key)
        return "{" + ",".join(_encode_string(k) + ":" + canonical_json(value[k]) for k in keys) + "}"
    raise TypeError(f"not a plain JSON value: {type(value).__name__}")
