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
# The GRPO block's scoring child runs from a bundle of the TypeScript (bin/bundle-cache.js); build it
# now rather than at the first block (about 1 s on two cores). Starting the child checks it: with no
# input it prints its ready line and exits. Rebuilt by the child itself whenever a source changes.
if ! node bin/r1flow-scorer.js < /dev/null | grep -q '"ready":true'; then
  echo "[install] the scoring child (node bin/r1flow-scorer.js) did not start: see its error above" >&2
  exit 1
fi
