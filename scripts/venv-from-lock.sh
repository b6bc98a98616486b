#!/usr/bin/env bash
# venv_from_lock <venv> <python> <lock> [<editable project>]
# Builds a virtual environment from an exact lock (locks/*.txt: every package pinned with its
# hashes) and nothing else: `pip install --require-hashes --no-deps`, so pip resolves nothing and a
# newer release on the index changes nothing. An editable project is installed last, with no
# dependencies and no build isolation (its build backend comes from the lock too).
# Idempotent: a stamp holds the lock's hash; a changed lock rebuilds the venv from scratch.
# Sourced by scripts/setup-python.sh and scripts/localstack.sh.

venv_from_lock() {
  local venv="$1" py="$2" lock="$3" editable="${4:-}"
  local stamp="$venv/.r1flow-lock" want
  want="$(cat "$lock" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  echo "[venv] $venv from $lock" >&2
  rm -rf "$venv"
  "$py" -m venv "$venv" || { echo "[venv] $py could not create $venv" >&2; return 1; }
  local log="$venv/.install.log" pip=("$venv/bin/python" -m pip install --disable-pip-version-check --no-input)
  # Packages published only as source build with the lock's own setuptools, never with a build
  # environment pip would resolve from the index: install the lock's build tools first.
  if ! "${pip[@]}" --require-hashes --no-deps -r <(_lock_blocks "$lock" pip setuptools wheel) >"$log" 2>&1 ||
    ! "${pip[@]}" --require-hashes --no-deps --no-build-isolation -r "$lock" >>"$log" 2>&1; then
    _venv_lock_failure "$lock" "$log"
    return 1
  fi
  if [ -n "$editable" ] && ! "${pip[@]}" --no-deps --no-build-isolation -e "$editable" >>"$log" 2>&1; then
    _venv_lock_failure "$lock" "$log"
    return 1
  fi
  echo "$want" >"$stamp"
}

# The lock's entries (a pin line and its hash lines) for the named packages.
_lock_blocks() {
  local lock="$1"
  shift
  awk -v names=" $* " '/^[A-Za-z0-9]/ { split($1, p, "=="); keep = index(names, " " tolower(p[1]) " ") > 0 }
    keep' "$lock"
}

# Names the package that failed (pip's own lines about it), then the tail of pip's log.
_venv_lock_failure() {
  local lock="$1" log="$2"
  echo "[venv] installing from $lock failed; the package pip stopped at:" >&2
  grep -E "ERROR|hash|Could not find|No matching distribution|THESE PACKAGES" "$log" | grep -v "is ignored" | head -n 12 >&2 || true
  echo "[venv] last lines of $log:" >&2
  grep -v "is ignored" "$log" | tail -n 15 >&2
}
