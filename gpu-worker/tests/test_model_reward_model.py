"""RewardModel: outcome score at the last real token, step logits, save/load."""

import pytest
import torch

from r1worker.algos.reward_losses import bradley_terry_loss, process_reward_loss
from r1worker.model.corpus import arithmetic_corpus
from r1worker.model.tiny import build_tiny_model
from r1worker.model.tokenizer import build_tokenizer
from r1worker.model.value_head import HEAD_FILE, RewardModel, gather_step_scores, last_token_index


@pytest.fixture(scope="module")
def lm_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("lm")
    tok = build_tokenizer(arithmetic_corpus(n=300, seed=0), vocab_size=300)
    build_tiny_model(tok, out, n_layer=1, hidden=32, heads=2, max_pos=64, seed=0)
    return out


def test_last_token_index_left_and_right_padding():
    mask = torch.tensor([[1, 1, 1, 0, 0], [0, 0, 1, 1, 1], [1, 1, 1, 1, 1]])
    assert last_token_index(mask).tolist() == [2, 4, 4]


def test_scores_read_at_last_real_token_and_ignore_right_padding(lm_dir):
    rm = RewardModel.from_pretrained(lm_dir, step_classes=3, seed=0).eval()
    ids = torch.tensor([[5, 9, 14, 20, 2, 2], [7, 8, 9, 10, 11, 12]])
    mask = torch.tensor([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]])
    with torch.no_grad():
        out = rm(ids, mask)
        alone = rm(ids[:1, :4])
    assert out.token_scores.shape == (2, 6) and out.sequence_scores.shape == (2,)
    assert out.step_logits.shape == (2, 6, 3)
    assert out.sequence_scores.tolist() == [out.token_scores[0, 3].item(), out.token_scores[1, 5].item()]
    torch.testing.assert_close(out.sequence_scores[0], alone.sequence_scores[0])
    steps = gather_step_scores(out.step_logits, [torch.tensor([1, 3]), torch.tensor([0, 2, 5])])
    assert [s.shape for s in steps] == [(2, 3), (3, 3)]
    torch.testing.assert_close(steps[1][2], out.step_logits[1, 5])


def test_save_and_reload_identically(lm_dir, tmp_path):
    rm = RewardModel.from_pretrained(lm_dir, step_classes=1, seed=3)
    with torch.no_grad():
        rm.score.bias.fill_(0.25)  # make sure trained head values, not a re-init, come back
    rm.save_pretrained(tmp_path)
    assert (tmp_path / HEAD_FILE).exists() and (tmp_path / "model.safetensors").exists()
    again = RewardModel.from_pretrained(tmp_path, seed=99)
    assert again.step_classes == 1
    ids = torch.tensor([[5, 9, 14, 20], [7, 8, 9, 10]])
    with torch.no_grad():
        a, b = rm.eval()(ids), again.eval()(ids)
    assert torch.equal(a.token_scores, b.token_scores) and torch.equal(a.step_logits, b.step_logits)
    assert a.step_logits.shape == (2, 4)


def test_fresh_heads_are_seeded(lm_dir):
    a = RewardModel.from_pretrained(lm_dir, seed=5)
    b = RewardModel.from_pretrained(lm_dir, seed=5)
    assert torch.equal(a.score.weight, b.score.weight) and torch.equal(a.step.weight, b.step.weight)
    with pytest.raises(ValueError, match="step_classes"):
        RewardModel(a.backbone, step_classes=2)


def test_reward_model_learns_a_preference_and_step_labels(lm_dir):
    torch.manual_seed(0)
    rm = RewardModel.from_pretrained(lm_dir, seed=0)
    chosen, rejected = torch.tensor([[5, 9, 14, 20]]), torch.tensor([[5, 9, 14, 21]])
    opt = torch.optim.Adam(rm.parameters(), lr=3e-3)
    for _ in range(15):
        out = rm(torch.cat([chosen, rejected]))
        bt, m = bradley_terry_loss(out.sequence_scores[:1], out.sequence_scores[1:])
        steps = gather_step_scores(out.step_logits, [torch.tensor([1, 3])])[0]
        prm, _ = process_reward_loss(steps, torch.tensor([1, -1]))
        opt.zero_grad()
        (bt + prm).backward()
        opt.step()
    assert m["accuracy"] == 1.0
    assert prm.item() < 0.5
