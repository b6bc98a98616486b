"""The timed units shared by the CPU benchmark and the GPU check: one SFT step, one GRPO step and
one rollout batch with r1worker's own pieces, and the same SFT / GRPO updates through TRL."""

from __future__ import annotations

import time
from collections.abc import Callable

import torch

from r1worker.algos import grpo_objective, sft_loss
from r1worker.rollout import SamplingParams, pack_sequences
from r1worker.rollout.hf import HFBackend
from r1worker.train.grpo_step import forward
from r1worker.train.precision import Precision, autocast
from r1worker.train.schedule import build_optimizer


def synthetic_batch(vocab: int, rows: int, prompt_len: int, completion_len: int, seed: int = 0):
    """Random prompt / completion ids (ids ≥ 3 skip bos/eos/pad) and ±1 advantages."""
    g = torch.Generator().manual_seed(seed)
    prompts = torch.randint(3, vocab, (rows, prompt_len), generator=g).tolist()
    completions = torch.randint(3, vocab, (rows, completion_len), generator=g).tolist()
    advantages = torch.tensor([1.0 if i % 2 == 0 else -1.0 for i in range(rows)])
    return prompts, completions, advantages


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn: Callable[[], object], device: torch.device, warmup: int, repeat: int) -> float:
    """Mean seconds of `fn` over `repeat` runs after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    sync(device)
    t0 = time.perf_counter()
    for _ in range(repeat):
        fn()
    sync(device)
    return (time.perf_counter() - t0) / repeat


def ours_sft_step(model, batch, precision: Precision) -> Callable[[], float]:
    """Completion-only cross-entropy, backward, AdamW step (as stages.sft)."""
    opt = build_optimizer(model, 1e-5, 0.0)
    labels = batch.input_ids.clone()
    labels[:, 1:][~batch.completion_mask] = -100
    labels[:, 0] = -100

    def step() -> float:
        with autocast(precision):
            logits = model(
                input_ids=batch.input_ids, attention_mask=batch.attention_mask, use_cache=False
            ).logits
        loss, _ = sft_loss(logits, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss.item()

    return step


def ours_grpo_step(model, ref_model, batch, advantages, precision: Precision, beta: float = 0.001):
    """Reference log-probs, policy forward, clipped surrogate + k3 KL, backward, AdamW step
    (as stages.grpo)."""
    opt = build_optimizer(model, 1e-6, 0.0)
    adv = advantages.to(batch.input_ids.device)

    def step() -> float:
        with torch.no_grad():
            ref, _ = forward(ref_model, batch, precision, entropy_grad=False)
        logprobs, entropy = forward(model, batch, precision, entropy_grad=False)
        loss, _ = grpo_objective(
            logprobs,
            logprobs.detach(),
            adv,
            batch.completion_mask,
            ref_logprobs=ref,
            entropy=entropy,
            beta=beta,
            entropy_coef=0.0,
            clip_eps_low=0.2,
            clip_eps_high=0.2,
            loss_agg_mode="seq-mean-token-mean",
        )
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss.item()

    return step


def rollout_batch(model, tokenizer, prompts, n: int, max_new_tokens: int):
    """One HF-backend generate call; returns a function giving the completion tokens produced."""
    backend = HFBackend(model, tokenizer)
    params = SamplingParams(n=n, temperature=1.0, top_p=1.0, max_new_tokens=max_new_tokens, seed=0)
    return lambda: sum(len(c.token_ids) for g in backend.generate(prompts, params) for c in g)


def _trl_update(trainer, inputs) -> float:
    """One optimizer step of a TRL trainer on prepared inputs: its loss, backward, clip, step."""
    loss = trainer.compute_loss(trainer.model, inputs)
    trainer.accelerator.backward(loss)
    trainer.accelerator.clip_grad_norm_(trainer.model.parameters(), 1.0)
    trainer.optimizer.step()
    trainer.optimizer.zero_grad(set_to_none=True)
    return loss.item()


def trl_sft_step(model, batch, out_dir: str, device: torch.device):
    """TRL's SFTTrainer.compute_loss on the same batch, backward, its optimizer step."""
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    args = SFTConfig(
        output_dir=out_dir,
        report_to=[],
        per_device_train_batch_size=batch.input_ids.shape[0],
        learning_rate=1e-5,
        max_grad_norm=1.0,
        use_cpu=device.type == "cpu",
        bf16=device.type == "cuda",
        completion_only_loss=True,
        gradient_checkpointing=False,
    )
    data = Dataset.from_dict({"prompt": ["1 + 1"], "completion": ["2"]})
    trainer = SFTTrainer(model=model, args=args, train_dataset=data)
    trainer.create_optimizer_and_scheduler(num_training_steps=100)
    labels = batch.input_ids.clone()
    labels[:, 1:][~batch.completion_mask] = -100
    labels[:, 0] = -100
    inputs = {"input_ids": batch.input_ids, "attention_mask": batch.attention_mask, "labels": labels}

    return lambda: _trl_update(trainer, inputs)


def trl_grpo_step(
    model,
    prompts,
    completions,
    advantages,
    out_dir: str,
    device: torch.device,
    pad_id: int,
    beta: float = 0.001,
):
    """TRL's GRPOTrainer.compute_loss (its `_compute_loss`) on the same rollouts, backward, step.

    TRL's own generation is not run: the update alone is compared, with the reference log-probs
    computed by TRL's `_get_per_token_logps_and_entropies` on the reference model TRL builds.
    """
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    rows = len(prompts)
    args = GRPOConfig(
        output_dir=out_dir,
        report_to=[],
        per_device_train_batch_size=rows,
        num_generations=2,
        generation_batch_size=rows,
        max_completion_length=len(completions[0]),
        beta=beta,
        loss_type="grpo",
        learning_rate=1e-6,
        max_grad_norm=1.0,
        use_cpu=device.type == "cpu",
        gradient_checkpointing=False,
        bf16=device.type == "cuda",
    )
    data = Dataset.from_dict({"prompt": ["1 + 1"] * rows})
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=[lambda completions, **kw: [0.0] * len(completions)],
        args=args,
        train_dataset=data,
    )
    trainer.create_optimizer_and_scheduler(num_training_steps=100)
    trainer.current_gradient_accumulation_steps = 1  # set by Trainer's own loop, which is not run here
    prompt_ids = torch.tensor(prompts, device=device)
    completion_ids = torch.tensor(completions, device=device)
    ones_p, ones_c = torch.ones_like(prompt_ids), torch.ones_like(completion_ids)
    full = torch.cat([prompt_ids, completion_ids], 1)

    def step() -> float:
        with torch.no_grad():
            ref, _, _ = trainer._get_per_token_logps_and_entropies(
                trainer.ref_model, full, torch.ones_like(full), completion_ids.shape[1]
            )
        inputs = {
            "prompt_ids": prompt_ids,
            "prompt_mask": ones_p,
            "completion_ids": completion_ids,
            "completion_mask": ones_c,
            "advantages": advantages.to(device),
            "ref_per_token_logps": ref,
            "num_items_in_batch": ones_c.sum(),
        }
        return _trl_update(trainer, inputs)

    return step


__all__ = [
    "ours_grpo_step",
    "ours_sft_step",
    "pack_sequences",
    "rollout_batch",
    "synthetic_batch",
    "timed",
    "trl_grpo_step",
    "trl_sft_step",
]
