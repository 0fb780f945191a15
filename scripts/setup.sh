#!/usr/bin/env bash
# Install what the tests and reports need, idempotently: the C/C++ build tools of XGBoost
# (Debian packages), the XGBoost library (built once per machine), Chromium and its WebDriver
# for the web app's browser test (Debian packages), protoc and a local Spark Connect server
# (Java 17, pinned pyspark) for the Spark engine's tests, a project-local Python venv with pinned
# nbconvert/nbclient, evcxr_jupyter at a pinned version with this repository's patch
# (scripts/build_evcxr.sh), rust-src, and the `rust` kernel spec
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
# protoc: the Spark Connect client (feature spark, which the tests build) compiles Spark's gRPC
# protocol files; before XGBoost, whose library starts CI's test build (.ci/run).
apt_install cmake:cmake ninja:ninja-build clang:clang "$libclang" protoc:protobuf-compiler
# and protobuf's well-known types (google/protobuf/any.proto, which Spark's files import): in
# libprotobuf-dev, only recommended by protobuf-compiler, so absent after --no-install-recommends
[ -e /usr/include/google/protobuf/any.proto ] || apt_install -:libprotobuf-dev
scripts/build_xgboost.sh
# After XGBoost (CI starts the test build as soon as it exists): the browser test's Chromium.
apt_install chromium:chromium chromedriver:chromium-driver
# mold: evcxr links every notebook cell with it when it is installed (`mold -run cargo`), faster
# than the system linker.
apt_install mold:mold

VENV=.venv

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! cmp -s requirements.txt "$VENV/.requirements.txt"; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r requirements.txt
  cp requirements.txt "$VENV/.requirements.txt"
fi

# The Spark engine's local server for the tests: Java 17 and pinned pyspark (scripts/spark.sh).
scripts/spark.sh install

# The notebooks' kernel: evcxr_jupyter 0.22.0 built with the dynamic-linking patch, once per
# machine and patch (scripts/build_evcxr.sh).
scripts/build_evcxr.sh
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
