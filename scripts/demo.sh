#!/usr/bin/env bash
# README's first command: installs what it needs, then runs the main job on this machine — the whole
# R1 recipe (ingest, curriculum, SFT, reward model, GRPO, rejection sampling, SFT round 2, eval) on
# the embedded tiny-arithmetic manifest — and shows the run with `r1flow inspect`.
# Running it again resumes (finished stages are skipped); R1FLOW_STORE picks where runs are kept.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/install.sh
store="${R1FLOW_STORE:-$root/.r1flow}"
node bin/r1flow.js run examples/tiny-arithmetic.json --store "$store"
echo
node bin/r1flow.js inspect "$store/runs/tiny-arithmetic" --html "$store/runs/tiny-arithmetic/report/report.html"
