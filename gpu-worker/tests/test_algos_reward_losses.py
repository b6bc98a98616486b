"""Bradley-Terry and process reward losses."""

import math

import pytest
import torch
import torch.nn.functional as F

from r1worker.algos.reward_losses import bradley_terry_loss, process_reward_loss, step_good_probability

LN2, LN3 = math.log(2), math.log(3)


def test_bradley_terry_hand_worked():
    # diffs 2-1 = 1 and 0-1 = -1: -log sigmoid(1) = 0.313262, -log sigmoid(-1) = 1.313262 -> mean 0.813262
    loss, m = bradley_terry_loss(torch.tensor([2.0, 0.0]), torch.tensor([1.0, 1.0]))
    assert loss.item() == pytest.approx(0.813262, abs=1e-6)
    assert m["accuracy"] == 0.5 and m["reward_margin"] == 0.0
    # margins 0.5 and 0: -log sigmoid(0.5) = 0.474077 -> (0.474077 + 1.313262) / 2 = 0.893669
    loss, _ = bradley_terry_loss(torch.tensor([2.0, 0.0]), torch.tensor([1.0, 1.0]), torch.tensor([0.5, 0.0]))
    assert loss.item() == pytest.approx(0.893669, abs=1e-6)
    loss, _ = bradley_terry_loss(torch.tensor([2.0]), torch.tensor([1.0]), margin=0.5)
    assert loss.item() == pytest.approx(0.474077, abs=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_bradley_terry_matches_slow_reference_and_gradient_sign(seed):
    g = torch.Generator().manual_seed(seed)
    n = 1 + 5 * seed
    rc = torch.randn(n, generator=g, dtype=torch.float64, requires_grad=True)
    rr = torch.randn(n, generator=g, dtype=torch.float64)
    margin = torch.rand(n, generator=g, dtype=torch.float64)
    loss, m = bradley_terry_loss(rc, rr, margin)
    want = (
        sum(
            math.log1p(math.exp(-(c - r - mg)))
            for c, r, mg in zip(rc.tolist(), rr.tolist(), margin.tolist(), strict=False)
        )
        / n
    )
    assert loss.item() == pytest.approx(want)
    assert m["accuracy"] == pytest.approx(
        sum(c > r for c, r in zip(rc.tolist(), rr.tolist(), strict=False)) / n
    )
    loss.backward()
    assert (rc.grad < 0).all()  # descending the loss raises every chosen reward


def test_bradley_terry_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="must both be"):
        bradley_terry_loss(torch.zeros(2), torch.zeros(3))


def test_process_reward_three_class_hand_worked():
    # logits (0, 0, ln 2) -> p = (1/4, 1/4, 1/2) over ratings (-1, 0, +1); zeros -> 1/3 each
    #   step 0, label +1: -ln(1/2) = 0.693147 ; step 1, label -1: -ln(1/4) = 1.386294
    #   step 2, label  0: -ln(1/3) = 1.098612 ; step 3 is unlabelled (-100)
    #   mean over 3 labelled steps = 3.178054 / 3 = 1.059351
    logits = torch.tensor([[0.0, 0.0, LN2], [0.0, 0.0, LN2], [0.0, 0.0, 0.0], [5.0, 0.0, 0.0]])
    labels = torch.tensor([1, -1, 0, -100])
    loss, m = process_reward_loss(logits, labels)
    assert loss.item() == pytest.approx(1.059351, abs=1e-6)
    # argmax: class 2 (+1) right, class 2 vs -1 wrong, class 0 (first of ties) vs 0 wrong
    assert m["accuracy"] == pytest.approx(1 / 3) and m["steps"] == 3


def test_process_reward_binary_hand_worked():
    # logits 0, ln 3, -ln 3 with labels +1, -1, 0:
    #   BCE(0, 1) = ln 2 = 0.693147 ; BCE(ln 3, 0) = -ln(1 - 3/4) = 1.386294
    #   neutral skipped -> (0.693147 + 1.386294) / 2 = 1.039721
    #   neutral target 0.5 -> BCE(-ln 3, 0.5) = -0.5 ln(1/4) - 0.5 ln(3/4) = 0.836988
    #                      -> (0.693147 + 1.386294 + 0.836988) / 3 = 0.972143
    logits = torch.tensor([0.0, LN3, -LN3])
    labels = torch.tensor([1, -1, 0])
    loss, m = process_reward_loss(logits, labels)
    assert loss.item() == pytest.approx(1.039721, abs=1e-6) and m["steps"] == 2
    assert m["accuracy"] == 0.0  # logit 0 is not > 0 for a +1 step; ln 3 > 0 for a -1 step
    loss, m = process_reward_loss(logits, labels, neutral_target=0.5)
    assert loss.item() == pytest.approx(0.972143, abs=1e-6) and m["steps"] == 3


@pytest.mark.parametrize("seed", range(3))
def test_process_reward_matches_cross_entropy_reference(seed):
    g = torch.Generator().manual_seed(seed)
    s = 4 + seed * 3
    logits = torch.randn(s, 3, generator=g, dtype=torch.float64)
    labels = torch.randint(-1, 2, (s,), generator=g)
    loss, _ = process_reward_loss(logits, labels)
    want = sum(-F.log_softmax(logits[i], -1)[labels[i] + 1].item() for i in range(s)) / s
    assert loss.item() == pytest.approx(want)


def test_process_reward_rejects_bad_labels_and_shapes():
    with pytest.raises(ValueError, match="must be -1, 0, \\+1"):
        process_reward_loss(torch.zeros(2, 3), torch.tensor([2, 0]))
    with pytest.raises(ValueError, match="\\[S, 3\\] or \\[S\\]"):
        process_reward_loss(torch.zeros(2, 4), torch.tensor([1, 0]))


def test_step_good_probability():
    logits = torch.tensor([[0.0, 0.0, LN2]])  # p = (1/4, 1/4, 1/2)
    assert step_good_probability(logits).tolist() == pytest.approx([0.5])
    assert step_good_probability(logits, neutral_is_good=True).tolist() == pytest.approx([0.75])
    assert step_good_probability(torch.tensor([LN3])).tolist() == pytest.approx([0.75])  # sigmoid(ln 3)
    assert step_good_probability(torch.zeros(2, 5, 3)).shape == (2, 5)
