"""score-rm stage: fills `rm_score` and `rm_step_scores` of existing `rollouts` shards with a
reward model (outcome head + process head), writing scored `rollouts` shards under the output.

Used when rollouts were sampled without a reward model (e.g. by vLLM on another GPU job). Rows
without `step_token_ends` get them from `split_steps` with the reward model's tokenizer (which
must be the policy's: the token ids are read as they are). The CLI writes metrics.json and `_SUCCESS`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import torch

from r1worker.io.commit import MetricsLog
from r1worker.io.sharded import ShardedWriter
from r1worker.io.tables import iter_batches
from r1worker.model import RewardModel, load_tokenizer, resolve_model_ref
from r1worker.rollout import split_steps
from r1worker.rollout.scoring import score_rollouts
from r1worker.stages import cache_dir, start_runtime
from r1worker.stages.rollout import SHARD_ROWS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScoreRmConfig:
    rollouts: tuple[str, ...]  # `rollouts` shard URIs to score
    reward_model: str  # reward-model checkpoint (HF backbone + reward_head.safetensors)
    output: str  # stage prefix for the scored shards
    max_seq_len: int  # tokens scored per row; steps beyond it get no score
    token_budget: int = 16_384  # padded tokens per reward-model forward pass

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> ScoreRmConfig:
        return cls(tuple(spec["rollouts"]), spec["rewardModel"], spec["output"], spec["maxSeqLen"])


def run(spec: dict[str, Any]) -> dict[str, Any]:
    cfg = ScoreRmConfig.from_spec(spec)
    rt = start_runtime(spec)
    device, bf16 = rt.precision.device, rt.precision.autocast_dtype == torch.bfloat16
    tokenizer = load_tokenizer(cfg.reward_model, cache_dir())
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    model = RewardModel.from_pretrained(
        resolve_model_ref(cfg.reward_model, cache_dir()),
        dtype=torch.bfloat16 if bf16 else torch.float32,
        device=device,
    )
    model.eval()

    rows_in, score_sum, t0 = 0, 0.0, time.perf_counter()
    with MetricsLog(cfg.output) as mlog, ShardedWriter(cfg.output, "rollouts", max_rows=SHARD_ROWS) as writer:
        for uri in cfg.rollouts:
            for batch in iter_batches(uri, "rollouts"):
                rows = batch.to_pylist()
                for row in rows:
                    if row["step_token_ends"] is None:
                        row["step_token_ends"] = split_steps(row["completion_token_ids"], tokenizer)
                scores = score_rollouts(
                    model,
                    [r["prompt_token_ids"] for r in rows],
                    [r["completion_token_ids"] for r in rows],
                    [r["step_token_ends"] for r in rows],
                    pad_id,
                    token_budget=cfg.token_budget,
                    max_len=cfg.max_seq_len,
                )
                for row, (score, steps) in zip(rows, scores, strict=True):
                    row["rm_score"], row["rm_step_scores"] = score, steps
                    score_sum += score
                writer.write(rows)
                rows_in += len(rows)
                mlog.log(shard=uri, rows=rows_in, rows_per_s=rows_in / max(time.perf_counter() - t0, 1e-9))
    seconds = time.perf_counter() - t0
    log.info("scored rollouts", extra={"rows": rows_in, "seconds": seconds})
    return {
        "rowsIn": rows_in,
        "rowsOut": rows_in,
        "outputs": {"rollouts": writer.uris},
        "metrics": {
            "rm_score_mean": score_sum / rows_in if rows_in else 0.0,
            "rows_per_s": rows_in / seconds if seconds else 0.0,
        },
    }
