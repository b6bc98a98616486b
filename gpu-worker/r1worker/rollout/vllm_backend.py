"""The vLLM backend (GPU image only). `vllm` is imported when a backend is built, never at import
time of r1worker, so the CPU install and the tests never need it.

Colocated with training (`colocate=True`, one engine per GRPO block on the training GPU): the
engine runs in this process (`VLLM_ENABLE_V1_MULTIPROCESSING=0`, as TRL's colocate mode) with
sleep mode on. Per iteration: `generate` → `sleep()` (level 2: weights and KV cache released, the
GPU memory goes to the update) → update → `sync_weights(model)`: wake the weight memory, load the
training model's tensors into it by reference through `collective_rpc` (no copy to the host, no
file), drop the prefix cache (its KV came from the old weights), wake the KV cache
(docs/features/sleep_mode.md of vLLM: "RLHF weight updates").
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import torch
from torch import nn

from .base import Completion, SamplingParams
from .weights import SyncReport, named_weights


def load_weights_on_worker(worker: Any, weights: Iterable[tuple[str, torch.Tensor]]) -> None:
    """Runs inside vLLM's worker (`collective_rpc`): the model's own loader maps checkpoint names
    onto its fused parameters (qkv_proj, gate_up_proj) and casts to its dtype.

    `collective_rpc` calls a callable as `fn(worker, *args)` (vllm/v1/serial_utils.py `run_method`:
    `partial(method, obj)`; `worker` is the WorkerWrapperBase, which forwards attributes to the GPU
    worker); in-process the uni executor (vllm/v1/executor/uniproc_executor.py) passes `args` as
    they are, unpickled, so a generator of CUDA tensors works.
    `worker.get_model()` rather than `model_runner.model`: the runner may hold the model wrapped
    for CUDA graphs, and `get_model()` returns the raw module (vllm/v1/worker/gpu_worker.py).
    """
    worker.get_model().load_weights(weights=weights)


class VLLMBackend:
    """`LLM.generate` with `SamplingParams(n=G, temperature, top_p, max_tokens, stop, logprobs=0)`.

    logprobs=0 returns the log-prob of each sampled token only. `logprobs_mode="processed_logprobs"`
    makes them the log-probs after temperature and top-p, as the HF backend records (vLLM's default
    is the raw model distribution): vllm/v1/sample/ops/topk_topp_sampler.py takes log_softmax of
    the logits after `apply_top_k_top_p`, which `Sampler.sample` divided by the temperature first.
    """

    name = "vllm"

    def __init__(
        self,
        model_path: str,
        tensor_parallel: int = 1,
        dtype: str = "bfloat16",
        seed: int = 0,
        max_model_len: int | None = None,
        gpu_memory_utilization: float = 0.85,
        colocate: bool = False,
        engine: Any = None,
        **engine_args,
    ) -> None:
        """`colocate`: share the GPU with the training model for a whole block (sleep mode, weight
        sync). `engine`: an engine already built (a stand-in in the tests); else `vllm.LLM`."""
        self.colocate = colocate
        self.tensor_parallel = tensor_parallel
        self.asleep = False  # weights and KV cache released by sleep(); sync_weights restores them
        if engine is not None:
            self.llm = engine
            return
        if colocate:
            # The engine core in this process (InprocClient, uni executor): collective_rpc then
            # hands tensors over by reference. Read lazily by vllm/envs.py, so set before LLM().
            os.environ["VLLM_ENABLE_V1_MULTIPROCESSING"] = "0"
            engine_args.setdefault("enable_sleep_mode", True)
        from vllm import LLM

        self.llm = LLM(
            model=model_path,
            tensor_parallel_size=tensor_parallel,
            dtype=dtype,
            seed=seed,
            max_model_len=max_model_len,
            gpu_memory_utilization=gpu_memory_utilization,
            logprobs_mode="processed_logprobs",
            **engine_args,
        )

    def sleep(self) -> None:
        """Level 2: the next `sync_weights` overwrites every weight, so none is kept on the host."""
        if self.colocate and not self.asleep:
            self.llm.sleep(level=2)
            self.asleep = True

    def sync_weights(self, model: nn.Module) -> SyncReport:
        """Loads `model`'s current weights into the engine, in memory; wakes it if asleep."""
        if not self.colocate:
            raise RuntimeError(
                "weight sync needs the engine in this process: build VLLMBackend(colocate=True)"
            )
        if self.tensor_parallel != 1:
            raise NotImplementedError(
                "in-memory weight sync is wired for one GPU (tensor_parallel=1); "
                f"got tensor_parallel={self.tensor_parallel}"
            )
        started = time.perf_counter()
        if self.asleep:
            self.llm.wake_up(tags=["weights"])  # weight memory only: no KV cache during the load
        moved = [0, 0]

        def counted() -> Iterator[tuple[str, torch.Tensor]]:
            for name, tensor in named_weights(model):
                moved[0] += 1
                moved[1] += tensor.numel() * tensor.element_size()
                yield name, tensor

        self.llm.collective_rpc(load_weights_on_worker, args=(counted(),))
        self.llm.reset_prefix_cache()
        if self.asleep:
            self.llm.wake_up(tags=["kv_cache"])
            self.asleep = False
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        return SyncReport(tensors=moved[0], bytes=moved[1], seconds=time.perf_counter() - started)

    def generate(self, prompts: Sequence[Sequence[int]], params: SamplingParams) -> list[list[Completion]]:
        if self.asleep:
            raise RuntimeError(
                "the vLLM engine is asleep (its weights were released); call sync_weights(model) first"
            )
        from vllm import SamplingParams as VllmSamplingParams
        from vllm.inputs import TokensPrompt

        sampling = VllmSamplingParams(
            n=params.n,
            temperature=params.temperature,
            top_p=params.top_p,
            max_tokens=params.max_new_tokens,
            stop=list(params.stop) or None,
            logprobs=0,
            seed=params.seed,
        )
        outputs = self.llm.generate(
            [TokensPrompt(prompt_token_ids=list(p)) for p in prompts], sampling, use_tqdm=False
        )
        result = []
        for out in outputs:
            group = []
            for c in sorted(out.outputs, key=lambda c: c.index):
                ids = list(c.token_ids)
                logprobs = [
                    float(step[token].logprob) for step, token in zip(c.logprobs or [], ids, strict=False)
                ]
                if len(logprobs) != len(ids):
                    raise RuntimeError(f"vLLM returned {len(logprobs)} log-probs for {len(ids)} tokens")
                group.append(Completion(ids, logprobs, "length" if c.finish_reason == "length" else "stop"))
            result.append(group)
        return result
