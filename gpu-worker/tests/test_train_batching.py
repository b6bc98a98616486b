"""Curriculum order, packing, token-budget micro-batches, step/rank split, completion-only labels."""

import random

import pytest
import torch

from r1worker.model import load_tokenizer
from r1worker.train.batching import (
    IGNORE_INDEX,
    Encoded,
    budget_batches,
    chat_prompt,
    collate,
    curriculum_order,
    encode_example,
    pack_rows,
    plan_epoch,
    plan_steps,
    rank_slots,
)


def test_curriculum_order_ascends_levels_and_shuffles_within_by_seed():
    levels = [3, 1, 2, 1, 3, 2, 1, 1, 2, 3] * 3
    order = curriculum_order(levels, seed=7, epoch=0)
    assert sorted(order) == list(range(len(levels)))
    assert [levels[i] for i in order] == sorted(levels)
    assert order == curriculum_order(levels, seed=7, epoch=0)  # same seed, same order
    assert order != curriculum_order(levels, seed=8, epoch=0)
    assert order != curriculum_order(levels, seed=7, epoch=1)  # a new shuffle each epoch
    within = [i for i in order if levels[i] == 1]
    assert within != sorted(within)  # shuffled inside the level
    flat = curriculum_order(levels, seed=7, epoch=0, curriculum=False)
    assert [levels[i] for i in flat] != sorted(levels)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("packing", [True, False])
def test_micro_batches_fit_the_budget_and_cover_every_example_once(seed, packing):
    rng = random.Random(seed)
    lengths = [rng.randint(3, 40) for _ in range(97)]
    levels = [rng.randint(1, 5) for _ in lengths]
    budget = rng.choice([40, 64, 100, 256])
    plan = plan_epoch(
        lengths, levels, seed=seed, epoch=0, curriculum=True, packing=packing, row_len=48, token_budget=budget
    )
    seen = [i for mb in plan for row in mb for i in row]
    assert sorted(seen) == list(range(len(lengths)))
    assert seen == curriculum_order(levels, seed, 0)  # batching keeps the curriculum order
    for mb in plan:
        widths = [sum(lengths[i] for i in row) for row in mb]
        assert len(mb) * max(widths) <= budget
        assert max(widths) <= min(48, budget)
        if not packing:
            assert all(len(row) == 1 for row in mb)


def test_packing_fills_rows_in_order():
    assert pack_rows([0, 1, 2, 3], [5, 4, 3, 9], row_len=10, packing=True) == [[0, 1], [2], [3]]
    assert pack_rows([0, 1], [5, 4], row_len=10, packing=False) == [[0], [1]]
    with pytest.raises(ValueError, match="more than a row"):
        pack_rows([0], [11], row_len=10, packing=True)


def test_budget_batches_count_padding_and_pairs():
    assert budget_batches([4, 4, 8, 2], token_budget=16) == [[0, 1], [2, 3]]  # 3 × 8 > 16
    assert budget_batches([4, 4, 4], token_budget=16, rows_per_item=2) == [[0, 1], [2]]
    with pytest.raises(ValueError, match="over the budget"):
        budget_batches([9], token_budget=16, rows_per_item=2)


def test_steps_and_rank_slots():
    steps = plan_steps(7, per_step=4)
    assert [list(s) for s in steps] == [[0, 1, 2, 3], [4, 5, 6]]
    assert plan_steps(7, per_step=2, max_steps=2) == [range(0, 2), range(2, 4)]
    assert rank_slots(steps[0], 0, 2, 2) == [0, 2] and rank_slots(steps[0], 1, 2, 2) == [1, 3]
    assert rank_slots(steps[1], 1, 2, 2) == [5, None]  # short last step: a zero-weight pass


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    return load_tokenizer("builtin:tiny", tmp_path_factory.mktemp("cache"))


def test_completion_only_labels_mask_exactly_the_prompt(tokenizer):
    ex = encode_example(tokenizer, "Compute 2 + 3.", "<think>\n2 + 3 = 5\n</think>\n\nThe answer is 5.", 64)
    prompt_text = chat_prompt(tokenizer, "Compute 2 + 3.")
    assert prompt_text == "<|bos|>User: Compute 2 + 3.\nAssistant: "
    n_prompt = len(tokenizer(prompt_text, add_special_tokens=False)["input_ids"])
    assert ex.labels[:n_prompt] == (IGNORE_INDEX,) * n_prompt
    assert ex.labels[n_prompt:] == ex.input_ids[n_prompt:]
    assert ex.input_ids[-1] == tokenizer.eos_token_id  # the model learns to stop
    assert (
        tokenizer.decode(ex.input_ids)
        == prompt_text + "<think>\n2 + 3 = 5\n</think>\n\nThe answer is 5.<|eos|>"
    )
    cut = encode_example(tokenizer, "Compute 2 + 3.", "<think>\n2 + 3 = 5\n</think>", n_prompt + 2)
    assert len(cut.input_ids) == n_prompt + 2 and cut.n_labels == 2
    assert encode_example(tokenizer, "Compute 2 + 3.", "5", n_prompt) is None  # no room: dropped


def test_collate_hand_built_packed_row():
    a = Encoded((1, 10, 11, 12), (IGNORE_INDEX, IGNORE_INDEX, 11, 12))  # prompt 1 10 | completion 11 12
    b = Encoded((1, 20, 21), (IGNORE_INDEX, IGNORE_INDEX, 21))
    c = Encoded((1, 30), (IGNORE_INDEX, 30))
    batch = collate([[0, 1], [2]], [a, b, c], pad_id=0, packed=True)
    assert batch.input_ids.tolist() == [[1, 10, 11, 12, 1, 20, 21], [1, 30, 0, 0, 0, 0, 0]]
    assert batch.labels.tolist() == [[-100, -100, 11, 12, -100, -100, 21], [-100, 30] + [-100] * 5]
    assert batch.position_ids.tolist() == [[0, 1, 2, 3, 0, 1, 2], [0, 1, 0, 1, 2, 3, 4]]
    assert batch.attention_mask is None
    plain = collate([[0], [2]], [a, b, c], pad_id=0, packed=False)
    assert plain.attention_mask.tolist() == [[1, 1, 1, 1], [1, 1, 0, 0]]


def test_packed_forward_equals_separate_forwards(tokenizer):
    """Position ids restarting per example keep attention inside each example (no contamination)."""
    from r1worker.model import load_causal_lm

    model = load_causal_lm("builtin:tiny", tokenizer.name_or_path.rsplit("/builtin-tiny", 1)[0]).eval()
    exs = [
        encode_example(tokenizer, f"Compute {a} + {b}.", f"<think>\n{a} + {b} = {a + b}\n</think>", 64)
        for a, b in [(12, 30), (7, 5), (123, 456)]
    ]
    packed = collate([[0, 1, 2]], exs, tokenizer.pad_token_id, packed=True)
    with torch.no_grad():
        logits = model(**packed.model_inputs()).logits[0]
        at = 0
        for ex in exs:
            alone = model(input_ids=torch.tensor([ex.input_ids]), use_cache=False).logits[0]
            torch.testing.assert_close(logits[at : at + len(ex.input_ids)], alone, atol=1e-5, rtol=1e-4)
            at += len(ex.input_ids)
