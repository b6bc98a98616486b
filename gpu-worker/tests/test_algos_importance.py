"""Sampler/trainer mismatch: tempered logits, truncated importance weights and the log-prob gap,
against hand-worked numbers; and the update's forward pass against HF sampling at T = 0.7."""

import math

import pytest
import torch

from r1worker.algos import get_is_correction, logprob_gap, tempered, token_logprobs, truncated_is_weights
from r1worker.model import build_tiny_model, build_tokenizer
from r1worker.model.corpus import arithmetic_corpus
from r1worker.rollout import SamplingParams, pack_sequences
from r1worker.rollout.hf import HFBackend
from r1worker.train.distributed import DistEnv
from r1worker.train.grpo_step import GrpoStep, Objective, Rollouts, forward, plan_batches, tis_cap_for
from r1worker.train.precision import resolve_precision

LOG = math.log


def test_tempered_log_softmax_by_hand():
    # z = [1, 0], T = 0.5: z / T = [2, 0]; log softmax = [2 − ln(e² + 1), −ln(e² + 1)]
    z = torch.tensor([[[1.0, 0.0]]])
    lp = token_logprobs(tempered(z, 0.5), torch.tensor([[0]]))
    assert lp.item() == pytest.approx(2 - LOG(math.e**2 + 1), abs=1e-6)  # −0.126928
    assert tempered(z, 1.0) is z and tempered(z, 0.0) is z  # T = 1 and greedy: the raw logits
    with pytest.raises(ValueError, match="temperature must be >= 0"):
        tempered(z, -1.0)


def test_truncated_weights_by_hand():
    old = torch.tensor([[LOG(0.5), LOG(0.2), LOG(0.9), LOG(0.1)]])
    sampler = torch.tensor([[LOG(0.5), LOG(0.05), LOG(0.3), LOG(0.4)]])
    mask = torch.tensor([[1.0, 1.0, 0.0, 1.0]])
    # π_old / π_sampler = 1, 4, 3 (masked out), 0.25; capped at 2: 1, 2, 0, 0.25
    weights, metrics = truncated_is_weights(old, sampler, mask, cap=2.0)
    torch.testing.assert_close(weights, torch.tensor([[1.0, 2.0, 0.0, 0.25]]))
    assert metrics["is_weight_mean"] == pytest.approx((1 + 2 + 0.25) / 3)
    assert metrics["is_capped_share"] == pytest.approx(1 / 3)
    assert get_is_correction("truncated") is truncated_is_weights
    with pytest.raises(ValueError, match="valid names: truncated"):
        get_is_correction("clipped")
    with pytest.raises(ValueError, match="cap must be >= 1"):
        truncated_is_weights(old, sampler, mask, cap=0.5)
    with pytest.raises(ValueError, match="same \\[B, T\\] shape"):
        truncated_is_weights(old, sampler[:, :2], mask, cap=2.0)


def test_the_absolute_gap_sees_what_the_signed_gap_cancels():
    old = torch.tensor([[-1.0, -1.0, -2.0]])
    sampler = torch.tensor([[-0.5, -1.5, -9.0]])  # +0.5, −0.5, and a masked-out −7
    signed, absolute = logprob_gap(old, sampler, torch.tensor([[1, 1, 0]]))
    assert signed.item() == pytest.approx(0.0) and absolute.item() == pytest.approx(1.0)


def test_truncated_is_is_on_by_default_with_vllm_only():
    assert tis_cap_for("auto", 2.0, "vllm") == 2.0
    assert tis_cap_for("auto", 2.0, "hf") is None
    assert tis_cap_for("on", 3.0, "hf") == 3.0 and tis_cap_for("off", 2.0, "vllm") is None
    with pytest.raises(ValueError, match="valid: auto, on, off"):
        tis_cap_for("yes", 2.0, "hf")


@pytest.fixture(scope="module")
def tiny():
    tok = build_tokenizer(arithmetic_corpus(n=300, seed=0), vocab_size=320)
    model = build_tiny_model(tok, None, n_layer=2, hidden=64, heads=4, max_pos=128, seed=0).eval()
    prompts = [
        tok.encode("User: Compute 2 + 3.\nAssistant: "),
        tok.encode("User: What is 7 * 6?\nAssistant: "),
    ]
    return model, tok, prompts


def _sampled(model, tok, prompts, params):
    """(prompt, completion) pairs, one per sample, from HF sampling on the model."""
    groups = HFBackend(model, tok).generate(prompts, params)
    return [(p, c) for p, g in zip(prompts, groups, strict=True) for c in g]


def test_the_updates_forward_pass_reproduces_the_samplers_logprobs_at_its_temperature(tiny):
    """HF at T = 0.7 records log softmax(z / 0.7); the update's forward at the same T gives the same
    numbers, at T = 1 (what it computed before) a gap of a large part of a nat per token."""
    model, tok, prompts = tiny
    params = SamplingParams(n=4, temperature=0.7, top_p=1.0, max_new_tokens=12, seed=7)
    rows = _sampled(model, tok, prompts, params)
    batch = pack_sequences([p for p, _ in rows], [c.token_ids for _, c in rows], tok.pad_token_id or 0)
    sampler = batch.scatter([c.logprobs for _, c in rows])
    precision = resolve_precision("fp32", torch.device("cpu"))
    mask = batch.completion_mask
    gaps = {}
    for t in (0.7, 1.0):
        with torch.no_grad():
            lp, _ = forward(model, batch, precision, entropy_grad=False, temperature=t)
        gaps[t] = ((lp - sampler).abs() * mask).sum().item() / mask.sum().item()
    assert gaps[0.7] < 1e-5
    assert gaps[1.0] > 0.02  # 0.057 on this model and seed


def test_capped_weights_scale_the_policy_gradient_term(tiny):
    """A sampler that gave every token a quarter of the trainer's probability: π_old / π_sampler = 4,
    capped at C = 2, so the policy-gradient loss (β = 0, no entropy) is exactly twice the uncorrected."""
    model, tok, prompts = tiny
    params = SamplingParams(n=2, temperature=1.0, top_p=1.0, max_new_tokens=8, seed=1)
    rows = _sampled(model, tok, prompts, params)
    n = len(rows)
    data = Rollouts(
        [p for p, _ in rows],
        [c.token_ids for _, c in rows],
        [[1.0 if k % 2 else -0.5] * len(c.token_ids) for k, (_, c) in enumerate(rows)],
        [[lp - LOG(4) for lp in c.logprobs] for _, c in rows],
        [0.0] * n,
        [False] * n,
        0,
    )
    env = DistEnv(rank=0, world_size=1, local_rank=0, backend=None)
    precision = resolve_precision("fp32", torch.device("cpu"))
    plan = plan_batches(data, 64, 4096, "token-mean", tok.pad_token_id or 0, env, torch.device("cpu"))
    losses = {}
    for cap in (None, 2.0):
        objective = Objective(0.0, 0.0, 0.2, None, "token-mean", 64, 1.0, cap)
        loss, parts = GrpoStep(model, objective, plan, precision, None)(plan.micro[0])
        losses[cap] = loss.item()
        assert parts["sampler_logprob_gap"] == pytest.approx(-LOG(4), abs=1e-4)
        assert parts["sampler_logprob_gap_abs"] == pytest.approx(LOG(4), abs=1e-4)
    assert parts["is_weight_mean"] == pytest.approx(2.0) and parts["is_capped_share"] == pytest.approx(1.0)
    assert losses[None] != 0 and losses[2.0] == pytest.approx(2 * losses[None], rel=1e-5)
