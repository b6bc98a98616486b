"""GRPO clipped loss, loss aggregation and the full objective."""

import math

import pytest
import torch

from r1worker.algos.aggregation import LOSS_AGG_MODES, aggregate_loss
from r1worker.algos.policy_loss import POLICY_LOSSES, get_policy_loss, grpo_clip, grpo_objective, kl_k3

MODES = ["seq-mean-token-mean", "token-mean", "seq-mean-token-sum-norm"]


AGG = "seq-mean-token-mean"  # GRPO's own aggregation
CLIP = {"clip_eps_low": 0.2, "clip_eps_high": 0.2}  # PPO's symmetric ε
SCALARS = {"beta": 0.04, "entropy_coef": 0.0, **CLIP, "loss_agg_mode": AGG}  # DeepSeekMath's


def _hand_batch():
    # Five real tokens (row 1 has a padded third position):
    #   tok  ratio  A   unclipped -rA  clipped -clip(r)A  loss = max   clipped?
    #   r0t0  1.0   2     -2.0           -2.0              -2.0          no
    #   r0t1  1.5   1     -1.5           -1.2              -1.2          yes (r > 1.2, A > 0)
    #   r0t2  0.5   1     -0.5           -0.8              -0.5          no
    #   r1t0  0.5  -1      0.5            0.8               0.8          yes (r < 0.8, A < 0)
    #   r1t1  1.5  -1      1.5            1.2               1.5          no
    old = torch.zeros(2, 3)
    logp = torch.tensor([[0.0, math.log(1.5), math.log(0.5)], [math.log(0.5), math.log(1.5), 0.0]])
    adv = torch.tensor([[2.0, 1.0, 1.0], [-1.0, -1.0, 0.0]])
    mask = torch.tensor([[1, 1, 1], [1, 1, 0]], dtype=torch.bool)
    return logp, old, adv, mask


@pytest.mark.parametrize(
    "mode, want",
    [
        ("token-mean", -0.28),  # (-2 - 1.2 - 0.5 + 0.8 + 1.5) / 5 = -1.4 / 5
        ("seq-mean-token-mean", -0.0416666667),  # (-3.7 / 3 + 2.3 / 2) / 2 = (-1.233333 + 1.15) / 2
        ("seq-mean-token-sum-norm", -0.175),  # (-3.7 / 4 + 2.3 / 4) / 2 with max_len = 4
    ],
)
def test_grpo_clip_hand_worked(mode, want):
    logp, old, adv, mask = _hand_batch()
    loss, metrics = grpo_clip(
        logp, old, adv, mask, clip_eps_low=0.2, clip_eps_high=0.2, loss_agg_mode=mode, max_len=4
    )
    assert loss.item() == pytest.approx(want, abs=1e-6)
    assert metrics["clip_fraction"] == pytest.approx(0.4)  # 2 of 5 tokens
    assert metrics["ratio_mean"] == pytest.approx(1.0)  # (1 + 1.5 + 0.5 + 0.5 + 1.5) / 5


def test_grpo_clip_gradient_is_zero_exactly_where_clipped():
    logp, old, adv, mask = _hand_batch()
    logp.requires_grad_(True)
    loss, _ = grpo_clip(logp, old, adv, mask, clip_eps_low=0.2, clip_eps_high=0.2, loss_agg_mode="token-mean")
    loss.backward()
    # d(-A r)/d logp = -A r, over 5 tokens: r0t0 -2*1/5 = -0.4, r0t2 -1*0.5/5 = -0.1, r1t1 1*1.5/5 = 0.3
    want = torch.tensor([[-0.4, 0.0, -0.1], [0.0, 0.3, 0.0]])
    torch.testing.assert_close(logp.grad, want)


