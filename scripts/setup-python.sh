#!/usr/bin/env bash
# Creates the project-local virtual environment (.venv) with the worker and its test tools, from the
# exact lock locks/worker-cpu.txt (CPU PyTorch 2.13.0 included; see scripts/lock.sh to regenerate).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/venv-from-lock.sh
source "$root/scripts/venv-from-lock.sh"
py="$(command -v python3.11 || command -v python3)"
if ! "$py" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)'; then
  echo "[setup] locks/worker-cpu.txt is for Python 3.11; $py is $("$py" --version 2>&1)" >&2
  exit 1
fi
venv_from_lock "$root/.venv" "$py" "$root/locks/worker-cpu.txt" "$root/gpu-worker"
