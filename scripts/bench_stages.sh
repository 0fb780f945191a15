#!/usr/bin/env bash
# The whole study's compute, stage by stage (a measurement, not a test; README, "Speed"):
#   scripts/bench_stages.sh [BIN] [WORKDIR]
# runs the CLI stages `layers` through `profit` one after another in a fresh WORKDIR (default: a
# temporary folder, removed after) on the input named by CAMPAIGN_STUDY_INPUT (default: the shared
# case file) and prints each stage's wall seconds and their total on one line. BIN defaults to the
# dev build the notebooks use (`cargo build --locked` first). To compare two builds, copy each
# binary aside and alternate them, a few rounds each, on an otherwise idle machine.
set -euo pipefail
repo=$(realpath "$(dirname "$0")/..")
BIN=$(realpath "${1:-$repo/target/debug/campaign-study}")
INPUT=$(realpath "${CAMPAIGN_STUDY_INPUT:-$repo/../shared/data/ifood_crm.csv}")
if [ -n "${2:-}" ]; then
  WORK=$2
  rm -rf "$WORK"
  mkdir -p "$WORK"
else
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
fi
cd "$WORK"
ms() { echo $(($(date +%s%N) / 1000000)); }
seconds() { printf '%d.%02d' $(($1 / 1000)) $((($1 % 1000) / 10)); }
line=""
total=0
for stage in layers eda segment select train profit; do
  start=$(ms)
  if [ "$stage" = layers ]; then
    "$BIN" layers --input "$INPUT" >"$stage.log" 2>&1
  else
    "$BIN" "$stage" >"$stage.log" 2>&1
  fi
  took=$(($(ms) - start))
  total=$((total + took))
  line="$line $stage $(seconds $took)"
done
echo "${line# } total $(seconds $total)"
