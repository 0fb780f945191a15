//! Shared test fixtures: the study data and a data directory built once per test module.
#![allow(dead_code)]

use campaign_study::{pipeline, StudyConfig};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

/// The raw CSV: `CAMPAIGN_STUDY_TEST_DATA`, else `../shared/data/ifood_crm.csv` next to the repo.
pub fn raw_csv() -> PathBuf {
    let path = std::env::var_os("CAMPAIGN_STUDY_TEST_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ifood_crm.csv")
        });
    assert!(
        path.exists(),
        "test data not found at {} (set CAMPAIGN_STUDY_TEST_DATA)",
        path.display()
    );
    path
}

/// A fresh temporary data directory.
pub fn temp_config() -> (tempfile::TempDir, StudyConfig) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = StudyConfig::new(dir.path().join("data"));
    (dir, config)
}

/// The layers a module's tests share: a data directory, its config and the build's report.
pub type Built = (tempfile::TempDir, StudyConfig, pipeline::LayersReport);

/// Layers built once from the study data for the calling module (its source file, read from the
/// caller's location), shared by that module's tests: stages a module runs write into its own data
/// directory only, as when every module was its own test binary.
#[track_caller]
pub fn built() -> &'static Built {
    static BUILT: Mutex<BTreeMap<&'static str, &'static Built>> = Mutex::new(BTreeMap::new());
    let module = std::panic::Location::caller().file();
    let mut built = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    built.entry(module).or_insert_with(|| {
        let (dir, config) = temp_config();
        let report = pipeline::layers(&config, &raw_csv()).expect("layers build");
        Box::leak(Box::new((dir, config, report)))
    })
}

/// Every file under `root` with its bytes.
pub fn snapshot(root: &std::path::Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Bytes of every file in `paths`.
pub fn bytes_of(paths: &[std::path::PathBuf]) -> Vec<Vec<u8>> {
    paths
        .iter()
        .map(|p| std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .collect()
}

/// The model the profit stage deploys (logistic regression, C 1, Platt calibration, contact at
/// break-even), fitted on the built layers by the stage's own function, without the stage's
/// repeated CV: its validation figures are the ones the stage reports (README).
pub fn deployable() -> campaign_study::scoring::ModelArtifact {
    use campaign_study::scoring::artifact::{DecisionRule, Validation};
    campaign_study::targeting::model::fit_deployable(
        &built().1,
        campaign_study::ml::models::ModelSpec::LogisticRegression {
            c: Some(1.0),
            max_iter: 1000,
        },
        campaign_study::targeting::Calibration::Platt,
        DecisionRule::break_even(3.0, 11.0),
        Validation {
            scheme: "5 × 5-fold stratified CV, copies of a customer kept in one fold".into(),
            roc_auc: 0.918,
            roc_auc_std: 0.002,
            average_precision: 0.709,
            average_precision_std: 0.006,
        },
    )
    .expect("fit the deployable model")
}
