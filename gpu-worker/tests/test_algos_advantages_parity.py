"""The worker's GRPO advantages (`r1worker.algos.advantages`) agree with the TypeScript ones the
score stage writes (`functions/score/advantages.ts`) on the same inputs: both are run here, the
TypeScript side through `tsx` on a JSON file of seeded groups (outcome and process, std and none)."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

import pytest
import torch

from r1worker.algos.advantages import grpo_outcome, grpo_process

ROOT = Path(__file__).resolve().parents[2]
TSX = ROOT / "node_modules" / ".bin" / "tsx"

# Reads {"outcome": [[rewards]…], "process": [[{stepRewards, stepEnds, nTokens}…]…]} on stdin and
# writes each group's advantages for both norms.
SCRIPT = """
import { readFileSync } from "node:fs";
import { outcomeAdvantages, processAdvantages } from "%s";
const cases = JSON.parse(readFileSync(0, "utf8"));
const norms = ["std", "none"];
const out = Object.fromEntries(norms.map((n) => [n, {
  outcome: cases.outcome.map((g) => outcomeAdvantages(g, n)),
  process: cases.process.map((g) => processAdvantages(g, n)),
}]));
process.stdout.write(JSON.stringify(out));
"""


def _cases(seed: int) -> dict:
    rng = random.Random(seed)
    outcome = [[1.0, 0.0, 0.0, 1.0], [0.5, 0.5, 0.5], [2.0], [0.0, 0.0, 0.0, 0.0, 1.0]]
    outcome += [[round(rng.uniform(-2, 3), 3) for _ in range(rng.randint(2, 8))] for _ in range(6)]
    process = []
    for _ in range(6):
        group = []
        for _ in range(rng.randint(1, 5)):
            n_tokens = rng.randint(1, 12)
            k = rng.randint(0, min(4, n_tokens))
            ends = sorted(rng.sample(range(n_tokens), k))
            group.append(
                {
                    "stepRewards": [rng.choice([0.0, 1.0, rng.random()]) for _ in ends],
                    "stepEnds": ends,
                    "nTokens": n_tokens,
                }
            )
        process.append(group)
    return {"outcome": outcome, "process": process}


def _typescript(cases: dict, tmp_path: Path) -> dict:
    script = tmp_path / "advantages.ts"
    script.write_text(SCRIPT % (ROOT / "functions" / "score" / "advantages.ts").as_posix())
    done = subprocess.run(
        [str(TSX), str(script)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.mark.parametrize("seed", range(3))
def test_python_and_typescript_advantages_agree(seed, tmp_path):
    cases = _cases(seed)
    ts = _typescript(cases, tmp_path)
    for norm in ("std", "none"):
        for rewards, want in zip(cases["outcome"], ts[norm]["outcome"], strict=True):
            got = grpo_outcome(
                torch.tensor(rewards, dtype=torch.float64), [0] * len(rewards), norm_by_std=norm == "std"
            )
            assert got.tolist() == pytest.approx(want, abs=1e-9), (norm, rewards)
        for group, want in zip(cases["process"], ts[norm]["process"], strict=True):
            adv, mask = grpo_process(
                [torch.tensor(s["stepRewards"], dtype=torch.float64) for s in group],
                [torch.tensor(s["stepEnds"], dtype=torch.long) for s in group],
                [0] * len(group),
                [s["nTokens"] for s in group],
                norm_by_std=norm == "std",
            )
            for i, s in enumerate(group):
                assert adv[i, : s["nTokens"]].tolist() == pytest.approx(want[i], abs=1e-9), (norm, group)
                assert mask[i].sum().item() == s["nTokens"]
