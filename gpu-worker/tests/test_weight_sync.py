"""The rollout engine stays up for a block: the HF backend samples from the live training module;
the vLLM backend's in-memory weight sync, against `FakeVLLMEngine` (vLLM cannot run here: it stands
in for `vllm.LLM` and records the sleep / wake / load calls and what `load_weights` received)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM

from r1worker.model import build_tiny_model, build_tokenizer
from r1worker.model.corpus import arithmetic_corpus
from r1worker.rollout import SamplingParams
from r1worker.rollout.hf import HFBackend
from r1worker.rollout.vllm_backend import VLLMBackend
from r1worker.rollout.weights import named_weights, weights_bytes


@pytest.fixture(scope="module")
def tok():
    return build_tokenizer(arithmetic_corpus(n=200, seed=0), vocab_size=300)


@pytest.fixture
def tied(tok):
    """The tiny Llama of the demo: tie_word_embeddings (lm_head.weight is embed_tokens.weight)."""
    return build_tiny_model(tok, None, n_layer=2, hidden=32, heads=4, max_pos=64, seed=0)


@pytest.fixture
def untied(tok):
    config = LlamaConfig(
        vocab_size=len(tok),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        tie_word_embeddings=False,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
    )
    torch.manual_seed(0)
    return LlamaForCausalLM(config)


def prompt_ids(tok, text="Compute 2 + 3."):
    return tok(text, add_special_tokens=False)["input_ids"]


GREEDY = SamplingParams(n=1, temperature=0.0, top_p=1.0, max_new_tokens=4, seed=0)


# --- CPU: HF generate on the live training model -------------------------------------------------


def test_hf_backend_sees_an_update_at_once_with_nothing_to_sync(tied, tok):
    backend = HFBackend(tied, tok)
    prompt = prompt_ids(tok)
    before = backend.generate([prompt], GREEDY)[0][0].token_ids
    target = next(t for t in range(3, len(tok)) if t not in before[:1] and t not in backend.eos_ids)
    optimizer = torch.optim.SGD(tied.parameters(), lr=1.0)
    # An optimizer step on the training module that makes `target` the greedy first token.
    for _ in range(20):
        logits = tied(torch.tensor([prompt])).logits[0, -1]
        loss = torch.nn.functional.cross_entropy(logits[None], torch.tensor([target]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert backend.sync_weights(tied).tensors == 0
    after = backend.generate([prompt], GREEDY)[0][0]
    assert after.token_ids[0] == target != before[0]
    with torch.no_grad():
        live = torch.log_softmax(tied(torch.tensor([prompt])).logits[0, -1], -1)[target]
    assert after.logprobs[0] == pytest.approx(live.item(), abs=1e-5)


def test_hf_backend_generates_in_eval_mode_and_gives_the_mode_back(tied, tok):
    modes: list[bool] = []
    tied.model.layers[0].register_forward_pre_hook(lambda module, args: modes.append(module.training))
    tied.train()  # as the training loop leaves it (dropout on)
    HFBackend(tied, tok).generate([prompt_ids(tok)], GREEDY)
    assert modes and not any(modes)  # every decoding step ran in eval mode
    assert tied.training


def test_hf_backend_refuses_to_sync_another_module(tied, untied, tok):
    with pytest.raises(ValueError, match="samples from the module it was built with"):
        HFBackend(tied, tok).sync_weights(untied)


# --- GPU path: vLLM, against a fake engine -------------------------------------------------------


class FakeVLLMEngine:
    """Stands in for `vllm.LLM` (sleep mode, collective_rpc, reset_prefix_cache). Its worker's model
    records each `load_weights` call: names, the tensors themselves (to check no copy was made)."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.loaded: list[list[tuple[str, torch.Tensor]]] = []
        engine = self

        class Model:
            def load_weights(self, weights):
                engine.loaded.append(list(weights))
                engine.calls.append(("load_weights", len(engine.loaded[-1])))

        class ModelRunner:
            model = Model()

        class Worker:  # vLLM's V1 GPU worker: get_model() is the runner's raw module
            model_runner = ModelRunner()

            def get_model(self):
                return self.model_runner.model

        self.worker = Worker()

    def sleep(self, level: int = 1) -> None:
        self.calls.append(("sleep", level))

    def wake_up(self, tags: list[str] | None = None) -> None:
        self.calls.append(("wake_up", tuple(tags or ())))

    def collective_rpc(self, method, timeout=None, args=(), kwargs=None):
        # vllm run_method: a callable is called as method(worker, *args, **kwargs), args unpickled
        return [method(self.worker, *args, **(kwargs or {}))]

    def reset_prefix_cache(self) -> bool:
        self.calls.append(("reset_prefix_cache",))
        return True


