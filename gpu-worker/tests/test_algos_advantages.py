"""Group-relative advantages: hand-worked numbers and a slow pure-Python reference."""

import math
import random

import pytest
import torch

from r1worker.algos.advantages import (
    ADVANTAGE_ESTIMATORS,
    get_advantage_estimator,
    grpo_outcome,
    grpo_process,
)

EPS = 1e-6


def test_registry_names_and_unknown_name():
    assert set(ADVANTAGE_ESTIMATORS) == {"grpo_outcome", "grpo_process"}
    assert get_advantage_estimator("grpo_outcome") is grpo_outcome
    with pytest.raises(ValueError, match="grpo_outcome, grpo_process"):
        get_advantage_estimator("gae")


def test_grpo_outcome_hand_worked():
    # group 7: rewards 1, 0, 0, 1 -> mean 0.5, population std 0.5 -> (+-0.5) / 0.5 = +-1
    # group 3: rewards 2, 4       -> mean 3,   population std 1   -> -1, +1
    # group 9: reward 5 alone     -> mean 5,   std 0              -> 0
    rewards = torch.tensor([1.0, 2.0, 0.0, 0.0, 4.0, 1.0, 5.0])
    groups = torch.tensor([7, 3, 7, 7, 3, 7, 9])
    got = grpo_outcome(rewards, groups, eps=EPS)
    s = 0.5 / (0.5 + EPS)
    want = torch.tensor([s, -1 / (1 + EPS), -s, -s, 1 / (1 + EPS), s, 0.0])
    torch.testing.assert_close(got, want)


def test_grpo_outcome_dr_grpo_does_not_divide_by_std():
    # group 0: 1, 0, 0, 1 -> mean 0.5 -> 0.5, -0.5, -0.5, 0.5 ; group 1: 2, 4 -> mean 3 -> -1, 1
    got = grpo_outcome(torch.tensor([1.0, 0.0, 0.0, 1.0, 2.0, 4.0]), [0, 0, 0, 0, 1, 1], norm_by_std=False)
    torch.testing.assert_close(got, torch.tensor([0.5, -0.5, -0.5, 0.5, -1.0, 1.0]))


def test_grpo_outcome_all_equal_group_is_zero_not_nan():
    got = grpo_outcome(torch.tensor([1.0, 1.0, 1.0]), [0, 0, 0])
    assert torch.equal(got, torch.zeros(3))


def test_grpo_outcome_rejects_bad_shapes():
    with pytest.raises(ValueError, match="group_index has 2 entries"):
        grpo_outcome(torch.zeros(3), [0, 0])
    with pytest.raises(ValueError, match="1-D"):
        grpo_outcome(torch.zeros(2, 2), [0, 0])


def _ref_outcome(rewards, groups, eps, norm_by_std):
    out = []
    for r, g in zip(rewards, groups, strict=False):
        members = [x for x, h in zip(rewards, groups, strict=False) if h == g]
        mean = sum(members) / len(members)
        std = math.sqrt(sum((x - mean) ** 2 for x in members) / len(members))
        out.append((r - mean) / (std + eps) if norm_by_std else r - mean)
    return out


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("norm_by_std", [True, False])
def test_grpo_outcome_matches_slow_reference(seed, norm_by_std):
    rng = random.Random(seed)
    n = rng.randint(1, 40)
    groups = [rng.randint(0, 6) * 11 for _ in range(n)]
    rewards = [rng.choice([0.0, 1.0, rng.random()]) for _ in range(n)]
    got = grpo_outcome(torch.tensor(rewards, dtype=torch.float64), groups, eps=EPS, norm_by_std=norm_by_std)
    want = torch.tensor(_ref_outcome(rewards, groups, EPS, norm_by_std), dtype=torch.float64)
    torch.testing.assert_close(got, want)


def test_grpo_process_hand_worked():
    # group 0 step rewards: sample 0 -> [1, 0] ending at tokens 1 and 3; sample 1 -> [0.2] ending at 2.
    #   mean = 1.2 / 3 = 0.4; population var = (0.36 + 0.16 + 0.04) / 3 = 0.186667; std = 0.432049
    #   normalised: 0.6 / 0.432049 = 1.388730, -0.4 / 0.432049 = -0.925820, -0.2 / 0.432049 = -0.462910
    #   sample 0 (5 tokens): t0, t1 -> 1.388730 - 0.925820 = 0.462910; t2, t3 -> -0.925820; t4 -> 0
    #   sample 1 (3 tokens): t0..t2 -> -0.462910; t3, t4 are padding
    # group 5: sample 2 alone, one step -> normalised 0 everywhere
    adv, mask = grpo_process(
        step_rewards=[torch.tensor([1.0, 0.0]), torch.tensor([0.2]), torch.tensor([3.0])],
        step_end_tokens=[torch.tensor([1, 3]), torch.tensor([2]), torch.tensor([0])],
        group_index=torch.tensor([0, 0, 5]),
        response_length=[5, 3, 2],
        eps=0.0,
    )
    want = torch.tensor(
        [
            [0.462910, 0.462910, -0.925820, -0.925820, 0.0],
            [-0.462910, -0.462910, -0.462910, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0, 0.0],
        ]
    )
    torch.testing.assert_close(adv, want, atol=1e-5, rtol=0)
    assert mask.tolist() == [[True] * 5, [True] * 3 + [False] * 2, [True] * 2 + [False] * 3]


def test_grpo_process_validates_step_ends():
    with pytest.raises(ValueError, match="outside"):
        grpo_process([torch.tensor([1.0])], [torch.tensor([4])], [0], [4])
    with pytest.raises(ValueError, match="2 step rewards but 1 step ends"):
        grpo_process([torch.tensor([1.0, 2.0])], [torch.tensor([0])], [0], [4])


def _ref_process(step_rewards, step_ends, groups, lengths, eps, norm_by_std):
    t_max = max(lengths)
    out = []
    for i in range(len(step_rewards)):
        pool = [r for j in range(len(step_rewards)) if groups[j] == groups[i] for r in step_rewards[j]]
        mean = sum(pool) / len(pool) if pool else 0.0
        std = math.sqrt(sum((x - mean) ** 2 for x in pool) / len(pool)) if pool else 0.0
        normed = [(r - mean) / (std + eps) if norm_by_std else r - mean for r in step_rewards[i]]
        row = []
        for t in range(t_max):
            if t >= lengths[i]:
                row.append(0.0)
            else:
                row.append(sum(n for n, e in zip(normed, step_ends[i], strict=False) if e >= t))
        out.append(row)
    return out


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("norm_by_std", [True, False])
def test_grpo_process_matches_slow_reference(seed, norm_by_std):
    rng = random.Random(100 + seed)
    n = rng.randint(1, 12)
    groups = [rng.randint(0, 3) for _ in range(n)]
    lengths = [rng.randint(1, 15) for _ in range(n)]
    rewards, ends = [], []
    for length in lengths:
        k = rng.randint(0, min(length, 4))
        ends.append(sorted(rng.sample(range(length), k)))
        rewards.append([rng.random() for _ in range(k)])
    adv, mask = grpo_process(
        [torch.tensor(r, dtype=torch.float64) for r in rewards],
        [torch.tensor(e, dtype=torch.long) for e in ends],
        groups,
        lengths,
        eps=EPS,
        norm_by_std=norm_by_std,
    )
    want = torch.tensor(_ref_process(rewards, ends, groups, lengths, EPS, norm_by_std), dtype=torch.float64)
    torch.testing.assert_close(adv, want)
    assert mask.sum().item() == sum(lengths)