def test_grpo_clip_higher_separate_upper_bound():
    # ratio 1.25, A = 1: clipped at 1.2 with eps_high = 0.2, untouched with DAPO's eps_high = 0.28.
    logp = torch.tensor([[math.log(1.25)]], requires_grad=True)
    args = (torch.zeros(1, 1), torch.ones(1), torch.ones(1, 1, dtype=torch.bool))
    loss, metrics = grpo_clip(logp, *args, clip_eps_low=0.2, clip_eps_high=0.2, loss_agg_mode=AGG)
    assert loss.item() == pytest.approx(-1.2) and metrics["clip_fraction"] == 1.0
    loss, metrics = grpo_clip(logp, *args, clip_eps_low=0.2, clip_eps_high=0.28, loss_agg_mode=AGG)
    assert loss.item() == pytest.approx(-1.25) and metrics["clip_fraction"] == 0.0
    loss.backward()
    assert logp.grad.item() == pytest.approx(-1.25)


def test_grpo_clip_broadcasts_sequence_advantages():
    logp, old, _, mask = _hand_batch()
    per_seq, _ = grpo_clip(logp, old, torch.tensor([1.0, -1.0]), mask, **CLIP, loss_agg_mode="token-mean")
    per_tok, _ = grpo_clip(
        logp, old, torch.tensor([[1.0] * 3, [-1.0] * 3]), mask, **CLIP, loss_agg_mode="token-mean"
    )
    assert per_seq.item() == pytest.approx(per_tok.item())


def _ref_clip(logp, old, adv, mask, lo, hi, mode, max_len):
    rows, n_clipped, n_tok = [], 0, 0
    for b in range(len(logp)):
        terms = []
        for t in range(len(logp[b])):
            if not mask[b][t]:
                continue
            r = math.exp(logp[b][t] - old[b][t])
            a = adv[b][t]
            unclipped, clipped = -a * r, -a * min(max(r, 1 - lo), 1 + hi)
            terms.append(max(unclipped, clipped))
            n_clipped += clipped > unclipped
            n_tok += 1
        rows.append(terms)
    if mode == "token-mean":
        loss = sum(sum(r) for r in rows) / max(n_tok, 1)
    elif mode == "seq-mean-token-mean":
        means = [sum(r) / len(r) for r in rows if r]
        loss = sum(means) / max(len(means), 1)
    else:
        loss = sum(sum(r) / max_len for r in rows) / len(rows)
    return loss, n_clipped / max(n_tok, 1)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("mode", MODES)
def test_grpo_clip_matches_slow_reference(seed, mode):
    g = torch.Generator().manual_seed(seed)
    b, t = 1 + seed, 2 + 3 * seed
    logp = torch.randn(b, t, generator=g, dtype=torch.float64) * 0.3 - 1
    old = logp + torch.randn(b, t, generator=g, dtype=torch.float64) * 0.3
    adv = torch.randn(b, t, generator=g, dtype=torch.float64)
    mask = torch.rand(b, t, generator=g) > 0.3
    mask[0, 0] = True
    lo, hi, max_len = 0.2, 0.28, t + 2
    loss, metrics = grpo_clip(
        logp, old, adv, mask, clip_eps_low=lo, clip_eps_high=hi, loss_agg_mode=mode, max_len=max_len
    )
    want, frac = _ref_clip(logp.tolist(), old.tolist(), adv.tolist(), mask.tolist(), lo, hi, mode, max_len)
    assert loss.item() == pytest.approx(want, rel=1e-9, abs=1e-12)
    assert metrics["clip_fraction"] == pytest.approx(frac)


def test_aggregate_loss_defaults_max_len_to_t_and_skips_empty_rows():
    loss_mat = torch.tensor([[1.0, 2.0, 3.0], [5.0, 0.0, 0.0], [9.0, 9.0, 9.0]])
    mask = torch.tensor([[1, 1, 1], [1, 0, 0], [0, 0, 0]])
    # token sum-norm: (6 / 3 + 5 / 3 + 0 / 3) / 3 = 11 / 9
    assert aggregate_loss(loss_mat, mask, "seq-mean-token-sum-norm").item() == pytest.approx(11 / 9)
    # seq mean: the empty third row is left out -> (2 + 5) / 2
    assert aggregate_loss(loss_mat, mask, "seq-mean-token-mean").item() == pytest.approx(3.5)
    assert aggregate_loss(loss_mat, mask, "token-mean").item() == pytest.approx(11 / 4)


