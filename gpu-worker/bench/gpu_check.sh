#!/usr/bin/env bash
# GPU check (≤ 10 minutes on one H100/H200): a ~0.5B Llama-style model built from a config, bf16.
# Rollout batch (vLLM if installed, else HF generate), SFT steps, a GRPO step, and a 3-iteration
# resident block (one colocated engine: generate → sleep → fake update → in-memory weight sync);
# each part in its own process. Prints JSON lines: tokens/s and model-FLOPs utilisation per part;
# for the block, time per iteration, sync seconds and the sampler/trainer log-prob gap.
#   usage: bench/gpu_check.sh            (from gpu-worker/, or anywhere: it cds there)
#          bench/gpu_check.sh --tiny     (CPU-sized smoke test)
set -euo pipefail
PYTHON="${PYTHON:-$(command -v python || command -v python3)}"  # a bare machine may have python3 only
case "$PYTHON" in /*) ;; */*) PYTHON="$PWD/$PYTHON" ;; esac  # a relative path survives the cd (venv link kept)
cd "$(dirname "$0")/.."
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
# What this Python can run: a CPU-only torch refuses the full check, and without vllm the rollout
# and block parts fall back to HF generate (the vLLM backend is then not exercised at all).
"$PYTHON" -c 'import importlib.util as u, json, torch; print(json.dumps({"torch": torch.__version__,
  "cuda": torch.cuda.is_available(), "vllm": u.find_spec("vllm") is not None}))'
for part in rollout sft grpo block; do
  limit=180
  [ "$part" = block ] && limit=240  # engine start (CUDA graphs) + 3 iterations
  timeout "$limit" "$PYTHON" -m bench.gpu_check --part "$part" "$@" || echo "{\"part\": \"$part\", \"error\": \"exit $?\"}"
done
