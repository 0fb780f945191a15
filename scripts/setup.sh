#!/usr/bin/env bash
# Install what the reports need, idempotently: a project-local Python venv with pinned
# nbconvert/nbclient, evcxr_jupyter at a pinned version, rust-src, and the `rust` kernel spec
# inside the venv (nothing is written to the user's Jupyter folders).
set -euo pipefail
cd "$(dirname "$0")/.."

EVCXR_VERSION=0.22.0
VENV=.venv

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! cmp -s requirements.txt "$VENV/.requirements.txt"; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r requirements.txt
  cp requirements.txt "$VENV/.requirements.txt"
fi

# evcxr_jupyter has no --version: ask cargo which version it installed.
if ! command -v evcxr_jupyter >/dev/null 2>&1 \
   || ! cargo install --list | grep -q "^evcxr_jupyter v$EVCXR_VERSION:"; then
  echo "installing evcxr_jupyter $EVCXR_VERSION (one-time, about 15-30 minutes on 2 cores)" >&2
  # The kernel binary itself needs no heavy optimisation: opt-level 1 and no LTO halve its build.
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_DEBUG=0 \
    cargo install evcxr_jupyter --version "$EVCXR_VERSION" --locked
fi
rustup component list --installed 2>/dev/null | grep -q '^rust-src' || rustup component add rust-src

kernel_dir="$VENV/share/jupyter/kernels/rust"
mkdir -p "$kernel_dir"
"$VENV/bin/python" - "$kernel_dir/kernel.json" "$(command -v evcxr_jupyter)" <<'PY'
import json, sys
path, exe = sys.argv[1], sys.argv[2]
json.dump({"argv": [exe, "--control_file", "{connection_file}"], "display_name": "Rust",
           "language": "rust", "interrupt_mode": "message"}, open(path, "w"), indent=1)
PY
