"""JSON Schema (Draft 2020-12) checks that list every problem with its path, and the filling-in
of `default` values, for the generated spec/summary/marker schemas."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema


def _path(parts: Any) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def _describe(error: jsonschema.ValidationError) -> list[str]:
    """One line per problem: `<json path>: <message>`, pointing at the offending key itself."""
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extras = sorted(k for k in error.instance if k not in allowed)
        return [f"{_path([*path, k])}: unknown key (allowed: {', '.join(sorted(allowed))})" for k in extras]
    if error.validator == "required" and isinstance(error.validator_value, list):
        missing = [k for k in error.validator_value if k not in error.instance]
        return [f"{_path([*path, k])}: required key is missing" for k in missing[:1]]
    if error.validator in ("anyOf", "oneOf") and error.context:
        best = jsonschema.exceptions.best_match(error.context)
        return [f"{_path(path)}: {best.message}"]
    return [f"{_path(path)}: {error.message}"]


def problems(doc: Any, schema: dict[str, Any]) -> list[str]:
    """Every validation problem of `doc`, sorted by path; [] when it is valid."""
    validator = jsonschema.Draft202012Validator(schema)
    lines: list[str] = []
    for error in validator.iter_errors(doc):
        lines.extend(_describe(error))
    return sorted(set(lines))


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        return {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _branch(schema: dict[str, Any], doc: Any, root: dict[str, Any]) -> dict[str, Any] | None:
    """The `oneOf`/`anyOf` branch `doc` belongs to: the one whose `const` properties it matches
    (a discriminated union), else the first it validates against."""
    branches = schema.get("oneOf") or schema.get("anyOf")
    if not branches:
        return None
    for raw in branches:
        branch = _resolve(raw, root)
        consts = {k: p["const"] for k, p in branch.get("properties", {}).items() if "const" in p}
        if consts and isinstance(doc, dict) and all(doc.get(k) == v for k, v in consts.items()):
            return branch
    for raw in branches:
        branch = _resolve(raw, root)
        if jsonschema.Draft202012Validator({**branch, "$defs": root.get("$defs", {})}).is_valid(doc):
            return branch
    return None


def apply_defaults(doc: Any, schema: dict[str, Any], root: dict[str, Any] | None = None) -> Any:
    """A copy of `doc` with every missing property that has a `default` filled in, recursively
    (a defaulted object gets its own properties' defaults too, as zod's `prefault` does)."""
    root = root if root is not None else schema
    schema = _resolve(schema, root)
    branch = _branch(schema, doc, root)
    if branch is not None:
        doc = apply_defaults(doc, branch, root)
    if isinstance(doc, dict) and "properties" in schema:
        doc = dict(doc)
        for key, prop in schema["properties"].items():
            prop = _resolve(prop, root)
            if key not in doc and "default" in prop:
                doc[key] = copy.deepcopy(prop["default"])
            if key in doc:
                doc[key] = apply_defaults(doc[key], prop, root)
    elif isinstance(doc, list) and isinstance(schema.get("items"), dict):
        doc = [apply_defaults(v, schema["items"], root) for v in doc]
    return doc
