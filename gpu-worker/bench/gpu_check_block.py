"""GPU check of a resident GRPO block, through the rollout backend interface: one engine for the
block, and per iteration generate → sleep → (fake) update → in-memory weight sync. Prints one JSON
line per iteration (rollout tokens/s, sleep, update and sync seconds, iteration seconds) and the
mean absolute gap between the engine's sampling log-probs and the training model's own log-probs
of the same tokens: small when the sync delivered the updated weights, large when it did not.

The fake update adds noise of the init scale to every weight (the block stage's real GRPO step
plugs in there). vLLM colocated on CUDA when installed; HF generate on the live model otherwise
(`--tiny`: CPU-sized, proves the script runs). Called by gpu_check.py (`--part block`).
"""

from __future__ import annotations

import importlib.util
import json
import tempfile
import time
from dataclasses import replace

import torch

from r1worker.algos import token_logprobs
from r1worker.rollout import SamplingParams
from r1worker.rollout.sequences import pack_sequences
from r1worker.train.precision import autocast, resolve_precision

ITERATIONS = 3
GAP_ROWS = 16  # completions whose log-probs are recomputed with the training model


def fake_update(model: torch.nn.Module, seed: int) -> None:
    """Noise of the init scale (std 0.02) on every weight, drawn on the weights' device: the
    outputs change a lot, so a sync that did not arrive shows in the log-prob gap."""
    device = next(model.parameters()).device
    g = torch.Generator(device=device).manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.02 * torch.randn(p.shape, generator=g, device=device, dtype=p.dtype))


def logprob_gap(model, prompts, groups, device, precision) -> float:
    """mean |sampler log-prob − training model log-prob| over the tokens of GAP_ROWS completions."""
    rows = [(p, c) for p, group in zip(prompts, groups, strict=True) for c in group][:GAP_ROWS]
    batch = pack_sequences([p for p, _ in rows], [c.token_ids for _, c in rows], pad_id=0).to(device)
    with torch.no_grad(), autocast(precision):
        logits = model(batch.input_ids, attention_mask=batch.attention_mask).logits[:, :-1]
    ours = batch.gather(token_logprobs(logits.float(), batch.targets))
    diffs = [
        abs(a - b)
        for (_, c), row in zip(rows, ours, strict=True)
        for a, b in zip(c.logprobs, row, strict=False)
    ]
    return sum(diffs) / max(len(diffs), 1)


def build_backend(model, tok, device, max_len: int, workdir: str):
    """(backend, name): vLLM colocated (loaded once from a checkpoint, as a block starts) or HF."""
    if device.type == "cuda" and importlib.util.find_spec("vllm") is not None:
        from r1worker.rollout.vllm_backend import VLLMBackend

        model.save_pretrained(workdir)  # the block's starting checkpoint; later weights go in memory
        backend = VLLMBackend(
            workdir,
            dtype="bfloat16",
            max_model_len=max_len,
            gpu_memory_utilization=0.35,  # the rest stays with the training model
            colocate=True,
            skip_tokenizer_init=True,
        )
        return backend, "vllm"
    from r1worker.rollout.hf import HFBackend

    return HFBackend(model, tok), "hf"


def run_block(size, device, build, prompts) -> None:
    """`build(size, device)` → (fp32 training model, tokenizer); `prompts`: token id lists."""
    precision = resolve_precision("auto" if device.type == "cuda" else "fp32", device)
    model, tok = build(size, device)
    model.train()
    params = SamplingParams(n=size.rollout_g, temperature=1.0, top_p=1.0, max_new_tokens=size.rollout_new)
    batch = (prompts * (size.rollout_prompts // len(prompts) + 1))[: size.rollout_prompts]
    with tempfile.TemporaryDirectory() as workdir:
        t0 = time.perf_counter()
        backend, name = build_backend(model, tok, device, size.prompt + size.rollout_new + 8, workdir)
        start_s = time.perf_counter() - t0
        lines = []
        for it in range(ITERATIONS):
            t_it = time.perf_counter()
            groups = backend.generate(batch, replace(params, seed=it))
            rollout_s = time.perf_counter() - t_it
            new_tokens = sum(len(c.token_ids) for g in groups for c in g)
            gap = logprob_gap(model, batch, groups, device, precision)
            t = time.perf_counter()
            backend.sleep()
            sleep_s = time.perf_counter() - t
            t = time.perf_counter()
            fake_update(model, seed=it)
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            update_s = time.perf_counter() - t
            report = backend.sync_weights(model)
            line = {
                "part": "block",
                "backend": name,
                "iteration": it,
                "rollout_s": round(rollout_s, 3),
                "new_tokens": new_tokens,
                "tokens_per_s": round(new_tokens / rollout_s, 1),
                "logprob_gap_mean_abs": round(gap, 5),
                "sleep_s": round(sleep_s, 3),
                "update_s": round(update_s, 3),
                "sync_s": round(report.seconds, 3),
                "sync_tensors": report.tensors,
                "sync_gib": round(report.bytes / 2**30, 3),
                "iteration_s": round(time.perf_counter() - t_it, 3),
            }
            lines.append(line)
            print(json.dumps(line), flush=True)
        groups = backend.generate(batch, replace(params, seed=ITERATIONS))
        after_last_sync = logprob_gap(model, batch, groups, device, precision)
    print(
        json.dumps(
            {
                "part": "block",
                "backend": name,
                "engine_start_s": round(start_s, 2),
                "iterations": ITERATIONS,
                "mean_iteration_s": round(sum(x["iteration_s"] for x in lines) / len(lines), 3),
                "mean_tokens_per_s": round(sum(x["tokens_per_s"] for x in lines) / len(lines), 1),
                "mean_sync_s": round(sum(x["sync_s"] for x in lines) / len(lines), 3),
                "logprob_gap_after_last_sync": round(after_last_sync, 5),
            }
        ),
        flush=True,
    )
