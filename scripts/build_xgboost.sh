#!/usr/bin/env bash
# Builds the XGBoost C++ library (3.4.1, the source vendored in the `xgboost_lib-sys` crate the lockfile pins) once per
# machine into ~/.cache/campaign-study/xgboost-<crate version>/lib, and links it into the repository as .xgboost.
# Tests, the CLI and the notebook kernel all link this one libxgboost.so (see README, "XGBoost").
set -euo pipefail
cd "$(dirname "$0")/.."
version=3.4.0   # xgboost_lib-sys, as Cargo.lock pins it
cache="${CAMPAIGN_STUDY_CACHE:-$HOME/.cache/campaign-study}/xgboost-$version"
if [ ! -f "$cache/lib/libxgboost.so" ]; then
  for tool in cmake ninja clang; do
    command -v "$tool" >/dev/null || { echo "build_xgboost: '$tool' missing (apt-get install cmake ninja-build clang libclang-dev)" >&2; exit 1; }
  done
  cargo fetch --locked >/dev/null
  src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/xgboost_lib-sys-$version/xgboost | head -1)
  [ -d "$src" ] || { echo "build_xgboost: vendored source of xgboost_lib-sys $version not found" >&2; exit 1; }
  echo "build_xgboost: compiling XGBoost from $src (once per machine, ~8 min on 2 cores)"
  start=$(date +%s)
  rm -rf "$cache.tmp" && mkdir -p "$cache.tmp"
  cp -r "$src" "$cache.tmp/src"
  cmake -S "$cache.tmp/src" -B "$cache.tmp/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_STATIC_LIB=OFF >/dev/null
  ninja -C "$cache.tmp/build" xgboost >/dev/null
  mkdir -p "$cache.tmp/lib" && cp -a "$cache.tmp/src/lib/"libxgboost.so* "$cache.tmp/lib/"
  # binaries record the library's SONAME (libxgboost.so.3): make sure that name exists
  soname=$(readelf -d "$cache.tmp/lib/libxgboost.so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
  [ -z "$soname" ] || [ -e "$cache.tmp/lib/$soname" ] || ln -s libxgboost.so "$cache.tmp/lib/$soname"
  rm -rf "$cache.tmp/build" "$cache.tmp/src"
  rm -rf "$cache" && mv "$cache.tmp" "$cache"
  echo "build_xgboost: built in $(( $(date +%s) - start )) s"
fi
ln -sfn "$cache" .xgboost
echo "build_xgboost: $(readlink -f .xgboost/lib/libxgboost.so)"
