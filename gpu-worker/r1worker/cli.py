"""`python -m r1worker <stage> --spec <uri>`: the thin handler around every worker stage.

It validates the spec, skips the stage when its `_SUCCESS` already matches (resume), calls the
stage's pure-ish `run(spec) -> dict`, then writes `metrics.json` and `_SUCCESS` last.
`python -m r1worker launch [--nproc-per-node N] -- <stage> --spec <uri>` runs the same under
torchrun, one rank per GPU, across AWS Batch multi-node jobs too (`r1worker.train.launch`).

Exit codes: 0 ok · 1 other failure · 2 bad usage or spec · 3 missing input · 4 schema mismatch;
every failure prints one line `r1worker: error: …` on stderr.

A stage module `r1worker/stages/<name>.py` ('-' → '_') exposes `run(spec: dict) -> dict` returning
the stage-specific part of its summary (stage-summary.schema.json): `outputs`, `metrics`,
`rowsIn`, `rowsOut`, `warnings`. It writes its outputs under `spec["output"]`; the CLI adds
stage, status, startedAt and durationS. Under torchrun only rank 0 (RANK 0 or unset) writes
`metrics.json` and `_SUCCESS`, then, where R1FLOW_METRICS_NAMESPACE is set (the Batch job
definition sets it), prints the stage's CloudWatch EMF line on stdout (r1worker.emf).
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from r1worker import emf
from r1worker.io import store
from r1worker.io.commit import SUCCESS, commit_stage, is_complete, now_iso, stage_hash, write_summary
from r1worker.io.errors import NotFoundError, SchemaMismatchError
from r1worker.log import setup_logging
from r1worker.spec import SpecError, parse_spec

# The command names; a test keeps them equal to the `stage` consts of worker-spec.schema.json.
# Spelled out here so that `--help` works even where the generated schemas are missing.
WORKER_STAGES = ("sft", "reward", "rollout", "grpo", "grpo-block")

log = logging.getLogger("r1worker.cli")


class UsageError(Exception):
    """Bad command-line use. Exit code 2."""


class StageNotImplementedError(UsageError):
    def __init__(self, stage: str) -> None:
        super().__init__(f"stage {stage} is not implemented in this worker build")


StageFn = Callable[[dict[str, Any]], dict[str, Any]]


def _lazy_stage(stage: str) -> StageFn:
    """A runner that imports `r1worker.stages.<stage>` only when called (torch, vLLM … are heavy)."""
    module_name = f"r1worker.stages.{stage.replace('-', '_')}"

    def run(spec: dict[str, Any]) -> dict[str, Any]:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            if e.name in (module_name, "r1worker.stages"):
                raise StageNotImplementedError(stage) from e
            raise  # the stage exists but one of its own imports is missing: a real failure
        fn = getattr(module, "run", None)
        if not callable(fn):
            raise StageNotImplementedError(stage)
        return fn(spec)

    run.__qualname__ = f"run[{module_name}]"
    return run


# Stage name → runner. Tests (or a build with extra stages) may replace entries.
STAGES: dict[str, StageFn] = {name: _lazy_stage(name) for name in WORKER_STAGES}


def run_stage(stage: str, spec_uri: str, force: bool = False) -> dict[str, Any]:
    """Validate, resume-check, run, and commit one stage; returns the summary written."""
    try:
        raw = store.read_json(spec_uri)
    except (ValueError, UnicodeDecodeError) as e:
        raise SpecError(spec_uri, [f"$: {str(e).removeprefix(f'{spec_uri}: ')}"]) from e
    spec = parse_spec(raw, spec_uri)
    if spec["stage"] != stage:
        raise SpecError(
            spec_uri, [f"$.stage: the spec is for stage {spec['stage']}, but the command runs {stage}"]
        )
    setup_logging(stage, spec["runId"])
    output = spec["output"]
    # The spec as written names every input by URI, and inputs are immutable once committed.
    digest = stage_hash(raw)
    if not force and is_complete(output, digest):
        log.info("outputs already committed with this spec; skipping", extra={"output": output})
        return {
            "stage": stage,
            "status": "skipped",
            "startedAt": now_iso(),
            "durationS": 0,
            "outputs": {},
            "metrics": {},
            "warnings": [],
        }
    started, t0 = now_iso(), time.monotonic()
    log.info("stage started", extra={"output": output})
    result = STAGES[stage](spec) or {}
    summary = {
        **result,
        "stage": stage,
        "status": "succeeded",
        "startedAt": started,
        "durationS": round(time.monotonic() - t0, 3),
    }
    if os.environ.get("RANK", "0") != "0":
        return summary  # under torchrun rank 0 alone commits (the stage has synchronised the ranks)
    written = write_summary(output, summary)
    folder = output if output.endswith("/") else output + "/"
    files = [u[len(folder) :] for u in store.list_uris(folder) if not u.endswith("/" + SUCCESS)]
    commit_stage(output, stage, digest, files)
    log.info("stage succeeded", extra={"durationS": written["durationS"], "files": len(files)})
    namespace = os.environ.get(emf.NAMESPACE_ENV)  # set on AWS Batch, where stdout goes to CloudWatch
    if namespace:
        emf.emit(written, stage, spec["runId"], namespace=namespace, gpus=emf.gpus_in_use(spec["compute"]))
    return written


def check_table(uri: str, table: str) -> dict[str, Any]:
    """Read every batch of an Arrow file, check its schema and validate every row."""
    from r1worker.io import tables

    _known_table(table)
    rows = 0
    for batch in tables.iter_batches(uri, table):
        rows += tables.validate_rows(batch.to_pylist(), table, uri, row_offset=rows)
    return {"table": table, "rows": rows}


def write_sample(table: str, out: str, rows: int, seed: int) -> dict[str, Any]:
    from r1worker.io import tables
    from r1worker.io.samples import sample_rows

    _known_table(table)
    if rows < 0:
        raise UsageError(f"--rows must be ≥ 0, found {rows}")
    written = tables.write_table(out, table, sample_rows(table, rows, seed))
    return {"table": table, "rows": written, "uri": out}


def _known_table(table: str) -> None:
    from r1worker.io.tables import table_names

    if table not in table_names():
        raise UsageError(f'unknown table "{table}"; valid tables: {", ".join(table_names())}')


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        _fail(f"{message} (see {self.prog} --help)")
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="r1worker", description="r1flow GPU worker: run one pipeline stage.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    for name in WORKER_STAGES:
        sub = commands.add_parser(name, help=f"run the {name} stage", description=f"Run the {name} stage.")
        sub.add_argument("--spec", required=True, help="URI of the stage spec (worker-spec.schema.json)")
        sub.add_argument("--force", action="store_true", help="run even when _SUCCESS matches the spec")
    # Handled before parsing (main); listed here for --help.
    commands.add_parser(
        "launch",
        help="run a stage under torchrun on this node: launch [--nproc-per-node N] -- <stage> --spec <uri>",
        add_help=False,
    )
    check = commands.add_parser(
        "check-table",
        help="check an Arrow file against a declared table",
        description="Read every batch, check the schema, validate every row.",
    )
    check.add_argument("uri", help="Arrow IPC file (s3://, file:// or a path)")
    check.add_argument("--table", required=True, help="table name from tables.json")
    sample = commands.add_parser(
        "write-sample",
        help="write deterministic sample rows of a table",
        description="Write sample rows covering nulls, empty lists and non-ASCII text.",
    )
    sample.add_argument("--table", required=True, help="table name from tables.json")
    sample.add_argument("--out", required=True, help="URI of the Arrow file to write")
    sample.add_argument("--rows", type=int, default=8, help="number of rows (default 8)")
    sample.add_argument("--seed", type=int, default=0, help="sample seed (default 0)")
    return parser


def _fail(message: str) -> None:
    print(f"r1worker: error: {' '.join(str(message).split())}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["launch"]:  # torchrun for multi-GPU / multi-node jobs; replaces this process
        from r1worker.train import launch

        launch.main(argv[1:])
        return 0
    args = _parser().parse_args(argv)
    try:
        if args.command == "check-table":
            result = check_table(args.uri, args.table)
        elif args.command == "write-sample":
            result = write_sample(args.table, args.out, args.rows, args.seed)
        else:
            result = run_stage(args.command, args.spec, force=args.force)
    except (SpecError, UsageError) as e:
        _fail(str(e))
        return 2
    except NotFoundError as e:
        _fail(f"missing input: {e}")
        return 3
    except SchemaMismatchError as e:
        _fail(f"schema mismatch: {e}")
        return 4
    except Exception as e:  # noqa: BLE001 — the exit code and one line are the contract
        log.exception("stage failed")
        _fail(f"{type(e).__name__}: {e}")
        return 1
    print(json.dumps(result, ensure_ascii=False))
    return 0