def colocated(engine: FakeVLLMEngine) -> VLLMBackend:
    return VLLMBackend("unused", colocate=True, engine=engine)


@pytest.mark.parametrize("model_name", ["tied", "untied"])
def test_vllm_sync_hands_over_the_training_state_by_reference(model_name, request):
    model = request.getfixturevalue(model_name)
    engine = FakeVLLMEngine()
    report = colocated(engine).sync_weights(model)
    (loaded,) = engine.loaded
    state = model.state_dict()
    names = [n for n, _ in loaded]
    expected = [n for n in state if not (model_name == "tied" and n == "lm_head.weight")]
    assert names == expected  # every tensor once, tied head left to the engine (as save_pretrained)
    for name, tensor in loaded:
        assert (tensor.shape, tensor.dtype) == (state[name].shape, state[name].dtype)
        assert tensor.data_ptr() == state[name].data_ptr()  # the training tensor itself: no copy
        assert not tensor.requires_grad
    assert ("lm_head.weight" in names) == (model_name == "untied")
    assert report.tensors == len(loaded)
    assert report.bytes == weights_bytes(model) == sum(t.numel() * t.element_size() for _, t in loaded)


def test_vllm_engine_sleeps_after_rollout_and_wakes_for_the_sync(tied):
    engine = FakeVLLMEngine()
    backend = colocated(engine)
    backend.sleep()
    backend.sleep()  # already asleep: nothing more
    with pytest.raises(RuntimeError, match="asleep.*call sync_weights"):
        backend.generate([[1, 2]], GREEDY)
    backend.sync_weights(tied)
    n = len(engine.loaded[0])
    assert engine.calls == [
        ("sleep", 2),
        ("wake_up", ("weights",)),  # weight memory first: the KV cache stays released during the load
        ("load_weights", n),
        ("reset_prefix_cache",),  # prefixes cached under the old weights must not be reused
        ("wake_up", ("kv_cache",)),
    ]
    assert not backend.asleep
    backend.sync_weights(tied)  # awake: load and reset only
    assert engine.calls[5:] == [("load_weights", n), ("reset_prefix_cache",)]


def test_vllm_sync_sends_what_an_update_changed(tied):
    engine = FakeVLLMEngine()
    backend = colocated(engine)
    backend.sync_weights(tied)
    with torch.no_grad():
        tied.model.norm.weight.mul_(2.0)
    backend.sync_weights(tied)
    second = dict(engine.loaded[1])
    torch.testing.assert_close(second["model.norm.weight"], tied.model.norm.weight.detach())
    assert second["model.norm.weight"].abs().sum() > 0


def test_vllm_sync_strips_the_torch_compile_prefix(untied):
    class Compiled(torch.nn.Module):  # what torch.compile returns: the module under `_orig_mod`
        def __init__(self, inner):
            super().__init__()
            self._orig_mod = inner

    names = [n for n, _ in named_weights(Compiled(untied))]
    assert names == list(untied.state_dict())


def test_vllm_sync_is_refused_where_it_is_not_wired(tied):
    with pytest.raises(RuntimeError, match="colocate=True"):
        VLLMBackend("unused", engine=FakeVLLMEngine()).sync_weights(tied)
    with pytest.raises(NotImplementedError, match="tensor_parallel=2"):
        VLLMBackend("unused", tensor_parallel=2, colocate=True, engine=FakeVLLMEngine()).sync_weights(tied)


def test_the_gpu_check_block_runs_on_cpu():
    """The block check (bench/gpu_check_block.py) through the HF backend at --tiny size, so the
    script that a GPU runs stays working here: 3 iterations, the live model needs no sync."""
    worker = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-m", "bench.gpu_check", "--part", "block", "--tiny"],
        cwd=worker,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [x.get("iteration") for x in lines] == [0, 1, 2, None]
    for x in lines[:3]:
        assert x["backend"] == "hf" and x["new_tokens"] > 0 and x["sync_tensors"] == 0
        assert x["logprob_gap_mean_abs"] < 1e-4  # the sampler is the training model itself
    assert lines[3]["logprob_gap_after_last_sync"] < 1e-4
