"""The one training loop (`r1worker.train.loop`) on a small linear model: micro-batch accumulation
equals one big batch, a resumed loop ends where an uninterrupted one does, SIGTERM checkpoints and
raises Preempted, and one loop object keeps AdamW's state across calls (a GRPO block's iterations)."""

from __future__ import annotations

import os
import signal

import pytest
import torch

from r1worker.train import checkpoint
from r1worker.train.distributed import SINGLE
from r1worker.train.loop import LoopSettings, TrainLoop, start_model

TORCH_FILE = "weights.pt"


def _data(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(12, 4, generator=g)
    return x, x @ torch.tensor([1.0, -2.0, 0.5, 3.0]) + 0.1 * torch.randn(12, generator=g)


def _load(ref: str) -> torch.nn.Module:
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    if os.path.isdir(ref):
        model.load_state_dict(torch.load(os.path.join(ref, TORCH_FILE)))
    return model


def _save(state, local_dir):
    os.makedirs(local_dir, exist_ok=True)
    torch.save(state, os.path.join(local_dir, TORCH_FILE))


def _settings(output, steps, every=1000):
    return LoopSettings(str(output), 0.05, 0.25, 0.1, 0.01, 1.0, steps, steps, 0, every)


def _mse(model, n_total):
    """Step function: squared error summed over the micro-batch / all rows of the step (a mean)."""

    def loss(mb):
        x, y = mb
        err = ((model(x).squeeze(-1) - y) ** 2).sum() / n_total
        return err, {"loss": err.item(), "tokens": float(len(y))}

    return loss


def _train(output, steps, split, every=1000, stop_after=None):
    x, y = _data()
    model, resume = start_model(str(output), "fresh", _load, SINGLE)
    with TrainLoop(model, _settings(output, steps, every), SINGLE, _save) as loop:
        loop.resume(resume)
        loop.state.setdefault("marker", "kept")
        for step in range(loop.step, steps):
            if stop_after is not None and step == stop_after:
                os.kill(os.getpid(), signal.SIGTERM)  # what Batch sends at a spot reclaim
            micro = [(x[i : i + split], y[i : i + split]) for i in range(0, len(y), split)]
            loop.train_step(micro, _mse(model, len(y)))
    return model, loop


def test_accumulated_micro_batches_equal_one_batch(tmp_path):
    one, loop_one = _train(tmp_path / "one", 3, split=12)
    many, loop_many = _train(tmp_path / "many", 3, split=3)
    for a, b in zip(one.parameters(), many.parameters(), strict=True):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=0)
    assert loop_many.stats.first["loss"] == pytest.approx(loop_one.stats.first["loss"], rel=1e-6)
    assert loop_one.stats.tokens == 36 and loop_one.stats.steps_here == 3
    lines = (tmp_path / "one" / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 3 and '"tokens_per_s"' in lines[0] and '"grad_norm"' in lines[0]


def test_sigterm_checkpoints_and_a_resumed_loop_ends_where_an_uninterrupted_one_does(tmp_path):
    whole, _ = _train(tmp_path / "whole", 6, split=4)
    with pytest.raises(checkpoint.Preempted) as stopped:
        _train(tmp_path / "cut", 6, split=4, every=2, stop_after=3)
    assert stopped.value.code == checkpoint.PREEMPTED_EXIT and stopped.value.step == 4
    ckpt = checkpoint.latest_checkpoint(str(tmp_path / "cut"))
    assert ckpt is not None and ckpt.endswith("step-00000004")  # SIGTERM during step 4: saved after it
    resumed, loop = _train(tmp_path / "cut", 6, split=4, every=2)
    assert loop.stats.steps_here == 2 and len(loop.stats.recent) == 6  # stats carried over
    assert loop.state == {"marker": "kept"}
    for a, b in zip(whole.parameters(), resumed.parameters(), strict=True):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=0)


def test_one_loop_object_keeps_adam_state_across_calls(tmp_path):
    """A caller that runs iteration after iteration (a GRPO block) calls train_step again: AdamW's
    moments carry on, so the second call is not Adam's first step again."""
    x, y = _data()
    model, _ = start_model(str(tmp_path), "fresh", _load, SINGLE)
    with TrainLoop(model, _settings(tmp_path, 2), SINGLE, _save) as loop:
        loop.train_step([(x, y)], _mse(model, len(y)))
        state = loop.optimizer.state[model.weight]
        moment = state["exp_avg"].clone()
        loop.train_step([(x, y)], _mse(model, len(y)))
        assert int(state["step"]) == 2 and not torch.equal(state["exp_avg"], moment)


def test_save_final_reuses_a_checkpoint_of_the_same_step_and_writes_after_a_newer_step(tmp_path):
    """A GRPO block checkpoints at its end and then publishes model/: the weights are written once
    (model/ links the checkpoint's files); a step after the checkpoint makes save_final write anew."""
    x, y = _data()
    model, _ = start_model(str(tmp_path), "fresh", _load, SINGLE)
    with TrainLoop(model, _settings(tmp_path, 3), SINGLE, _save) as loop:
        loop.train_step([(x, y)], _mse(model, len(y)), at_boundary=False)
        ckpt = loop.checkpoint()
        final = loop.save_final()
        saved, published = os.path.join(ckpt, "model", TORCH_FILE), os.path.join(final, TORCH_FILE)
        assert os.stat(published).st_ino == os.stat(saved).st_ino
        assert torch.equal(_load(final).weight, model.weight)
        loop.train_step([(x, y)], _mse(model, len(y)), at_boundary=False)
        loop.save_final()
        assert os.stat(published).st_ino != os.stat(saved).st_ino
        assert torch.equal(_load(final).weight, model.weight)
        assert not torch.equal(_load(os.path.join(ckpt, "model")).weight, model.weight)


def test_a_loop_resumed_at_its_last_step_publishes_the_checkpoint_it_resumed_from(tmp_path):
    """A block killed between its end checkpoint and model/ resumes with no step left to take."""
    _train(tmp_path, 2, split=12, every=1)  # step 1 checkpointed (the last step never is)
    ckpt = checkpoint.latest_checkpoint(str(tmp_path))
    model, _ = start_model(str(tmp_path), "fresh", _load, SINGLE)
    with TrainLoop(model, _settings(tmp_path, 1), SINGLE, _save) as loop:
        loop.resume(ckpt)
        assert loop.step == 1
        final = loop.save_final()
    inode = os.stat(os.path.join(final, TORCH_FILE)).st_ino
    assert inode == os.stat(os.path.join(ckpt, "model", TORCH_FILE)).st_ino
