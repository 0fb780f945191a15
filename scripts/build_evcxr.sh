#!/usr/bin/env bash
# Installs the notebooks' kernel: evcxr_jupyter 0.22.0 (the latest release) built against evcxr 0.22.0
# with this repository's patch, scripts/evcxr-0.22.0.patch, which changes three things:
# - evcxr links the dependencies dynamically (notebooks/evcxr.toml: allow_static_linking = false)
#   with rustc 1.9x, whose dylibs keep their full metadata in a separate .rmeta; dynamic linking
#   gives every cell the same copy of polars, so a DataFrame bound in one cell works in the next;
# - a cell whose new variables all have written-out types (`let t: Table = ...`) no longer starts
#   rust-analyzer, which loaded and analysed every dependency's source (about 30 s of each
#   notebook's first cells); a cell with an untyped `let` still uses it;
# - a cell is compiled by the rustc command cargo last ran for the cell crate, without cargo (0.35 s
#   a cell), while evcxr's build configuration is unchanged (README, "Notebooks").
# The source is the registry's evcxr 0.22.0 (fetched and checksum-verified by cargo), the patch is
# applied with git, the build is `cargo install --locked` with the patch as a [patch] override:
# nothing but the crates registry is reached. Once per machine and patch (a marker in CARGO_HOME).
# The .rmeta part can go when an evcxr release carries it (its master passes dependencies' .rmeta
# already); the other two parts are this repository's.
set -euo pipefail
cd "$(dirname "$0")/.."
version=0.22.0
patch="$PWD/scripts/evcxr-$version.patch"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
marker="$cargo_home/.campaign-study-evcxr-$version-$(sha256sum "$patch" | cut -c1-16)"
if [ -f "$marker" ] && command -v evcxr_jupyter >/dev/null 2>&1 \
   && cargo install --list | grep -q "^evcxr_jupyter v$version"; then
  exit 0
fi
echo "build_evcxr: installing evcxr_jupyter $version with scripts/evcxr-$version.patch (one-time, about 6-8 minutes on 2 cores, longer beside other builds)" >&2
start=$(date +%s)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/fetch/src"
: > "$work/fetch/src/lib.rs"
cat > "$work/fetch/Cargo.toml" <<TOML
[package]
name = "fetch-evcxr"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
evcxr = "=$version"
TOML
cargo fetch --manifest-path "$work/fetch/Cargo.toml" >/dev/null
crate=$(ls "$cargo_home"/registry/cache/*/evcxr-$version.crate | head -1)
tar xzf "$crate" -C "$work"
git -C "$work/evcxr-$version" apply -p1 "$patch"
# The kernel binary itself needs no heavy optimisation: opt-level 1 and no LTO halve its build.
CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_DEBUG=0 \
  cargo install evcxr_jupyter --version "$version" --locked --force \
    --config "patch.crates-io.evcxr.path='$work/evcxr-$version'"
touch "$marker"
echo "build_evcxr: built in $(( $(date +%s) - start )) s" >&2
