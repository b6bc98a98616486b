"""KL estimators, entropy and token log-probabilities read from logits."""

import math

import pytest
import torch

from r1worker.algos.kl import KL_PENALTIES, get_kl_penalty, kl_k1, kl_k2, kl_k3, kl_penalty
from r1worker.algos.logits import entropy_from_logits, token_logprobs


def test_kl_estimators_hand_worked():
    # pi = 0.5, pi_ref = 0.25: d = ln(ref / pi) = -ln 2 = -0.693147
    logp, ref = torch.tensor([[math.log(0.5)]]), torch.tensor([[math.log(0.25)]])
    assert kl_k1(logp, ref).item() == pytest.approx(0.693147, abs=1e-6)  # ln 2
    assert kl_k2(logp, ref).item() == pytest.approx(0.240227, abs=1e-6)  # 0.5 * ln(2)^2
    assert kl_k3(logp, ref).item() == pytest.approx(0.193147, abs=1e-6)  # 0.5 + ln 2 - 1
    assert kl_penalty(logp, ref, "k3").item() == kl_k3(logp, ref).item()


@pytest.mark.parametrize("seed", range(3))
def test_k3_nonnegative_and_zero_when_equal(seed):
    g = torch.Generator().manual_seed(seed)
    logp = -torch.rand(4, 9, generator=g) * 5
    ref = -torch.rand(4, 9, generator=g) * 5
    assert (kl_k3(logp, ref) >= 0).all()
    assert (kl_k2(logp, ref) >= 0).all()
    assert torch.equal(kl_k3(logp, logp), torch.zeros(4, 9))


def test_k3_matches_slow_reference_and_is_unbiased_for_kl():
    # E_{o ~ pi}[k3] = KL(pi || ref) exactly, over a small categorical distribution.
    pi = torch.tensor([0.5, 0.3, 0.2], dtype=torch.float64)
    ref = torch.tensor([0.2, 0.2, 0.6], dtype=torch.float64)
    k3 = kl_k3(pi.log(), ref.log())
    for v in range(3):
        d = math.log(ref[v] / pi[v])
        assert k3[v].item() == pytest.approx(math.exp(d) - d - 1)
    kl = sum(p * math.log(p / q) for p, q in zip(pi.tolist(), ref.tolist(), strict=False))
    assert (pi * k3).sum().item() == pytest.approx(kl)


def test_kl_registry():
    assert set(KL_PENALTIES) == {"k1", "k2", "k3"}
    assert get_kl_penalty("k3") is kl_k3
    with pytest.raises(ValueError, match="valid names: k1, k2, k3"):
        get_kl_penalty("abs")


def test_entropy_uniform_is_log_v():
    for v in (2, 7, 512):
        ent = entropy_from_logits(torch.full((2, 3, v), 4.2))
        torch.testing.assert_close(ent, torch.full((2, 3), math.log(v)))


def test_entropy_hand_worked_and_stable():
    # p = (1/2, 1/4, 1/4): H = 1/2 ln 2 + 2 * 1/4 ln 4 = 1.5 ln 2 = 1.039721
    logits = torch.tensor([[[math.log(0.5), math.log(0.25), math.log(0.25)]]]) + 1000.0
    assert entropy_from_logits(logits).item() == pytest.approx(1.5 * math.log(2), abs=1e-5)
    big = torch.tensor([[[1e4, 0.0, -1e4]]])
    assert torch.isfinite(entropy_from_logits(big)).all()


@pytest.mark.parametrize("seed", range(3))
def test_entropy_and_logprobs_match_reference(seed):
    g = torch.Generator().manual_seed(seed)
    b, t, v = 2 + seed, 3 + seed, 11
    logits = torch.randn(b, t, v, generator=g, dtype=torch.float64) * 3
    labels = torch.randint(0, v, (b, t), generator=g)
    lp = token_logprobs(logits, labels)
    ent = entropy_from_logits(logits)
    for i in range(b):
        for j in range(t):
            row = logits[i, j].tolist()
            z = math.log(sum(math.exp(x) for x in row))
            probs = [math.exp(x - z) for x in row]
            assert lp[i, j].item() == pytest.approx(row[labels[i, j]] - z)
            assert ent[i, j].item() == pytest.approx(-sum(p * math.log(p) for p in probs))


def test_token_logprobs_half_precision_upcasts_and_ignores_negative_labels():
    logits = torch.randn(2, 4, 50).bfloat16()
    labels = torch.tensor([[1, 2, 3, -100], [4, 5, -100, -100]])
    lp = token_logprobs(logits, labels)
    assert lp.dtype == torch.float32 and lp.shape == (2, 4) and torch.isfinite(lp).all()
    want = torch.log_softmax(logits.float(), -1).gather(-1, labels.clamp_min(0)[..., None])[..., 0]
    torch.testing.assert_close(lp, want)
    with pytest.raises(ValueError, match="do not match"):
        token_logprobs(logits, labels[:, :3])
