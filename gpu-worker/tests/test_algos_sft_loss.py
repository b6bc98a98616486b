"""Completion-only SFT loss."""

import math

import pytest
import torch
import torch.nn.functional as F

from r1worker.algos.sft_loss import IGNORE_INDEX, sft_loss


def test_sft_loss_hand_worked():
    # labels [-100, 1, 0, -100] shift to targets [1, 0, -100] for positions 0..2:
    #   position 0: logits (0, ln 3) -> p(1) = 3/4 -> -ln 0.75 = 0.287682
    #   position 1: logits (0, 0)    -> p(0) = 1/2 -> ln 2     = 0.693147
    #   mean over 2 tokens = 0.490415
    logits = torch.tensor([[[0.0, math.log(3)], [0.0, 0.0], [9.0, -9.0], [9.0, -9.0]]])
    labels = torch.tensor([[IGNORE_INDEX, 1, 0, IGNORE_INDEX]])
    loss, m = sft_loss(logits, labels)
    assert loss.item() == pytest.approx(0.490415, abs=1e-6)
    assert m["tokens"] == 2 and m["nll"] == pytest.approx(0.490415, abs=1e-6)
    # accumulation: the sum 0.980829 over a whole batch of 10 tokens
    loss, _ = sft_loss(logits, labels, num_items_in_batch=10)
    assert loss.item() == pytest.approx(0.0980829, abs=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_sft_loss_matches_slow_reference(seed):
    g = torch.Generator().manual_seed(seed)
    b, t, v = 1 + seed, 4 + seed, 13
    logits = torch.randn(b, t, v, generator=g, dtype=torch.float64)
    labels = torch.randint(0, v, (b, t), generator=g)
    prompt = torch.randint(1, t, (b,), generator=g)
    for i in range(b):
        labels[i, : prompt[i]] = IGNORE_INDEX
    loss, m = sft_loss(logits, labels)
    terms = [
        -F.log_softmax(logits[i, j - 1], -1)[labels[i, j]].item()
        for i in range(b)
        for j in range(1, t)
        if labels[i, j] != IGNORE_INDEX
    ]
    assert m["tokens"] == len(terms)
    assert loss.item() == pytest.approx(sum(terms) / len(terms))
    unshifted, _ = sft_loss(logits[:, :-1], labels[:, 1:], shift=False)
    assert unshifted.item() == pytest.approx(loss.item())


def test_sft_loss_all_masked_is_zero():
    loss, m = sft_loss(torch.randn(1, 3, 5), torch.full((1, 3), IGNORE_INDEX))
    assert loss.item() == 0.0 and m["tokens"] == 0
