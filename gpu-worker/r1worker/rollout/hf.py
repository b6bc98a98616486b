"""The Hugging Face `generate` backend: CPU (the tested path) and GPU without vLLM.

The sampling log-probs are read off exactly the scores the token was drawn from: this module
applies temperature and top-p itself in the last logits processor (HF's own warpers are switched
off), records log_softmax of the warped scores, and gathers the sampled token at the next step.
So a recorded log-prob equals log_softmax(top_p(logits / T))[token], and memory stays one [B, V]
buffer instead of `output_scores`' [B, T, V].
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import torch
from torch import nn
from transformers import (
    GenerationConfig,
    LogitsProcessor,
    LogitsProcessorList,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    StoppingCriteria,
    StoppingCriteriaList,
    TemperatureLogitsWarper,
    TopPLogitsWarper,
)

from .base import Completion, SamplingParams
from .weights import SyncReport, unwrap


class WarpAndRecord(LogitsProcessor):
    """Temperature then top-p (HF's warpers, same order as `generate`), recording log-probs.

    Each call first gathers the previous step's log-prob of the token just sampled
    (`input_ids[:, -1]`), then keeps log_softmax of this step's warped scores. `finish` gathers
    the last step. Temperature 0 (greedy) records the unwarped log-probs.
    """

    def __init__(self, temperature: float, top_p: float) -> None:
        self.warpers: list[LogitsProcessor] = []
        if temperature > 0 and temperature != 1.0:
            self.warpers.append(TemperatureLogitsWarper(temperature))
        if top_p < 1.0:
            self.warpers.append(TopPLogitsWarper(top_p))
        self.steps: list[torch.Tensor] = []  # [B] log-prob of the token sampled at each step
        self._prev: torch.Tensor | None = None  # [B, V] log-probs of the last step, token not yet seen

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        if self._prev is not None:
            self.steps.append(self._prev.gather(1, input_ids[:, -1:]).squeeze(1))
        for warp in self.warpers:
            scores = warp(input_ids, scores)
        self._prev = torch.log_softmax(scores.float(), dim=-1)
        return scores

    def finish(self, new_tokens: torch.Tensor) -> torch.Tensor:
        """[B, L] log-probs of the `new_tokens` [B, L] that `generate` returned."""
        length = new_tokens.shape[1]
        if len(self.steps) < length and self._prev is not None:
            self.steps.append(self._prev.gather(1, new_tokens[:, length - 1 : length]).squeeze(1))
        self._prev = None
        if not length:
            return new_tokens.new_zeros(new_tokens.shape, dtype=torch.float32)
        return torch.stack(self.steps[:length], dim=1)


class StopTracker(StoppingCriteria):
    """Stops a row at EOS or once its completion text contains a stop string; records where.

    `ends[b]` is the index (in the completion) of row b's last token, -1 while it runs.
    """

    def __init__(
        self,
        prompt_len: int,
        batch: int,
        eos_ids: Sequence[int],
        stop: Sequence[str],
        tokenizer: PreTrainedTokenizerBase,
    ) -> None:
        self.prompt_len = prompt_len
        self.eos = torch.tensor(sorted(set(eos_ids)), dtype=torch.long)
        self.stop = [s for s in stop if s]
        self.tokenizer = tokenizer
        # A stop string of k characters spans at most k + 1 tokens (a token decodes to >= 1 char,
        # except byte pieces of one multi-byte character, hence the margin).
        self.window = max((len(s) for s in self.stop), default=0) * 4 + 2
        self.ends = torch.full((batch,), -1, dtype=torch.long)

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor | None, **kwargs) -> torch.Tensor:
        new = input_ids[:, self.prompt_len :].cpu()
        t = new.shape[1] - 1
        running = self.ends < 0
        hit = running & torch.isin(new[:, -1], self.eos)
        if self.stop:
            for b in torch.nonzero(running & ~hit).flatten().tolist():
                tail = self.tokenizer.decode(new[b, max(0, t + 1 - self.window) :].tolist())
                hit[b] = any(s in tail for s in self.stop)
        self.ends[hit] = t
        return (self.ends >= 0).to(input_ids.device)


class HFBackend:
    """Batched sampling with `model.generate` (left padding; each prompt repeated `n` times).

    In a GRPO block it samples from the live training module itself: it holds a reference, not a
    copy, so an optimizer step is seen by the next `generate` with nothing to sync. `generate`
    runs the module in eval mode (no dropout) and puts back the mode it found.
    """

    name = "hf"

    def __init__(self, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        eos = model.generation_config.eos_token_id
        eos = [eos] if isinstance(eos, int) else list(eos or [])
        self.eos_ids = sorted(
            {*eos, *([tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else [])}
        )
        if not self.eos_ids:
            raise ValueError("the tokenizer and the model's generation config name no EOS token")

    def sleep(self) -> None:
        """Nothing to release: the weights are the training model's own."""

    def sync_weights(self, model: nn.Module) -> SyncReport:
        """A no-op for the module this backend samples from; another module is an error (the
        backend would go on sampling from the old one)."""
        started = time.perf_counter()
        if unwrap(model) is not unwrap(self.model):
            raise ValueError(
                "HFBackend samples from the module it was built with; build it on the training "
                f"module itself ({type(model).__name__} given is another object)"
            )
        return SyncReport(tensors=0, bytes=0, seconds=time.perf_counter() - started)

    def generate(self, prompts: Sequence[Sequence[int]], params: SamplingParams) -> list[list[Completion]]:
        was_training = self.model.training
        self.model.eval()
        try:
            return self._generate(prompts, params)
        finally:
            self.model.train(was_training)

    @torch.no_grad()
    def _generate(self, prompts: Sequence[Sequence[int]], params: SamplingParams) -> list[list[Completion]]:
        if not prompts:
            return []
        rows = [list(p) for p in prompts for _ in range(params.n)]
        width = max(len(r) for r in rows)
        device = self.model.device
        ids = torch.tensor([[self.pad_id] * (width - len(r)) + r for r in rows], device=device)
        mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rows], device=device)
        # A fresh config: the checkpoint's own sampling defaults (top_k, repetition penalty …) must not
        # change the distribution behind the recorded log-probs. HF's warpers are off; ours do it.
        config = GenerationConfig(
            do_sample=params.temperature > 0,
            temperature=1.0,
            top_p=1.0,
            top_k=0,
            max_new_tokens=params.max_new_tokens,
            pad_token_id=self.pad_id,
            eos_token_id=self.eos_ids,
            bos_token_id=self.tokenizer.bos_token_id,
        )
        recorder = WarpAndRecord(params.temperature, params.top_p)
        tracker = StopTracker(width, len(rows), self.eos_ids, params.stop, self.tokenizer)
        torch.manual_seed(params.seed)
        out = self.model.generate(
            input_ids=ids,
            attention_mask=mask,
            generation_config=config,
            logits_processor=LogitsProcessorList([recorder]),
            stopping_criteria=StoppingCriteriaList([tracker]),
        )
        new = out[:, width:]
        logprobs = recorder.finish(new).float().cpu()
        new = new.cpu()
        completions = []
        for b in range(len(rows)):
            end = int(tracker.ends[b])
            length = end + 1 if end >= 0 else new.shape[1]
            completions.append(
                Completion(
                    token_ids=new[b, :length].tolist(),
                    logprobs=logprobs[b, :length].tolist(),
                    finish_reason="stop" if end >= 0 else "length",
                )
            )
        return [completions[i * params.n : (i + 1) * params.n] for i in range(len(prompts))]
