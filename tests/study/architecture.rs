//! The source tree's dependency rule (README, "Layout"): app → scoring; stages → scoring → data →
//! toolkit (ml → report),
//! with the plumbing (config, error, io) beside them. A stage never uses another stage; the data
//! contract uses no stage; reporting knows nothing of the models. The toolkit cannot know the
//! study at all: it is its own crate, which does not depend on this one (checked below from its
//! manifest). Read from the sources, so a new `use` that breaks the rule fails here.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn toolkit_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/toolkit/src")
}

/// Every `crate::<part>::<module>` path a file names, outside comments.
fn crate_paths(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let tail = &rest[i + "crate::".len()..];
            let name: String = tail
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            out.push(name.trim_end_matches(':').to_string());
            rest = &tail[name.len()..];
        }
    }
    out
}

/// Files under `dir` that name a path starting with any of `forbidden`.
fn violations_in(
    dir: &Path,
    forbidden: &[&str],
    allow: impl Fn(&Path, &str) -> bool,
) -> Vec<String> {
    let mut out = Vec::new();
    for file in rust_files(dir) {
        for p in crate_paths(&file) {
            if forbidden
                .iter()
                .any(|f| p == *f || p.starts_with(&format!("{f}::")))
                && !allow(&file, &p)
            {
                out.push(format!("{}: crate::{p}", file.display()));
            }
        }
    }
    out
}

/// Files of `part` of the study crate that name a forbidden path.
fn violations(part: &str, forbidden: &[&str], allow: impl Fn(&Path, &str) -> bool) -> Vec<String> {
    violations_in(&src().join(part), forbidden, allow)
}

#[test]
fn the_toolkit_does_not_depend_on_the_study() {
    let manifest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/toolkit/Cargo.toml"),
    )
    .unwrap();
    assert!(manifest.contains("[dependencies]"));
    assert!(
        !manifest.contains("campaign-study"),
        "the toolkit must not depend on the study crate"
    );
}

#[test]
fn reporting_knows_nothing_of_the_models() {
    let v = violations_in(&toolkit_src().join("report"), &["ml"], |_, _| false);
    assert!(v.is_empty(), "{v:#?}");
}

#[test]
fn the_data_contract_uses_no_stage() {
    let v = violations("data", &["stages", "pipeline"], |_, _| false);
    assert!(v.is_empty(), "{v:#?}");
}

#[test]
fn the_scoring_core_uses_no_stage_and_the_web_app_only_the_scoring_core() {
    let v = violations("scoring", &["stages", "pipeline", "app"], |_, _| false);
    assert!(v.is_empty(), "{v:#?}");
    let v = violations("app", &["stages", "pipeline"], |_, _| false);
    assert!(v.is_empty(), "{v:#?}");
    // the data contract knows nothing of scoring either
    let v = violations("data", &["scoring", "app"], |_, _| false);
    assert!(v.is_empty(), "{v:#?}");
}

#[test]
fn the_spark_engine_uses_only_the_data_contract_and_the_scoring_core() {
    // the engines share the rules through `data` (and the model through `scoring`), never
    // through a stage of the polars engine
    let v = violations("spark", &["stages", "pipeline", "app"], |_, _| false);
    assert!(v.is_empty(), "{v:#?}");
    let paths = crate_paths(&src().join("spark/layers.rs"));
    assert!(
        paths.iter().any(|p| p.starts_with("data::rules")),
        "{paths:?}"
    );
}

#[test]
fn a_stage_never_uses_another_stage() {
    let stage_of = |file: &Path| -> String {
        let rel = file.strip_prefix(src().join("stages")).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        first.trim_end_matches(".rs").to_string()
    };
    let v = violations("stages", &["stages", "pipeline"], |file, p| {
        p == format!("stages::{}", stage_of(file))
            || p.starts_with(&format!("stages::{}::", stage_of(file)))
    });
    assert!(v.is_empty(), "{v:#?}");
    // nor through the crate root's re-exports of the stages
    let stages = [
        "sourcing",
        "understanding",
        "processing",
        "eda",
        "analytics",
        "segmentation",
        "leaderboard",
        "training",
        "targeting",
        "deployment",
    ];
    let v = violations("stages", &stages, |_, _| false);
    assert!(v.is_empty(), "{v:#?}");
}

#[test]
fn the_checks_read_real_paths() {
    // the rule above would pass vacuously if the path reader found nothing
    let paths = crate_paths(&src().join("stages/segmentation.rs"));
    assert!(
        paths.iter().any(|p| p.starts_with("ml::clustering")),
        "{paths:?}"
    );
    assert!(
        paths.iter().any(|p| p.starts_with("data::layers")),
        "{paths:?}"
    );
}
