//! Shared test fixtures: the study data and a data directory built once per test binary.
#![allow(dead_code)]

use campaign_study::{pipeline, StudyConfig};
use std::path::PathBuf;
use std::sync::OnceLock;

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

/// Layers built once from the study data, shared by the tests of one binary.
pub fn built() -> &'static (tempfile::TempDir, StudyConfig, pipeline::LayersReport) {
    static BUILT: OnceLock<(tempfile::TempDir, StudyConfig, pipeline::LayersReport)> =
        OnceLock::new();
    BUILT.get_or_init(|| {
        let (dir, config) = temp_config();
        let report = pipeline::layers(&config, &raw_csv()).expect("layers build");
        (dir, config, report)
    })
}

/// Bytes of every file in `paths`.
pub fn bytes_of(paths: &[std::path::PathBuf]) -> Vec<Vec<u8>> {
    paths
        .iter()
        .map(|p| std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .collect()
}
