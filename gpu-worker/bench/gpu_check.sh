#!/usr/bin/env bash
# GPU check (≤ 10 minutes on one H100/H200): a ~0.5B Llama-style model built from a config, bf16.
# Rollout batch (vLLM if installed, else HF generate), SFT steps, a GRPO step, and a 3-iteration
# resident block (one colocated engine: generate → sleep → fake update → in-memory weight sync);
# each part in its own process. Prints JSON lines: tokens/s and model-FLOPs utilisation per part;
# for the block, time per iteration, sync seconds and the sampler/trainer log-prob gap.
#   usage: bench/gpu_check.sh            (from gpu-worker/, or anywhere: it cds there)
#          bench/gpu_check.sh --tiny     (CPU-sized smoke test)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
for part in rollout sft grpo block; do
  limit=180
  [ "$part" = block ] && limit=240  # engine start (CUDA graphs) + 3 iterations
  timeout "$limit" "$PYTHON" -m bench.gpu_check --part "$part" "$@" || echo "{\"part\": \"$part\", \"error\": \"exit $?\"}"
done
