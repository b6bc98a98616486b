"""The reward stage on CPU: after training on a separable toy set the model ranks chosen above
rejected on held-out pairs; the process head trains on rule labels; the output reloads."""

import torch
from test_train_fixtures import reward_spec, toy_pairs

from r1worker.io.tables import write_table
from r1worker.model import RewardModel


def test_reward_model_ranks_chosen_above_rejected(tmp_path, monkeypatch):
    monkeypatch.setenv("R1WORKER_CACHE", str(tmp_path / "cache"))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        from r1worker.stages import reward

        uri = str(tmp_path / "in" / "part-00000.arrow")
        (tmp_path / "in").mkdir()
        write_table(uri, "preference_pairs", toy_pairs(120))
        summary = reward.run(reward_spec(tmp_path / "out", [uri], epochs=2))
    finally:
        torch.set_num_threads(threads)
    m = summary["metrics"]
    print(
        f"held-out pair accuracy {m['held_out_pair_accuracy_before']:.2f} -> {m['held_out_pair_accuracy']:.2f} "
        f"on {m['held_out_pairs']} pairs; step accuracy {m['held_out_step_accuracy']:.2f}"
    )
    assert m["held_out_pairs"] >= 15 and m["train_pairs"] + m["held_out_pairs"] == 120
    assert m["held_out_pair_accuracy"] >= 0.9
    assert m["step_records"] == 240  # rule labels from both sides of every pair
    model = RewardModel.from_pretrained(tmp_path / "out" / "model")
    assert model.step_classes == 3 and (tmp_path / "out" / "model" / "tokenizer.json").exists()


def test_process_head_learns_given_step_labels(tmp_path, monkeypatch):
    """Step labels that depend on a visible word: the head must learn them (held-out accuracy)."""
    monkeypatch.setenv("R1WORKER_CACHE", str(tmp_path / "cache"))
    rows = []
    for i in range(80):
        steps = [f"Step {j}: " + ("good" if (i + j) % 2 else "bad") for j in range(3)]
        rows.append(
            {
                "id": f"s-{i}",
                "problem_id": f"p-{i}",
                "prompt": f"Compute {i} + 1.",
                "steps": steps,
                "labels": [1 if (i + j) % 2 else -1 for j in range(3)],
                "origin": "human",
            }
        )
    (tmp_path / "in").mkdir()
    uri = str(tmp_path / "in" / "part-00000.arrow")
    write_table(uri, "step_labels", rows)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        from r1worker.stages import reward

        summary = reward.run(
            reward_spec(tmp_path / "out", [], step_labels=[uri], epochs=8, tokenBudget=256, learningRate=3e-3)
        )
    finally:
        torch.set_num_threads(threads)
    assert summary["metrics"]["held_out_step_accuracy"] >= 0.9
