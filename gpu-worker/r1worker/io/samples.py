"""Deterministic sample rows for any declared table, valid under its row schema.

For the TypeScript ↔ Python contract test (`python -m r1worker write-sample`) and round-trip
tests: across a few rows they cover nulls in every nullable column, empty lists, non-ASCII text,
every enum value and repeated values in every dictionary column.
"""

from __future__ import annotations

import random
from typing import Any

from r1worker.io.table_schema import Column, columns, row_schema

_TEXTS = ["plain ascii", "Ünïcödé — ½ × π ≈ 3.14", "数学の問題：2＋2", "emoji 🙂 and a\nnewline", ""]
_DICT_POOL = ["train", "test", "évaluation"]  # few distinct values: what dictionary columns are for
_INT_RANGES = {"int8": (-128, 127), "int32": (-(2**31), 2**31 - 1)}


def _value_schema(prop: dict[str, Any]) -> dict[str, Any]:
    """The non-null branch of a property schema (`anyOf: [X, null]` or `type: [t, "null"]`)."""
    for branch in prop.get("anyOf", []):
        if branch.get("type") != "null":
            return branch
    return prop


def _int(rng: random.Random, type_name: str, schema: dict[str, Any]) -> int:
    lo, hi = _INT_RANGES[type_name]
    lo = max(lo, int(schema.get("minimum", lo)))
    hi = min(hi, int(schema.get("maximum", hi)))
    return rng.randint(lo, min(hi, lo + 1000) if hi - lo > 1000 and lo >= 0 else hi)


def _float(rng: random.Random, schema: dict[str, Any]) -> float:
    """A multiple of 1/8 within the schema's bounds: exact in float32, so round trips compare equal."""
    lo = schema.get(
        "minimum", schema.get("exclusiveMinimum", -5.0) + (0.125 if "exclusiveMinimum" in schema else 0)
    )
    hi = schema.get(
        "maximum", schema.get("exclusiveMaximum", 5.0) - (0.125 if "exclusiveMaximum" in schema else 0)
    )
    lo, hi = max(lo, -5.0), min(hi, max(lo, -5.0) + 10.0)
    return rng.randint(int(lo * 8 + 0.999), int(hi * 8)) / 8


def _text(i: int, col: Column, schema: dict[str, Any]) -> str:
    if col.name == "id" or col.name.endswith("_id"):
        return f"{col.name}/{i}·é"  # ids stay distinct and non-empty, still not ASCII
    text = _TEXTS[i % len(_TEXTS)]
    if len(text) < schema.get("minLength", 0):
        text = f"{col.name}-{i} ✓"
    return text


def _scalar(rng: random.Random, i: int, col: Column, type_name: str, schema: dict[str, Any]) -> Any:
    if "enum" in schema:
        return schema["enum"][i % len(schema["enum"])]
    if type_name == "utf8":
        return _text(i, col, schema)
    if type_name == "dict<utf8>":
        return _DICT_POOL[i % len(_DICT_POOL)]
    if type_name == "bool":
        return i % 2 == 0
    if type_name in _INT_RANGES:
        return _int(rng, type_name, schema)
    if type_name in ("float32", "float64"):
        return _float(rng, schema)
    raise ValueError(f"no sample generator for {type_name}")


def _value(rng: random.Random, i: int, col: Column, prop: dict[str, Any]) -> Any:
    if col.nullable and i % 4 == 1:
        return None
    schema = _value_schema(prop)
    if col.type.startswith("list<"):
        if i % 3 == 0:
            return []
        item_type, item_schema = col.type[len("list<") : -1], schema.get("items", {})
        return [_scalar(rng, i + k, col, item_type, item_schema) for k in range(1 + rng.randrange(4))]
    return _scalar(rng, i, col, col.type, schema)


def sample_rows(table_name: str, rows: int = 8, seed: int = 0) -> list[dict[str, Any]]:
    """`rows` rows of `table_name`, the same for the same seed."""
    rng = random.Random(f"{table_name}:{seed}")
    props = row_schema(table_name)["properties"]
    cols = columns(table_name)
    return [{c.name: _value(rng, i, c, props[c.name]) for c in cols} for i in range(rows)]
