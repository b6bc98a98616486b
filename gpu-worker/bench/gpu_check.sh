#!/usr/bin/env bash
# GPU check (≤ 8 minutes on one H100/H200): a ~0.5B Llama-style model built from a config, bf16.
# Rollout batch (vLLM if installed, else HF generate), SFT steps, a GRPO step; each part in its own
# process. Prints one JSON line per part: tokens/s and model-FLOPs utilisation.
#   usage: bench/gpu_check.sh            (from gpu-worker/, or anywhere: it cds there)
#          bench/gpu_check.sh --tiny     (CPU-sized smoke test)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
for part in rollout sft grpo; do
  timeout 180 "$PYTHON" -m bench.gpu_check --part "$part" "$@" || echo "{\"part\": \"$part\", \"error\": \"exit $?\"}"
done
