#!/usr/bin/env bash
# Regenerates the Python lock files in locks/ from their .in inputs (developers only; installs never
# resolve, they read these locks). Each lock pins every package, transitive ones included, with the
# sha256 of every file PyPI publishes for that version, so `pip install --require-hashes` installs the
# same bytes on any machine whatever newer releases its index serves.
#
# The resolver is uv (pinned below), run against PyPI, which publishes upload dates: LocalStack's lock
# is resolved as of its last community release (2026-03), since later releases of its dependencies
# break it. That date only picks the versions written here; no install reads it.
#
#   bash scripts/lock.sh            # all locks
#   bash scripts/lock.sh localstack # one of: worker-cpu, worker-gpu, localstack
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
uv_version="0.13.9"
tools="${TMPDIR:-/tmp}/r1flow-lock-tools"
if [ ! -x "$tools/bin/uv" ] || [ "$("$tools/bin/uv" --version | cut -d' ' -f2)" != "$uv_version" ]; then
  python3 -m venv "$tools"
  "$tools/bin/pip" install --quiet "uv==$uv_version"
fi
uv="$tools/bin/uv"

find_python() { # find_python 3.12 → an interpreter of that minor version
  local c
  for c in "python$1" "$HOME"/.pyenv/versions/"$1".*/bin/python3; do
    # pyenv shims exist for versions that are not active: run each candidate to be sure.
    if "$c" -c 'import sys' >/dev/null 2>&1; then command -v "$c"; return 0; fi
  done
  echo "lock: needs a Python $1 interpreter to resolve for" >&2
  return 1
}

compile() { # compile <name> <python minor> <extra uv args...>
  local name="$1" py="$2"
  shift 2
  echo "[lock] locks/$name.txt (Python $py)" >&2
  "$uv" pip compile "locks/$name.in" "$@" \
    --python "$(find_python "$py")" --python-platform x86_64-manylinux_2_28 \
    --generate-hashes --no-header --quiet -o "locks/$name.txt"
}

want="${1:-all}"
if [ "$want" = all ] || [ "$want" = worker-cpu ]; then
  # The CPU torch build is a local wheel (find-links); the rest comes from PyPI.
  compile worker-cpu 3.11 gpu-worker/pyproject.toml --extra test \
    --find-links /opt/wheels --override <(grep -E '^torch==' locks/worker-cpu.in)
fi
if [ "$want" = all ] || [ "$want" = worker-gpu ]; then
  compile worker-gpu 3.12
fi
if [ "$want" = all ] || [ "$want" = localstack ]; then
  compile localstack 3.12 --exclude-newer 2026-04-01 --exclude-newer-package pip=2026-12-01
fi
