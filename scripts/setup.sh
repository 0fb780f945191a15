#!/usr/bin/env bash
# Install what the tests and reports need, idempotently: the C/C++ build tools of XGBoost
# (Debian packages), the XGBoost library (built once per machine), Chromium and its WebDriver
# for the web app's browser test (Debian packages), a project-local Python venv with pinned
# nbconvert/nbclient, evcxr_jupyter at a pinned version, rust-src, and the `rust` kernel spec
# inside the venv (nothing is written to the user's Jupyter folders).
set -euo pipefail
cd "$(dirname "$0")/.."

# Install the Debian package of every command:package pair whose command is missing (an
# extra package may follow as "-:package").
apt_install() {
  local missing=()
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing ${missing[*]}" >&2
  local sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null \
    || { $sudo_cmd apt-get update >/dev/null && $sudo_cmd apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
}

# cmake + ninja build libxgboost.so; libclang lets bindgen read XGBoost's C API header.
libclang=-:libclang-dev
ls /usr/lib/llvm-*/lib/libclang.so* >/dev/null 2>&1 && libclang=clang:clang
apt_install cmake:cmake ninja:ninja-build clang:clang "$libclang"
scripts/build_xgboost.sh
# After XGBoost (CI starts the test build as soon as it exists): the browser test's Chromium.
apt_install chromium:chromium chromedriver:chromium-driver

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
# The kernel loads each cell as a shared object that links libxgboost.so: tell it where it is.
"$VENV/bin/python" - "$kernel_dir/kernel.json" "$(command -v evcxr_jupyter)" "$(readlink -f .xgboost/lib)" <<'PY'
import json, sys
path, exe, xgb = sys.argv[1], sys.argv[2], sys.argv[3]
json.dump({"argv": [exe, "--control_file", "{connection_file}"], "display_name": "Rust",
           "language": "rust", "interrupt_mode": "message",
           "env": {"LD_LIBRARY_PATH": xgb}}, open(path, "w"), indent=1)
PY
