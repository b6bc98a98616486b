"""The spec a worker stage is handed (`--spec <uri>`): validated once, at start-up, against the
JSON Schema generated from `schemas/stage-spec.ts` (never a hand copy), defaults filled in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from r1worker.io import store
from r1worker.io.schemas import load_document
from r1worker.io.validation import apply_defaults, problems

SPEC_SCHEMA = "worker-spec.schema.json"


class SpecError(ValueError):
    """A spec that is not valid JSON or breaks the schema; lists every problem. Exit code 2."""

    def __init__(self, uri: str, found: list[str]) -> None:
        self.uri = uri
        self.problems = found
        super().__init__(f"invalid spec {uri}: " + "; ".join(found))


def _branches() -> dict[str, dict[str, Any]]:
    """Stage name → that stage's branch of the `oneOf` (discriminated by the `stage` const)."""
    root = load_document(SPEC_SCHEMA)
    return {b["properties"]["stage"]["const"]: b for b in root["oneOf"]}


def worker_stages() -> list[str]:
    """The stages this worker runs, in the order the TypeScript `WORKER_STAGES` declares them."""
    return list(_branches())


def parse_spec(doc: Any, uri: str = "<spec>") -> dict[str, Any]:
    """Validate a parsed spec document and return it with defaults applied.

    Validation picks the branch by `stage`, so every problem is reported against the stage's
    own schema (not one vague "matches no branch"), each as `<json path>: <message>`.
    """
    if not isinstance(doc, dict):
        raise SpecError(uri, [f"$: expected a JSON object, found {type(doc).__name__}"])
    branches = _branches()
    stage = doc.get("stage")
    if stage not in branches:
        found = "missing" if stage is None else repr(stage)
        raise SpecError(uri, [f"$.stage: expected one of {', '.join(branches)}, found {found}"])
    root = load_document(SPEC_SCHEMA)
    schema = {"$schema": root.get("$schema"), **branches[stage], "$defs": root.get("$defs", {})}
    found = problems(doc, schema)
    if found:
        raise SpecError(uri, found)
    return apply_defaults(doc, schema)


def load_spec(uri: str) -> dict[str, Any]:
    """Read, validate and default a spec. NotFoundError when it is missing; SpecError when bad."""
    try:
        doc = store.read_json(uri)
    except UnicodeDecodeError as e:
        raise SpecError(uri, [f"$: not UTF-8 text ({e.reason})"]) from e
    except ValueError as e:  # malformed JSON; the message already names the URI
        raise SpecError(uri, [f"$: {str(e).removeprefix(f'{uri}: ')}"]) from e
    return parse_spec(doc, uri)


@dataclass(frozen=True)
class Compute:
    """Where and how the stage computes (`ComputeSettings` in schemas/manifest.ts)."""

    device: str  # auto | cpu | cuda; auto = cuda when available
    precision: str  # auto | bf16 | fp32; auto = bf16 on GPUs that support it
    gpus_per_node: int  # torchrun --nproc-per-node
    nodes: int  # >1: an AWS Batch multi-node parallel job (FSDP)
    spot: bool  # spot capacity: checkpoint often, expect host loss
    checkpoint_every: int  # optimizer steps between checkpoints to S3 (resume after host loss)


@dataclass(frozen=True)
class SpecView:
    """The settings every worker stage shares; stage-specific keys stay in `raw`."""

    stage: str  # sft | reward | rollout | grpo
    run_id: str  # the run this stage belongs to (log field, S3 key segment)
    output: str  # prefix the stage writes under; `_SUCCESS` goes there last
    max_seq_len: int  # prompt + completion tokens, the truncation limit
    seed: int  # seeds Python, NumPy and torch RNGs (default 0)
    compute: Compute
    raw: dict[str, Any]  # the whole validated spec, defaults applied

    @classmethod
    def of(cls, spec: dict[str, Any]) -> SpecView:
        c = spec["compute"]
        compute = Compute(
            c["device"], c["precision"], c["gpusPerNode"], c["nodes"], c["spot"], c["checkpointEvery"]
        )
        return cls(
            spec["stage"], spec["runId"], spec["output"], spec["maxSeqLen"], spec["seed"], compute, spec
        )
