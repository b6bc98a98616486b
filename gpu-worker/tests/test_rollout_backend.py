"""The generation backends: recorded log-probs, finish reasons, stop strings, steps, selection."""

import subprocess
import sys
import types

import pytest
import torch
from torch import nn
from transformers import TopPLogitsWarper

from r1worker.algos import token_logprobs
from r1worker.model import build_tiny_model, build_tokenizer
from r1worker.model.corpus import arithmetic_corpus
from r1worker.rollout import SamplingParams, get_backend, resolve_backend, split_steps, step_spans
from r1worker.rollout.hf import HFBackend


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    # Tiny matmuls: one thread is fastest, and it avoids OpenMP spinning on a busy 2-core runner.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def tiny():
    tok = build_tokenizer(arithmetic_corpus(n=300, seed=0), vocab_size=320)
    model = build_tiny_model(tok, None, n_layer=2, hidden=64, heads=4, max_pos=128, seed=0).eval()
    prompts = [
        tok(
            tok.apply_chat_template(
                [{"role": "user", "content": q}], add_generation_prompt=True, tokenize=False
            ),
            add_special_tokens=False,
        )["input_ids"]
        for q in ("Compute 2 + 3.", "What is (12 * 4) - 7?")
    ]
    return model, tok, prompts


def recompute(model, prompt, completion, temperature, top_p):
    """log_softmax(top_p(logits / T)) of each completion token, from one forward pass."""
    ids = torch.tensor([prompt + completion])
    with torch.no_grad():
        logits = model(ids).logits[0, len(prompt) - 1 : -1] / temperature
    if top_p < 1:
        logits = TopPLogitsWarper(top_p)(None, logits)
    return token_logprobs(logits[None], ids[:, len(prompt) :])[0]


@pytest.mark.parametrize("temperature,top_p", [(1.0, 1.0), (0.7, 1.0), (0.7, 0.9)])
def test_recorded_logprobs_match_a_recomputation(tiny, temperature, top_p):
    model, tok, prompts = tiny
    params = SamplingParams(n=3, temperature=temperature, top_p=top_p, max_new_tokens=12, seed=3)
    groups = HFBackend(model, tok).generate(prompts, params)
    assert [len(g) for g in groups] == [3, 3]
    for prompt, group in zip(prompts, groups, strict=True):
        for c in group:
            assert len(c.logprobs) == len(c.token_ids) > 0
            expected = recompute(model, prompt, c.token_ids, temperature, top_p)
            torch.testing.assert_close(torch.tensor(c.logprobs), expected, atol=1e-4, rtol=0)


def test_same_seed_same_completions(tiny):
    model, tok, prompts = tiny
    params = SamplingParams(n=2, temperature=1.0, top_p=1.0, max_new_tokens=8, seed=11)
    a = HFBackend(model, tok).generate(prompts, params)
    b = HFBackend(model, tok).generate(prompts, params)
    assert a == b


def eos_biased(model, tok, bias):
    """A copy of the model whose output layer favours EOS by `bias` logits."""
    biased = build_tiny_model(tok, None, n_layer=2, hidden=64, heads=4, max_pos=128, seed=0).eval()
    head = nn.Linear(64, len(tok), bias=True)
    head.weight = nn.Parameter(model.lm_head.weight.detach().clone())
    head.bias.data.zero_()
    head.bias.data[tok.eos_token_id] = bias
    biased.lm_head = head
    return biased


def test_finish_reason_stop_at_eos_and_length_at_the_budget(tiny):
    model, tok, prompts = tiny
    backend = HFBackend(eos_biased(model, tok, bias=3.0), tok)
    groups = backend.generate(
        prompts, SamplingParams(n=8, temperature=1.0, top_p=1.0, max_new_tokens=6, seed=0)
    )
    reasons = {c.finish_reason for g in groups for c in g}
    assert reasons == {"stop", "length"}
    for c in (c for g in groups for c in g):
        if c.finish_reason == "stop":
            assert c.token_ids[-1] == tok.eos_token_id and tok.eos_token_id not in c.token_ids[:-1]
        else:
            assert len(c.token_ids) == 6 and tok.eos_token_id not in c.token_ids


def test_stop_string_ends_the_completion(tiny):
    model, tok, prompts = tiny
    stop = ("e",)  # frequent in the corpus' words
    groups = HFBackend(model, tok).generate(
        prompts, SamplingParams(n=6, temperature=1.0, top_p=1.0, max_new_tokens=24, stop=stop, seed=1)
    )
    stopped = [
        c for g in groups for c in g if c.finish_reason == "stop" and c.token_ids[-1] != tok.eos_token_id
    ]
    assert stopped, "no completion hit the stop string"
    for c in stopped:
        assert "e" in tok.decode(c.token_ids) and "e" not in tok.decode(c.token_ids[:-1])
    for c in (c for g in groups for c in g if c.finish_reason == "length"):
        assert "e" not in tok.decode(c.token_ids) and len(c.token_ids) == 24


