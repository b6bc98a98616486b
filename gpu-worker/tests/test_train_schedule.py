"""The learning-rate schedule and AdamW groups against hand-computed values."""

import math

import pytest
import torch

from r1worker.train.schedule import build_optimizer, lr_at, set_lr, warmup_steps_for


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (0, 0.5),  # warm-up: (0 + 1) / 2
        (1, 1.0),  # warm-up ends at the peak
        (2, 1.0),  # cosine starts at the peak
        (4, 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi / 4))),  # progress 2/8
        (6, 0.55),  # progress ½: halfway between peak and floor
        (10, 0.1),  # the floor, min_lr_ratio × peak
        (12, 0.1),  # past the end: stays at the floor
    ],
)
def test_warmup_then_cosine(step, expected):
    assert lr_at(step, peak_lr=1.0, warmup_steps=2, total_steps=10, min_lr_ratio=0.1) == pytest.approx(
        expected
    )


def test_no_warmup_starts_at_peak_and_scales_with_peak():
    assert lr_at(0, 3e-4, 0, 100, 0.0) == pytest.approx(3e-4)
    assert lr_at(50, 3e-4, 0, 100, 0.0) == pytest.approx(1.5e-4)


@pytest.mark.parametrize(
    ("total", "ratio", "expected"), [(10, 0.03, 1), (100, 0.1, 10), (10, 0.0, 0), (5, 1.0, 5)]
)
def test_warmup_steps_round_up_without_float_noise(total, ratio, expected):
    assert warmup_steps_for(total, ratio) == expected


def test_weight_decay_only_on_matrices():
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.LayerNorm(4))
    opt = build_optimizer(model, lr=1e-3, weight_decay=0.1)
    decay, no_decay = opt.param_groups
    assert decay["weight_decay"] == 0.1 and [p.dim() for p in decay["params"]] == [2]
    assert no_decay["weight_decay"] == 0.0 and all(p.dim() == 1 for p in no_decay["params"])
    set_lr(opt, 5e-4)
    assert all(g["lr"] == 5e-4 for g in opt.param_groups)
