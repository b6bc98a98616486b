"""Locates and loads the JSON Schema documents the TypeScript side generates (never a hand copy).

Search order: `$R1FLOW_SCHEMAS_DIR`; a `schemas/generated` folder above this package (a source
checkout); `r1worker/schemas/` inside the installed package (the Docker image copies it there).
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

from r1worker.io.errors import SchemaFilesNotFoundError

ENV_VAR = "R1FLOW_SCHEMAS_DIR"
_MARKER = "tables.json"  # every generated folder holds it
_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # r1worker/


def schemas_dir() -> Path:
    """The folder holding tables.json, worker-spec.schema.json, … (first match of the search order)."""
    tried: list[str] = []
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env)
        if (path / _MARKER).is_file():
            return path
        # An explicit setting that points nowhere is a mistake, not a reason to fall back.
        raise SchemaFilesNotFoundError(f"{ENV_VAR}={env} holds no {_MARKER}")
    for parent in _PACKAGE_DIR.parents:
        candidate = parent / "schemas" / "generated"
        tried.append(str(candidate))
        if (candidate / _MARKER).is_file():
            return candidate
    shipped = _PACKAGE_DIR / "schemas"
    tried.append(str(shipped))
    if (shipped / _MARKER).is_file():
        return shipped
    raise SchemaFilesNotFoundError(
        f"cannot find the generated JSON Schema files; set {ENV_VAR} (looked in: {', '.join(tried)})"
    )


@functools.cache
def _load(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_document(name: str) -> dict[str, Any]:
    """One generated document by file name, e.g. "worker-spec.schema.json" (cached; do not mutate)."""
    return _load(str(schemas_dir() / name))