def test_greedy_samples_are_identical_and_logprobs_unwarped(tiny):
    model, tok, prompts = tiny
    group = HFBackend(model, tok).generate(
        prompts[:1], SamplingParams(n=2, temperature=0.0, top_p=1.0, max_new_tokens=5)
    )[0]
    assert group[0] == group[1]
    expected = recompute(model, prompts[0], group[0].token_ids, 1.0, 1.0)
    torch.testing.assert_close(torch.tensor(group[0].logprobs), expected, atol=1e-4, rtol=0)


def test_steps_split_on_newlines_inside_think(tiny):
    _, tok, _ = tiny
    assert step_spans("<think>a\nb</think> 7") == [(7, 9), (9, 18), (18, 20)]
    assert step_spans("one\n\ntwo") == [(0, 4), (5, 8)]
    assert step_spans("<think> 1 + 1 = 2\n") == [(7, 18)]
    text = "<think> 2 + 3 = 5\n5 * 2 = 10\n</think> 10"
    ids = tok(text + tok.eos_token, add_special_tokens=False)["input_ids"]
    ends = split_steps(ids, tok)
    assert len(ends) == 3 and ends == sorted(ends) and ends[-1] == len(ids) - 2  # EOS is no step
    pieces = [tok.decode(ids[: e + 1]) for e in ends]
    assert pieces[0].endswith("= 5\n") and pieces[1].endswith("= 10\n") and pieces[2].endswith("</think> 10")
    assert split_steps([], tok) == []


def test_backend_selection():
    assert resolve_backend("auto", cuda=False, has_vllm=True) == "hf"
    assert resolve_backend("auto", cuda=True, has_vllm=False) == "hf"
    assert resolve_backend("auto", cuda=True, has_vllm=True) == "vllm"
    assert resolve_backend("hf", cuda=True, has_vllm=True) == "hf"
    assert get_backend("auto", cuda=False).__name__ == "HFBackend"
    with pytest.raises(RuntimeError, match="not installed"):
        get_backend("vllm", has_vllm=False)
    with pytest.raises(ValueError, match="valid: auto, hf, vllm"):
        resolve_backend("sglang")


def test_vllm_backend_maps_outputs(monkeypatch):
    """VLLMBackend against a stand-in `vllm` module: arguments passed and outputs converted."""
    seen = {}

    class LLM:
        def __init__(self, **kw):
            seen["llm"] = kw

        def generate(self, prompts, sampling, use_tqdm):
            seen["prompts"], seen["sampling"] = prompts, sampling
            lp = types.SimpleNamespace
            outs = [
                types.SimpleNamespace(
                    index=1,
                    token_ids=[5, 6],
                    logprobs=[{5: lp(logprob=-0.5)}, {6: lp(logprob=-1.0)}],
                    finish_reason="length",
                ),
                types.SimpleNamespace(
                    index=0, token_ids=[7], logprobs=[{7: lp(logprob=-0.25)}], finish_reason="stop"
                ),
            ]
            return [types.SimpleNamespace(outputs=outs) for _ in prompts]

    fake = types.ModuleType("vllm")
    fake.LLM, fake.SamplingParams = LLM, lambda **kw: kw
    inputs = types.ModuleType("vllm.inputs")
    inputs.TokensPrompt = dict
    monkeypatch.setitem(sys.modules, "vllm", fake)
    monkeypatch.setitem(sys.modules, "vllm.inputs", inputs)
    backend = get_backend("vllm", cuda=True, has_vllm=True)("/models/p", tensor_parallel=2, seed=3)
    groups = backend.generate(
        [[1, 2]],
        SamplingParams(n=2, temperature=1.0, top_p=0.95, max_new_tokens=9, stop=("</answer>",), seed=4),
    )
    assert seen["llm"]["tensor_parallel_size"] == 2 and seen["llm"]["model"] == "/models/p"
    assert seen["sampling"] == {
        "n": 2,
        "temperature": 1.0,
        "top_p": 0.95,
        "max_tokens": 9,
        "stop": ["</answer>"],
        "logprobs": 0,
        "seed": 4,
    }
    assert seen["prompts"] == [{"prompt_token_ids": [1, 2]}]
    ((first, second),) = groups
    assert (first.token_ids, first.logprobs, first.finish_reason) == ([7], [-0.25], "stop")
    assert (second.token_ids, second.logprobs, second.finish_reason) == ([5, 6], [-0.5, -1.0], "length")


def test_importing_the_worker_never_imports_vllm():
    code = (
        "import sys, r1worker.cli, r1worker.rollout, r1worker.rollout.hf, r1worker.rollout.vllm_backend, "
        "r1worker.stages.rollout, r1worker.stages.grpo; "
        "r1worker.rollout.get_backend('auto', cuda=False); "
        "assert 'vllm' not in sys.modules, 'vllm was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
