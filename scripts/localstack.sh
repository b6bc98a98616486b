#!/usr/bin/env bash
# Starts and stops a real AWS emulator on the host, with no Docker engine: `localstack-core`
# (the last community release, 2026.3.0, which needs Python ≥ 3.12) in its own virtual environment,
# built from the exact lock locks/localstack.txt.
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
  local py
  py="$(_ls_python)" || return 1
  # shellcheck source=scripts/venv-from-lock.sh
  source "$_ls_root/scripts/venv-from-lock.sh"
  venv_from_lock "$_ls_dir/venv" "$py" "$_ls_root/locks/localstack.txt"
}

_ls_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

localstack_start() {
  _ls_install || return 1
  local port
  port="${LOCALSTACK_PORT:-$(_ls_free_port)}"
  # Everything LocalStack keeps lives under .localstack/, never in machine-wide folders, so one
  # machine's history (a certificate generated once, a plugin cache) cannot pass a test that fails
  # on the next: host mode (OVERRIDE_IN_DOCKER=0, else a sandbox that looks like a container
  # sends it to /var/lib/localstack), its filesystem root, config dir and the user cache (plux's
  # entry-point cache, LocalStack's own) all inside; started fresh each time. Its TLS certificate is
  # generated there (no download: this is offline).
  rm -rf "$_ls_dir/fs" "$_ls_dir/cache"
  mkdir -p "$_ls_dir/fs" "$_ls_dir/cache" "$_ls_dir/config"
  OVERRIDE_IN_DOCKER=0 FILESYSTEM_ROOT="$_ls_dir/fs" CONFIG_DIR="$_ls_dir/config" \
    XDG_CACHE_HOME="$_ls_dir/cache" \
    GATEWAY_LISTEN="127.0.0.1:$port" \
    SERVICES="s3,events,iam,sts,stepfunctions,cloudformation,sqs,logs" \
    SKIP_INFRA_DOWNLOADS=1 SKIP_SSL_CERT_DOWNLOAD=1 DISABLE_EVENTS=1 \
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
