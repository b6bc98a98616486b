#!/usr/bin/env bash
# Installs what the project needs, idempotently: Node packages (from the lock file) and the
# project-local Python virtual environment (.venv) with the worker.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
stamp="node_modules/.r1flow-lock"
want="$(sha256sum package-lock.json | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[install] node packages (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" > "$stamp"
fi
bash scripts/setup-python.sh
