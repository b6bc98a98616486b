#!/usr/bin/env bash
# Installs headless Chromium (Debian's `chromium` package) for the `r1flow inspect --html` report
# test, which opens the report in a real browser. Idempotent: does nothing when /usr/bin/chromium
# exists. Needs root (CI runs as root); otherwise it says what to run.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "chromium: /usr/bin/chromium is missing; install it with: sudo apt-get install -y chromium" >&2
  exit 1
fi
echo "[chromium] installing Debian's chromium package" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends chromium >&2
/usr/bin/chromium --version >&2
