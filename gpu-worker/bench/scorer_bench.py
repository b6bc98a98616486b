"""Throughput of the TypeScript scoring child as the GRPO loop uses it: N synthetic rollouts of about
T completion tokens (arithmetic chains of thought, half right) in groups of G, scored R times over one
child. Prints one JSON line per round and a summary line.

    python -m bench.scorer_bench [--rows 10000] [--tokens 256] [--group 16] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time

from r1worker.rollout.ts_scorer import ScoreSettings, TsScorer


def synthetic_rows(n: int, tokens: int, group: int, seed: int = 0) -> list[dict]:
    """`rollouts` rows: a chain of `a op b = c` lines (one wrong in four), a boxed answer."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        g, k = divmod(i, group)
        lines, value = [], rng.randint(2, 99)
        while sum(len(x) for x in lines) < tokens * 3:  # ~4 characters per token, the answer included
            b = rng.randint(2, 20)
            right = value + b
            shown = right if rng.random() > 0.25 else right + 1
            lines.append(f"{value} + {b} = {shown}")
            value = right
        answer = value if rng.random() < 0.5 else value + 1
        rows.append(
            {
                "id": f"p{g}@v0/{k}",
                "problem_id": f"p{g}",
                "group_id": f"p{g}@v0",
                "sample_index": k,
                "policy_version": 0,
                "level": 1 + g % 5,
                "answer": str(value),
                "answer_type": "numeric",
                "choices": [],
                "prompt": "Add the numbers step by step.",
                "completion": "<think>" + "\n".join(lines) + f"</think> The answer is \\boxed{{{answer}}}.",
                "prompt_token_ids": [rng.randrange(32_000) for _ in range(48)],
                "completion_token_ids": [rng.randrange(32_000) for _ in range(tokens)],
                "logprobs": [-rng.random() * 3 for _ in range(tokens)],
                "finish_reason": "stop",
                "rm_score": None,
                "rm_step_scores": None,
                "step_token_ends": None,
            }
        )
    return rows


def child_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--tokens", type=int, default=256)
    parser.add_argument("--group", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--advantage", choices=("outcome", "process"), default="outcome")
    args = parser.parse_args()
    rows = synthetic_rows(args.rows, args.tokens, args.group)
    settings = ScoreSettings({}, args.group, args.advantage, "std")
    t0 = time.perf_counter()
    encoded_mb = sum(len(json.dumps(r, separators=(",", ":"))) for r in rows) / 1e6
    encode_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    seconds = []
    with TsScorer() as scorer:
        start_s = time.perf_counter() - t0
        cpu = []
        for r in range(args.rounds):
            child0, py0 = child_cpu_s(scorer.pid), time.process_time()
            result = scorer.score(rows, settings, source=f"bench-{r}")
            seconds.append(result.seconds)
            cpu.append((child_cpu_s(scorer.pid) - child0, time.process_time() - py0))
            print(
                json.dumps(
                    {
                        "round": r,
                        "rows": len(result.rows),
                        "seconds": round(result.seconds, 3),
                        "rows_per_s": round(len(rows) / result.seconds),
                        "child_cpu_s": round(cpu[-1][0], 2),
                        "python_cpu_s": round(cpu[-1][1], 2),
                        "accuracy": round(result.summary["accuracy"], 3),
                    }
                )
            )
    best = min(seconds)
    print(
        json.dumps(
            {
                "bench": "ts_scorer",
                "rows": args.rows,
                "completion_tokens": args.tokens,
                "group": args.group,
                "advantage": args.advantage,
                "request_mb": round(encoded_mb, 1),
                "python_json_encode_s": round(encode_s, 3),
                "child_start_s": round(start_s, 2),
                "best_round_s": round(best, 3),
                "min_child_cpu_s": round(min(c for c, _ in cpu), 2),
                "min_python_cpu_s": round(min(p for _, p in cpu), 2),
                "rows_per_s": round(args.rows / best),
                "tokens_per_s": round(args.rows * args.tokens / best),
            }
        )
    )


if __name__ == "__main__":
    main()
