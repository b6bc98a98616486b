"""Time per GRPO iteration on the built-in tiny model (CPU): one grpo-block job of K iterations
against today's per-iteration stages (a rollout job, scoring, a grpo job per iteration), split into
rollout, score, update and overhead (process start, imports, model and scorer loads, I/O).

    ../.venv/bin/python -m bench.block_bench [--iterations 4] [--cold]

Each worker job is its own process forked from the warm parent (`python -m r1worker.warm`), as the
local runner starts them; `--cold` starts each as `python -m r1worker` instead (imports included),
as a Batch job's container does. Per-iteration scoring uses the scorer child already up (as the
score stage runs inside the runner's process). Prints JSON lines, asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from r1worker.io.tables import read_shards, write_table
from r1worker.rollout.ts_scorer import ScoreSettings, TsScorer

QUESTIONS = ["Compute 2 + 3.", "What is 7 * 6?", "Evaluate (9 - 4) * 2.", "Solve 12 / 4 + 1."]
PROMPTS, G, NEW = 16, 4, 24
REWARDS = {"accuracy": 1, "format": 0, "repetition": 1, "repetitionNgram": 1, "rewardModel": 0}
GRPO = {"learningRate": 2e-3, "groupSize": G, "klCoef": 0.04, "lossAgg": "token-mean"}
ROLLOUT = {"maxNewTokens": NEW, "batchSize": PROMPTS, "temperature": 0.7}


def problems(folder: str, it: int) -> str:
    rows = [
        {
            "id": f"arith/train/{it * PROMPTS + n}",
            "source": "jsonl",
            "split": "train",
            "question": QUESTIONS[n % len(QUESTIONS)],
            "answer": str(n),
            "answer_type": "numeric",
            "choices": [],
            "level": 1,
            "reasoning": None,
            "subject": None,
        }
        for n in range(PROMPTS)
    ]
    uri = os.path.join(folder, f"prompts-{it}", "part-00000.arrow")
    write_table(uri, "problems", rows)
    return uri


class Warm:
    """The warm parent, started once (its imports are not timed: the runner starts it at plan time)."""

    parent: subprocess.Popen | None = None

    @classmethod
    def run(cls, argv: list[str], log: str) -> int:
        if cls.parent is None:
            cls.parent = subprocess.Popen(
                [sys.executable, "-m", "r1worker.warm"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
            )
            assert json.loads(cls.parent.stdout.readline())["ready"]
        cls.parent.stdin.write(json.dumps({"id": 1, "argv": argv, "log": log}).encode() + b"\n")
        cls.parent.stdin.flush()
        json.loads(cls.parent.stdout.readline())  # forked
        return json.loads(cls.parent.stdout.readline())["exit"]


COLD = False


def job(stage: str, spec: dict, folder: str) -> tuple[float, dict]:
    """Runs one worker job in its own process; (wall seconds, metrics.json)."""
    path = os.path.join(folder, f"{os.path.basename(spec['output'])}.json")
    with open(path, "w") as f:
        json.dump({"runId": "bench", "stage": stage, "maxSeqLen": 64, "seed": 3, **spec}, f)
    argv = [stage, "--spec", path]
    t0 = time.perf_counter()
    if COLD:
        subprocess.run([sys.executable, "-m", "r1worker", *argv], check=True, capture_output=True)
    elif (code := Warm.run(argv, path + ".log")) != 0:
        raise RuntimeError(f"{stage} exited {code}; log {path}.log")
    return time.perf_counter() - t0, json.load(open(os.path.join(spec["output"], "metrics.json")))


def block(folder: str, prompts: list[str], k: int) -> dict:
    spec = {
        "output": os.path.join(folder, "block"),
        "prompts": [[p] for p in prompts],
        "groupsPerIteration": PROMPTS,
        "firstIteration": 0,
        "policy": "builtin:tiny",
        "reference": "builtin:tiny",
        "rollout": ROLLOUT,
        "rewards": REWARDS,
        "settings": {**GRPO, "iterations": k},
    }
    wall, summary = job("grpo-block", spec, folder)
    records = [json.load(open(os.path.join(d, "metrics.json"))) for d in summary["outputs"]["iterations"]]
    split = {p: sum(r["seconds"][f"{p}_s"] for r in records) / k for p in ("rollout", "score", "update")}
    looped = sum(r["seconds"]["iteration_s"] for r in records)
    return {
        "case": "block",
        "iterations": k,
        "wall_s": wall,
        **split,
        "overhead": wall / k - sum(split.values()),
        "in_loop_overhead": looped / k - sum(split.values()),  # table writes, weight sync, bookkeeping
        "job_start_and_end_s": wall - looped,  # process start, imports, model + scorer loads, final save
    }


def per_iteration(folder: str, prompts: list[str], k: int) -> dict:
    totals = {"rollout": 0.0, "score": 0.0, "update": 0.0, "wall": 0.0}
    policy = "builtin:tiny"
    settings = ScoreSettings(REWARDS, G, "outcome", "std")
    with TsScorer() as scorer:
        for it, uri in enumerate(prompts):
            rollout = {
                "output": os.path.join(folder, f"rollout-{it}"),
                "prompts": [uri],
                "model": policy,
                "samplesPerPrompt": G,
                "policyVersion": it,
                "settings": ROLLOUT,
            }
            wall_r, m_r = job("rollout", rollout, folder)
            t0 = time.perf_counter()
            rows = read_shards(rollout["output"], "rollouts").to_pylist()
            scored = scorer.score(rows, settings)
            scored_uri = os.path.join(folder, f"score-{it}", "part-00000.arrow")
            write_table(scored_uri, "scored_rollouts", scored.rows)
            wall_s = time.perf_counter() - t0
            update = {
                "output": os.path.join(folder, f"grpo-{it}"),
                "scored": [scored_uri],
                "policy": policy,
                "reference": "builtin:tiny",
                "iteration": it,
                "temperature": 0.7,
                "settings": {**GRPO, "iterations": k},
            }
            wall_u, m_u = job("grpo", update, folder)
            policy = m_u["outputs"]["model"]
            totals["rollout"] += m_r["metrics"]["generate_seconds"]
            totals["score"] += scored.seconds
            totals["update"] += m_u["metrics"]["tokens"] / m_u["metrics"]["tokens_per_s"]  # the step itself
            totals["wall"] += wall_r + wall_s + wall_u
    split = {p: totals[p] / k for p in ("rollout", "score", "update")}
    return {
        "case": "per-iteration",
        "iterations": k,
        "wall_s": totals["wall"],
        **split,
        "overhead": totals["wall"] / k - sum(split.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=4)
    parser.add_argument("--cold", action="store_true", help="each job in its own interpreter")
    args = parser.parse_args()
    global COLD
    COLD = args.cold
    os.environ.setdefault("R1WORKER_CACHE", os.path.join(tempfile.gettempdir(), "r1worker-bench-cache"))
    with tempfile.TemporaryDirectory() as folder:
        prompts = [problems(folder, it) for it in range(args.iterations)]
        for case in (block, per_iteration):
            line = case(folder, prompts, args.iterations)
            line["overhead_share"] = line["overhead"] / (line["wall_s"] / args.iterations)
            print(
                json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in line.items()}),
                flush=True,
            )


if __name__ == "__main__":
    main()
