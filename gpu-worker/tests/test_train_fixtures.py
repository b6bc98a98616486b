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
        rows.append(
            {
                "id": f"ex-{i}",
                "problem_id": f"p-{i}",
                "source": "custom",
                "level": digits,
                "prompt": f"Compute {a} + {b}.",
                "completion": f"<think>\n{a} + {b} = {a + b}\n</think>\n\nThe answer is \\boxed{{{a + b}}}.",
                "origin": "reference",
            }
        )
    return rows


def write_examples(folder: Path, rows: list[dict[str, Any]], shards: int = 1) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    uris = []
    for k in range(shards):
        uri = str(folder / f"part-{k:05d}.arrow")
        write_table(uri, "sft_examples", rows[k::shards])
        uris.append(uri)
    return uris


def sft_spec(
    output: Path, examples: list[str], model: str = "builtin:tiny", **settings: Any
) -> dict[str, Any]:
    """A validated sft spec with defaults applied (CPU, fp32)."""
    doc = {
        "stage": "sft",
        "runId": "test-run",
        "output": str(output),
        "maxSeqLen": 64,
        "seed": 0,
        "compute": {"device": "cpu", "precision": "fp32", "checkpointEvery": 1000},
        "examples": examples,
        "model": model,
        "settings": {"learningRate": 3e-3, "warmupRatio": 0.1, "tokenBudget": 512, "epochs": 1, **settings},
    }
    return parse_spec(doc)


def write_spec(path: Path, spec: dict[str, Any]) -> str:
    path.write_text(json.dumps(spec))
    return str(path)


def toy_pairs(n: int = 120, seed: int = 0) -> list[dict[str, Any]]:
    """Separable pairs: the chosen side computes right and answers; the rejected one errs and hedges."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        a, b = rng.randint(0, 99), rng.randint(0, 99)
        wrong = a + b + rng.randint(1, 9)
        rows.append(
            {
                "id": f"pair-{i}",
                "problem_id": f"p-{i}",
                "prompt": f"Compute {a} + {b}.",
                "chosen": f"<think>\n{a} + {b} = {a + b}\n</think>\n\nThe answer is \\boxed{{{a + b}}}.",
                "rejected": f"<think>\n{a} + {b} = {wrong}\n</think>\n\nI am not sure, maybe {wrong}.",
                "margin": 0.0,
                "origin": "verified",
            }
        )
    return rows


def reward_spec(
    output: Path,
    pairs: list[str],
    model: str = "builtin:tiny",
    step_labels: list[str] | None = None,
    **settings: Any,
) -> dict[str, Any]:
    doc = {
        "stage": "reward",
        "runId": "test-run",
        "output": str(output),
        "maxSeqLen": 64,
        "seed": 0,
        "compute": {"device": "cpu", "precision": "fp32", "checkpointEvery": 1000},
        "pairs": pairs,
        "stepLabels": step_labels or [],
        "model": model,
        "settings": {
            "learningRate": 2e-3,
            "warmupRatio": 0.1,
            "tokenBudget": 1024,
            "heldOut": 0.2,
            **settings,
        },
    }
    return parse_spec(doc)


def worker_env(cache: Path) -> dict[str, str]:
    """Environment of a worker subprocess: a shared model cache, one thread per process (the tests
    share two cores; oversubscribed BLAS threads slow tiny models tenfold)."""
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    env.update({"R1WORKER_CACHE": str(cache), "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"})
    return env


def read_model(folder: Path) -> dict[str, Any]:
    from safetensors.torch import load_file

    return load_file(str(folder / "model.safetensors"))
