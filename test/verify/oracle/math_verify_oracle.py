"""math-verify as an oracle for r1flow's verifier tests and benchmark.

Reads JSONL pairs ``{"gold": str, "pred": str}`` on stdin and writes one JSON line per pair,
in order: ``{"equivalent": bool, "pred_parsed": str}``. The gold is wrapped in ``\\boxed{}``
(unless it already holds a box: then it is a worked solution and is parsed as written), so
math-verify's LaTeX extraction reads the whole reference. A pool of ``--workers`` processes
(default 2) shares the work; math-verify's own per-call timeouts (seconds) apply.

Usage: ``.venv/bin/python test/verify/oracle/math_verify_oracle.py --workers 2 < pairs.jsonl``
"""

import argparse
import json
import sys
import time
from multiprocessing import Pool

from math_verify import parse, verify

# math-verify's per-call timeouts, in seconds (its defaults are 5): short, so a pathological
# pair costs at most this and counts as "not equivalent".
PARSE_TIMEOUT_S = 2
VERIFY_TIMEOUT_S = 2


def gold_text(gold: str) -> str:
    """A bare reference answer in a box; a worked solution (already boxed) as is."""
    return gold if "\\boxed" in gold or "\\fbox" in gold else "\\boxed{" + gold + "}"


def judge(pair: tuple[str, str]) -> dict:
    """One verdict; math-verify's errors and timeouts count as not equivalent."""
    gold, pred = pair
    try:
        g = parse(gold_text(gold), parsing_timeout=PARSE_TIMEOUT_S)
        p = parse(pred, parsing_timeout=PARSE_TIMEOUT_S)
        ok = bool(
            verify(g, p, timeout_seconds=VERIFY_TIMEOUT_S, allow_set_relation_comp=True)
        )
        return {"equivalent": ok, "pred_parsed": str(p[1]) if len(p) > 1 else ""}
    except Exception as e:  # noqa: BLE001 - the oracle's failure is a verdict, not a crash
        return {"equivalent": False, "pred_parsed": f"error: {type(e).__name__}"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2, help="pool size (default 2)")
    args = ap.parse_args()
    pairs = []
    for n, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not isinstance(row.get("gold"), str) or not isinstance(row.get("pred"), str):
            sys.exit(f"line {n}: expected string fields gold and pred")
        pairs.append((row["gold"], row["pred"]))
    t = time.perf_counter()
    if args.workers <= 1:
        out = [judge(p) for p in pairs]
    else:
        with Pool(args.workers) as pool:
            out = pool.map(judge, pairs, chunksize=64)
    elapsed = time.perf_counter() - t
    w = sys.stdout.write
    for o in out:
        w(json.dumps(o) + "\n")
    print(json.dumps({"pairs": len(pairs), "seconds": elapsed}), file=sys.stderr)


if __name__ == "__main__":
    main()
