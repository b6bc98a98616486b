#!/usr/bin/env bash
# Starts and stops a real AWS emulator on the host, with no Docker engine: `localstack-core`
# (the last community release, 2026.3.0, which needs Python ≥ 3.12) in its own virtual environment.
# Source it, then `localstack_start` exports AWS_ENDPOINT_URL; `localstack_stop` ends it.
# To use a LocalStack you run in Docker instead, export AWS_ENDPOINT_URL=http://localhost:4566 first.

_ls_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_ls_dir="$_ls_root/.localstack"

_ls_python() {
  local candidate
  for candidate in python3.13 python3.12 "$HOME"/.pyenv/versions/3.13*/bin/python3 "$HOME"/.pyenv/versions/3.12*/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "localstack: needs Python >= 3.12 (python3.12 or python3.13 on PATH, or under ~/.pyenv)" >&2
  return 1
}

_ls_install() {
  local venv="$_ls_dir/venv" want="localstack-core[runtime]==2026.3.0" before="2026-04-01T00:00:00Z"
  if [ -f "$venv/.installed" ] && [ "$(cat "$venv/.installed")" = "$want $before" ]; then return 0; fi
  local py
  py="$(_ls_python)" || return 1
  echo "[localstack] installing $want into $venv" >&2
  rm -rf "$venv"
  "$py" -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip >&2
  # Resolve its dependencies as of its release: later releases of cbor2 and others break it.
  "$venv/bin/pip" install --quiet --uploaded-prior-to "$before" "$want" >&2
  echo "$want $before" > "$venv/.installed"
}

_ls_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

localstack_start() {
  _ls_install || return 1
  local port
  port="${LOCALSTACK_PORT:-$(_ls_free_port)}"
  mkdir -p "$_ls_dir/state"
  # plux caches entry points per sys.path; a stale cache hides LocalStack's runtime components.
  rm -rf "$HOME/.cache/plux"
  GATEWAY_LISTEN="127.0.0.1:$port" \
    SERVICES="s3,events,iam,sts,stepfunctions,cloudformation,sqs,logs" \
    LOCALSTACK_VOLUME_DIR="$_ls_dir/state" SKIP_INFRA_DOWNLOADS=1 DISABLE_EVENTS=1 \
    SFN_MOCK_CONFIG="${SFN_MOCK_CONFIG:-$_ls_root/test/localstack/.generated/sfn-mock-config.json}" \
    "$_ls_dir/venv/bin/python" -m localstack.runtime.main >"$_ls_dir/localstack.log" 2>&1 &
  LOCALSTACK_PID=$!
  local i
  for i in $(seq 1 120); do
    if curl -sf "http://127.0.0.1:$port/_localstack/health" >/dev/null 2>&1; then
      export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
      echo "[localstack] ready at $AWS_ENDPOINT_URL after ${i}s (log: .localstack/localstack.log)" >&2
      return 0
    fi
    if ! kill -0 "$LOCALSTACK_PID" 2>/dev/null; then break; fi
    sleep 1
  done
  echo "[localstack] failed to start; last lines of .localstack/localstack.log:" >&2
  tail -n 30 "$_ls_dir/localstack.log" >&2
  return 1
}

localstack_stop() {
  if [ -n "${LOCALSTACK_PID:-}" ]; then
    kill "$LOCALSTACK_PID" 2>/dev/null || true
    wait "$LOCALSTACK_PID" 2>/dev/null || true
    unset LOCALSTACK_PID
  fi
}
