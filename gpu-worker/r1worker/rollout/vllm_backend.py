"""The vLLM backend (GPU image only). `vllm` is imported when a backend is built, never at import
time of r1worker, so the CPU install and the tests never need it."""

from __future__ import annotations

from collections.abc import Sequence

from .base import Completion, SamplingParams


class VLLMBackend:
    """`LLM.generate` with `SamplingParams(n=G, temperature, top_p, max_tokens, stop, logprobs=0)`.

    logprobs=0 returns the log-prob of each sampled token only. `logprobs_mode="processed_logprobs"`
    makes them the log-probs after temperature and top-p, as the HF backend records (vLLM's default
    is the raw model distribution).
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
        **engine_args,
    ) -> None:
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

    def generate(self, prompts: Sequence[Sequence[int]], params: SamplingParams) -> list[list[Completion]]:
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
