#!/usr/bin/env bash
# Creates the project-local virtual environment (.venv) with the worker and its test tools.
# torch is pinned to the CPU build that sits on CI machines; an unpinned torch pulls a CUDA build.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv"
stamp="$venv/.r1flow-installed"
want="$(cat "$root/gpu-worker/pyproject.toml" "$root/scripts/setup-python.sh" | sha256sum | cut -c1-16)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
echo "[setup] python virtual environment in $venv" >&2
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip >&2
"$venv/bin/pip" install --quiet "torch==2.13.0" >&2
"$venv/bin/pip" install --quiet -e "$root/gpu-worker[test]" >&2
echo "$want" > "$stamp"