def test_unknown_names_list_the_valid_ones():
    with pytest.raises(ValueError, match="seq-mean-token-mean, seq-mean-token-sum-norm, token-mean"):
        aggregate_loss(torch.zeros(1, 1), torch.ones(1, 1), "sum")
    with pytest.raises(ValueError, match="valid names: grpo_clip"):
        get_policy_loss("ppo2")
    assert get_policy_loss("grpo_clip") is grpo_clip and "grpo_clip" in POLICY_LOSSES
    assert set(LOSS_AGG_MODES) == set(MODES)
    logp, old, adv, mask = _hand_batch()
    with pytest.raises(ValueError, match="valid names: k1, k2, k3"):
        grpo_objective(logp, old, adv, mask, ref_logprobs=logp, kl_type="k4", **SCALARS)


def test_grpo_objective_hand_worked_token_mean():
    logp, old, adv, mask = _hand_batch()
    ref = logp - math.log(2.0)  # ref = p / 2 everywhere: k3 = 1/2 - ln(1/2) - 1 = 0.193147 per token
    entropy = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 100.0]])  # masked mean (1+2+3+4+5)/5 = 3
    loss, m = grpo_objective(
        logp,
        old,
        adv,
        mask,
        ref_logprobs=ref,
        entropy=entropy,
        beta=0.1,
        entropy_coef=0.01,
        **CLIP,
        loss_agg_mode="token-mean",
    )
    # -0.28 + 0.1 * 0.193147 - 0.01 * 3 = -0.290685
    assert loss.item() == pytest.approx(-0.28 + 0.1 * 0.1931472 - 0.03, abs=1e-6)
    assert m["pg_loss"] == pytest.approx(-0.28)
    assert m["kl"] == pytest.approx(0.1931472, abs=1e-6)
    assert m["entropy"] == pytest.approx(3.0)
    assert m["clip_fraction"] == pytest.approx(0.4)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("mode", MODES)
def test_grpo_objective_is_aggregate_of_per_token_sum(seed, mode):
    g = torch.Generator().manual_seed(seed)
    b, t = 3, 5 + seed
    logp = torch.randn(b, t, generator=g, dtype=torch.float64) - 1
    old = logp + 0.2 * torch.randn(b, t, generator=g, dtype=torch.float64)
    ref = logp + 0.2 * torch.randn(b, t, generator=g, dtype=torch.float64)
    adv = torch.randn(b, generator=g, dtype=torch.float64)
    ent = torch.rand(b, t, generator=g, dtype=torch.float64)
    mask = torch.rand(b, t, generator=g) > 0.2
    loss, _ = grpo_objective(
        logp,
        old,
        adv,
        mask,
        ref_logprobs=ref,
        entropy=ent,
        beta=0.04,
        entropy_coef=0.001,
        **CLIP,
        loss_agg_mode=mode,
        max_len=16,
    )
    ratio = (logp - old).exp()
    a = adv[:, None].expand(b, t)
    pg = torch.maximum(-a * ratio, -a * ratio.clamp(0.8, 1.2))
    per_token = pg + 0.04 * kl_k3(logp, ref) - 0.001 * ent
    want = aggregate_loss(per_token, mask, mode, max_len=16)
    assert loss.item() == pytest.approx(want.item(), rel=1e-9)


def test_grpo_objective_requires_ref_when_beta_positive():
    logp, old, adv, mask = _hand_batch()
    with pytest.raises(ValueError, match="needs ref_logprobs"):
        grpo_objective(logp, old, adv, mask, **SCALARS)
    loss, m = grpo_objective(logp, old, adv, mask, **{**SCALARS, "beta": 0.0, "loss_agg_mode": "token-mean"})
    assert loss.item() == pytest.approx(-0.28) and "kl" not in m
