#!/usr/bin/env bash
# README's second command: installs what it needs, then runs every check and test —
# lint (Biome, ruff), type check, the generated-schema check, vitest and pytest — against a real
# S3/Step Functions emulator (LocalStack, started here unless AWS_ENDPOINT_URL already points at one).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/install.sh
# The report test opens the HTML report in headless Chromium (Debian's package).
bash scripts/chromium.sh
# One thread per test process: on two cores, torch's default threads fight each other.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"

step() { printf '\n=== %s ===\n' "$*"; }

if [ -z "${AWS_ENDPOINT_URL:-}" ]; then
  step "starting LocalStack (host mode, no Docker)"
  # shellcheck source=scripts/localstack.sh
  source scripts/localstack.sh
  localstack_start
  trap localstack_stop EXIT
fi
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export AWS_REGION="${AWS_REGION:-us-east-1}" AWS_DEFAULT_REGION="${AWS_REGION:-us-east-1}"

step "locks: each virtual environment holds exactly its lock"
.venv/bin/python scripts/check_lock.py locks/worker-cpu.txt --editable r1worker \
  --inputs locks/worker-cpu.in gpu-worker/pyproject.toml
if [ -x .localstack/venv/bin/python ]; then
  .localstack/venv/bin/python scripts/check_lock.py locks/localstack.txt --inputs locks/localstack.in
fi
# The GPU image's lock is not installed here; its inputs must still match it.
python3 scripts/check_lock.py locks/worker-gpu.txt --no-env --inputs locks/worker-gpu.in

step "lint: biome (format, lint, and layers: imports point down only, see biome.json overrides)"
npx biome check .
step "lint: ruff"
.venv/bin/ruff check gpu-worker
step "type check: tsc"
npx tsc --noEmit -p tsconfig.json
step "vitest"
npx vitest run
step "pytest"
(cd gpu-worker && ../.venv/bin/python -m pytest -q)
