#!/usr/bin/env bash
# README's first command: installs what it needs, then runs the main job on this machine.
# Until the local runner lands (issue "whole recipe end to end"), the main job is ingest of every
# data set in ../shared/data plus the built-in arithmetic curriculum, with a summary.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/install.sh
out="${R1FLOW_DEMO_OUT:-$root/.r1flow/demo}"
data="${R1FLOW_DATA:-$root/../shared/data}"
r1flow() { node bin/r1flow.js "$@"; }
r1flow ingest arithmetic --count 5000 --out "$out/problems/arithmetic"
r1flow ingest gsm8k "$data/gsm8k/train.jsonl" --out "$out/problems/gsm8k-train"
r1flow ingest gsm8k "$data/gsm8k/test.jsonl" --out "$out/problems/gsm8k-test"
r1flow ingest math "$data/math500/test.jsonl" --out "$out/problems/math500"
r1flow ingest math "$data/math_train/train.jsonl" --out "$out/problems/math-train"
r1flow ingest logiqa "$data/logiqa/test.jsonl" --out "$out/problems/logiqa-test"
r1flow ingest logiqa "$data/logiqa/eval.jsonl" --out "$out/problems/logiqa-eval"
for split in train dev test; do
  r1flow ingest proofwriter "$data/proofwriter/$split.jsonl" --out "$out/problems/proofwriter-$split"
done
echo
echo "problems tables under $out/problems"
