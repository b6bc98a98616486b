"""GPU check: SFT steps, a GRPO step (bf16), a rollout batch and a 3-iteration resident block on a
~0.5B-parameter Llama-style model built from a config (random weights, nothing downloaded); prints
tokens/s and model-FLOPs utilisation (6·N·tokens/s over the GPU's dense bf16 peak; 2·N for
generation), and for the block the time per iteration and of each weight sync (gpu_check_block.py).

    python -m bench.gpu_check --part sft|grpo|rollout|block   # one part (gpu_check.sh runs each)
    python -m bench.gpu_check --tiny                           # CPU-sized variant: proves the script runs

Each part runs in its own process under gpu_check.sh; only the block part puts vLLM and training on
one GPU on purpose (colocated, sleep mode between phases).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import tempfile
from dataclasses import dataclass

import torch
from transformers import AutoModelForCausalLM, LlamaConfig

from bench import steps
from bench.gpu_check_block import run_block
from r1worker.model import build_tokenizer
from r1worker.model.corpus import arithmetic_corpus
from r1worker.rollout import SamplingParams
from r1worker.train.metrics import count_parameters, mfu, peak_flops
from r1worker.train.precision import resolve_precision


@dataclass(frozen=True)
class Size:
    hidden: int  # 1024 → ~0.5B parameters with 24 layers and a 32k vocabulary (untied head)
    layers: int
    heads: int
    vocab: int
    rows: int  # sequences per update batch
    prompt: int  # prompt tokens per sequence
    completion: int  # completion tokens per sequence
    rollout_prompts: int  # prompts per generate call
    rollout_g: int  # samples per prompt
    rollout_new: int  # new tokens per sample
    steps: int  # timed SFT steps (after 2 warm-up steps)


FULL = Size(
    1024,
    24,
    16,
    32_000,
    rows=8,
    prompt=256,
    completion=768,
    rollout_prompts=64,
    rollout_g=8,
    rollout_new=256,
    steps=5,
)
TINY = Size(
    64, 2, 4, 512, rows=4, prompt=16, completion=48, rollout_prompts=2, rollout_g=4, rollout_new=16, steps=2
)


def build(size: Size, device: torch.device, dtype: torch.dtype = torch.float32):
    tok = build_tokenizer(arithmetic_corpus(n=200, seed=0), vocab_size=300)
    config = LlamaConfig(
        vocab_size=size.vocab,
        hidden_size=size.hidden,
        intermediate_size=4 * size.hidden,
        num_hidden_layers=size.layers,
        num_attention_heads=size.heads,
        num_key_value_heads=size.heads,
        max_position_embeddings=4096,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        tie_word_embeddings=False,
    )
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config, dtype=dtype).to(device)
    return model, tok


def report(
    part: str, tokens_per_s: float, n_params: int, device: torch.device, flops_per_token: float, **extra
):
    peak = peak_flops(device)
    util = mfu(tokens_per_s, n_params, peak) if peak else None
    if util is not None:
        util *= flops_per_token / 6.0  # mfu() counts 6·N per token
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(
        json.dumps(
            {
                "part": part,
                "device": name,
                "params_m": round(n_params / 1e6, 1),
                "tokens_per_s": round(tokens_per_s, 1),
                "mfu": None if util is None else round(util, 4),
                **extra,
            }
        )
    )


def run_part(part: str, size: Size, device: torch.device) -> None:
    if part == "block":
        prompts, _, _ = steps.synthetic_batch(size.vocab, size.rows, size.prompt, size.completion)
        run_block(size, device, build, prompts)
        return
    precision = resolve_precision("auto" if device.type == "cuda" else "fp32", device)
    prompts, completions, adv = steps.synthetic_batch(size.vocab, size.rows, size.prompt, size.completion)
    tokens = size.rows * (size.prompt + size.completion)
    if part in ("sft", "grpo"):
        model, tok = build(size, device)  # fp32 master weights, bf16 autocast (as the stages)
        model.train()
        batch = steps.pack_sequences(prompts, completions, tok.pad_token_id).to(device)
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        if part == "sft":
            fn, flops = steps.ours_sft_step(model, batch, precision), 6.0
        else:
            ref, _ = build(size, device, dtype=torch.bfloat16 if device.type == "cuda" else torch.float32)
            fn, flops = (
                steps.ours_grpo_step(model, ref.eval(), batch, adv, precision),
                8.0,
            )  # + reference forward
        seconds = steps.timed(
            fn, device, warmup=2, repeat=size.steps if part == "sft" else max(2, size.steps // 2)
        )
        peak_gib = torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else None
        report(
            part,
            tokens / seconds,
            count_parameters(model),
            device,
            flops,
            precision=precision.name,
            step_s=round(seconds, 3),
            tokens_per_step=tokens,
            peak_mem_gib=peak_gib,
        )
        return
    # rollout: vLLM when installed on a GPU, else transformers generate
    use_vllm = device.type == "cuda" and importlib.util.find_spec("vllm") is not None
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    model, tok = build(size, device, dtype=dtype)
    n_params = count_parameters(model)
    params = SamplingParams(
        n=size.rollout_g, temperature=1.0, top_p=1.0, max_new_tokens=size.rollout_new, seed=0
    )
    batch_prompts = (prompts * (size.rollout_prompts // len(prompts) + 1))[: size.rollout_prompts]
    if use_vllm:
        from r1worker.rollout.vllm_backend import VLLMBackend

        with tempfile.TemporaryDirectory() as path:
            model.save_pretrained(path)
            del model
            torch.cuda.empty_cache()
            backend = VLLMBackend(
                path,
                dtype="bfloat16",
                max_model_len=size.prompt + size.rollout_new + 8,
                skip_tokenizer_init=True,
            )
            gen = lambda: sum(len(c.token_ids) for g in backend.generate(batch_prompts, params) for c in g)  # noqa: E731
            produced = gen()
            seconds = steps.timed(gen, device, warmup=0, repeat=2)
    else:
        model.eval()
        gen = steps.rollout_batch(model, tok, batch_prompts, size.rollout_g, size.rollout_new)
        produced = gen()
        seconds = steps.timed(gen, device, warmup=0, repeat=1)
    report(
        "rollout",
        produced / seconds,
        n_params,
        device,
        2.0,
        backend="vllm" if use_vllm else "hf",
        batch_s=round(seconds, 3),
        new_tokens=produced,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("sft", "grpo", "rollout", "block", "all"), default="all")
    parser.add_argument("--tiny", action="store_true", help="CPU-sized model and batch (a smoke test)")
    args = parser.parse_args()
    size = TINY if args.tiny else FULL
    device = torch.device("cuda" if torch.cuda.is_available() and not args.tiny else "cpu")
    if not args.tiny and device.type != "cuda":
        raise SystemExit("gpu_check needs a CUDA GPU (use --tiny for the CPU-sized smoke test)")
    for part in ("rollout", "sft", "grpo", "block") if args.part == "all" else (args.part,):
        run_part(part, size, device)


if __name__ == "__main__":
    main()
