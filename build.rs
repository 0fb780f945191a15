//! Links the XGBoost C++ library that `scripts/build_xgboost.sh` builds once per machine.
//! `xgboost_lib-sys` (default features off) asks for `-lxgboost` without a search path; this adds
//! the path and an rpath so tests and the CLI find `libxgboost.so` at run time. The notebook
//! kernel gets the directory through `LD_LIBRARY_PATH` in its kernel spec (scripts/setup.sh).

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=XGBOOST_LIB_DIR");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let dir = std::env::var_os("XGBOOST_LIB_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join(".xgboost/lib"));
    let Ok(dir) = dir.canonicalize() else {
        panic!(
            "libxgboost.so not found in {}: run scripts/build_xgboost.sh (or set XGBOOST_LIB_DIR)",
            dir.display()
        );
    };
    println!(
        "cargo:rerun-if-changed={}",
        dir.join("libxgboost.so").display()
    );
    println!("cargo:rustc-link-search=native={}", dir.display());
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
}
