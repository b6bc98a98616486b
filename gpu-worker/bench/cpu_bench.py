"""Tokens/s and peak memory of an SFT step, a rollout batch and a GRPO step on the built-in tiny
model on CPU, with r1worker's pieces and (where TRL is installed) the same updates through TRL.

    ../.venv/bin/python -m bench.cpu_bench            # every case, each in its own process
    ../.venv/bin/python -m bench.cpu_bench --case sft/ours

Each case runs in a fresh process so its peak RSS (getrusage) is its own. Prints, asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile

import torch

CASES = ("sft/ours", "sft/trl", "grpo/ours", "grpo/trl", "rollout/ours")
ROWS, PROMPT, COMPLETION = 16, 32, 96  # the batch every update case trains on
ROLLOUT_PROMPTS, ROLLOUT_G, ROLLOUT_NEW = 4, 8, 64


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def run_case(case: str, threads: int) -> dict:
    from bench import steps
    from r1worker.model import load_causal_lm, load_tokenizer
    from r1worker.train.precision import resolve_precision

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    cache = os.environ.get("R1WORKER_CACHE") or os.path.join(tempfile.gettempdir(), "r1worker-bench-cache")
    device = torch.device("cpu")
    precision = resolve_precision("fp32", device)
    tok = load_tokenizer("builtin:tiny", cache)
    model = load_causal_lm("builtin:tiny", cache).train()
    prompts, completions, adv = steps.synthetic_batch(len(tok), ROWS, PROMPT, COMPLETION)
    batch = steps.pack_sequences(prompts, completions, tok.pad_token_id)
    tokens = ROWS * (PROMPT + COMPLETION)
    rss_before = peak_rss_mib()
    with tempfile.TemporaryDirectory() as out:
        if case == "sft/ours":
            fn = steps.ours_sft_step(model, batch, precision)
        elif case == "sft/trl":
            fn = steps.trl_sft_step(model, batch, out, device)
        elif case in ("grpo/ours", "grpo/trl"):
            if case == "grpo/ours":
                ref = load_causal_lm("builtin:tiny", cache).eval()
                fn = steps.ours_grpo_step(model, ref, batch, adv, precision)
            else:  # TRL builds its own reference copy
                fn = steps.trl_grpo_step(model, prompts, completions, adv, out, device, tok.pad_token_id)
        elif case == "rollout/ours":
            model.eval()
            rollout_prompts = prompts[:ROLLOUT_PROMPTS]
            gen = steps.rollout_batch(model, tok, rollout_prompts, ROLLOUT_G, ROLLOUT_NEW)
            produced = gen()
            seconds = steps.timed(gen, device, warmup=0, repeat=3)
            return {
                "case": case,
                "tokens_per_s": produced / seconds,
                "seconds": seconds,
                "tokens": produced,
                "peak_rss_mib": peak_rss_mib(),
                "rss_before_mib": rss_before,
            }
        else:
            raise ValueError(f"unknown case {case!r}; valid: {', '.join(CASES)}")
        seconds = steps.timed(fn, device, warmup=2, repeat=5)
    return {
        "case": case,
        "tokens_per_s": tokens / seconds,
        "seconds": seconds,
        "tokens": tokens,
        "peak_rss_mib": peak_rss_mib(),
        "rss_before_mib": rss_before,
    }


def trl_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("trl") is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", choices=CASES)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.threads)))
        return
    have_trl = trl_available()
    if not have_trl:
        print("TRL is not installed: the TRL column is skipped (pip install trl, for this benchmark only)")
    results = {}
    for case in CASES:
        if case.endswith("/trl") and not have_trl:
            continue
        cmd = [sys.executable, "-m", "bench.cpu_bench", "--case", case, "--threads", str(args.threads)]
        proc = subprocess.run(
            cmd, capture_output=True, text=True, cwd=os.path.dirname(os.path.dirname(__file__))
        )
        lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
        if proc.returncode or not lines:
            print(f"{case}: failed ({proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}")
            continue
        results[case] = json.loads(lines[-1])
    print(
        f"\ntiny model (2 layers, hidden 64) on CPU, {args.threads} thread(s); update batch {ROWS} × "
        f"({PROMPT} prompt + {COMPLETION} completion) tokens; "
        f"rollout {ROLLOUT_PROMPTS} prompts × G={ROLLOUT_G} × "
        f"{ROLLOUT_NEW} new tokens"
    )
    print(
        f"{'unit':10} {'r1worker tok/s':>15} {'peak RSS MiB':>13} "
        f"{'TRL tok/s':>10} {'TRL RSS MiB':>12} {'ours/TRL':>9}"
    )
    for unit in ("sft", "grpo", "rollout"):
        ours, trl = results.get(f"{unit}/ours"), results.get(f"{unit}/trl")
        if not ours:
            continue
        row = f"{unit:10} {ours['tokens_per_s']:15.0f} {ours['peak_rss_mib']:13.0f}"
        if trl:
            ratio = ours["tokens_per_s"] / trl["tokens_per_s"]
            row += f" {trl['tokens_per_s']:10.0f} {trl['peak_rss_mib']:12.0f} {ratio:9.2f}"
        else:
            row += f" {'-':>10} {'-':>12} {'-':>9}"
        print(row)


if __name__ == "__main__":
    main()
