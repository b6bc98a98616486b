"""Shared helpers of the training tests: arithmetic SFT examples, toy preference pairs, specs.

Imported by the other test_train_* / test_stage_* modules (pytest puts tests/ on sys.path)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from r1worker.io.tables import write_table
from r1worker.spec import parse_spec


def arithmetic_examples(n: int = 200, seed: int = 0) -> list[dict[str, Any]]:
    """`Compute a + b.` → `<think>\\na + b = c\\n</think>\\n\\nThe answer is \\boxed{c}.`; level = digits."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        digits = rng.randint(1, 3)
        a, b = rng.randint(0, 10**digits - 1), rng.randint(0, 10**digits - 1)
        rows.append({
            "id": f"ex-{i}", "problem_id": f"p-{i}", "source": "custom", "level": digits,
            "prompt": f"Compute {a} + {b}.",
            "completion": f"<think>\n{a} + {b} = {a + b}\n</think>\n\nThe answer is \\boxed{{{a + b}}}.",
            "origin": "reference",
        })
    return rows


def write_examples(folder: Path, rows: list[dict[str, Any]], shards: int = 1) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    uris = []
    for k in range(shards):
        uri = str(folder / f"part-{k:05d}.arrow")
        write_table(uri, "sft_examples", rows[k::shards])
        uris.append(uri)
    return uris


def sft_spec(output: Path, examples: list[str], model: str = "builtin:tiny", **settings: Any) -> dict[str, Any]:
    """A validated sft spec with defaults applied (CPU, fp32)."""
    doc = {"stage": "sft", "runId": "test-run", "output": str(output), "maxSeqLen": 64, "seed": 0,
           "compute": {"device": "cpu", "precision": "fp32", "checkpointEvery": 1000},
           "examples": examples, "model": model,
           "settings": {"learningRate": 3e-3, "warmupRatio": 0.1, "tokenBudget": 512, "epochs": 1, **settings}}
    return parse_spec(doc)


def write_spec(path: Path, spec: dict[str, Any]) -> str:
    path.write_text(json.dumps(spec))
    return str(path)
