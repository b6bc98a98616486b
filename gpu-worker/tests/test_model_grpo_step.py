"""A few GRPO updates on the tiny model move log-probs the way the advantages say."""

import pytest
import torch

from r1worker.algos.advantages import grpo_outcome
from r1worker.algos.logits import entropy_from_logits, token_logprobs
from r1worker.algos.policy_loss import grpo_objective
from r1worker.model.corpus import arithmetic_corpus
from r1worker.model.tiny import build_tiny_model
from r1worker.model.tokenizer import build_tokenizer


def _sequence_logprobs(model, ids, mask):
    logits = model(ids).logits[:, :-1]
    lp = token_logprobs(logits, ids[:, 1:])
    return lp, entropy_from_logits(logits), (lp * mask).sum(-1)


@pytest.mark.parametrize("mode", ["seq-mean-token-mean", "token-mean", "seq-mean-token-sum-norm"])
def test_grpo_steps_raise_positive_and_lower_negative_sequence(mode):
    tok = build_tokenizer(arithmetic_corpus(n=200, seed=0), vocab_size=300)
    model = build_tiny_model(tok, None, n_layer=2, hidden=32, heads=2, max_pos=64, seed=0)
    prompt = "User: Compute 2 + 3.\nAssistant: "
    texts = [prompt + "<think> 2 + 3 = 5 </think> 5", prompt + "<think> 2 + 3 = 6 </think> 6"]
    encoded = [tok.encode(t) for t in texts]
    assert len(encoded[0]) == len(encoded[1])
    ids = torch.tensor(encoded)
    n_prompt = len(tok.encode(prompt))
    mask = torch.zeros(ids.shape[0], ids.shape[1] - 1)
    mask[:, n_prompt - 1 :] = 1  # the completion tokens, as targets of positions n_prompt-1 ...

    advantages = grpo_outcome(torch.tensor([1.0, 0.0]), [0, 0])  # -> +1, -1
    with torch.no_grad():
        old, _, before = _sequence_logprobs(model, ids, mask)
    ref = old.clone()
    # Small steps: Adam rescales the near-cancelling gradients of the shared prefix tokens too.
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    for _ in range(4):
        lp, ent, _ = _sequence_logprobs(model, ids, mask)
        loss, metrics = grpo_objective(
            lp,
            old,
            advantages,
            mask,
            ref_logprobs=ref,
            entropy=ent,
            beta=0.04,
            entropy_coef=1e-3,
            clip_eps_low=0.2,
            clip_eps_high=0.2,
            loss_agg_mode=mode,
        )
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert set(metrics) >= {"pg_loss", "kl", "entropy", "clip_fraction"}
    with torch.no_grad():
        _, _, after = _sequence_logprobs(model, ids, mask)
    assert after[0] > before[0] and after[1] < before[1]
