//! The synthetic customer generator: deterministic in its seed, schema-valid, and close to the
//! case file where the study looks (tolerances stated per check).

use crate::common;

use campaign_study::scoring::records::Records;
use campaign_study::synth::synthesize;
use common::raw_csv;
use std::path::Path;

/// Column `name` of a CSV as text values.
fn column(path: &Path, name: &str) -> Vec<Option<String>> {
    let r = Records::read_csv(path).unwrap();
    r.frame
        .column(name)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

fn mean(v: &[Option<String>]) -> f64 {
    let x: Vec<f64> = v
        .iter()
        .flatten()
        .map(|s| s.parse::<f64>().unwrap())
        .collect();
    x.iter().sum::<f64>() / x.len() as f64
}

fn share(v: &[Option<String>], value: &str) -> f64 {
    v.iter().filter(|s| s.as_deref() == Some(value)).count() as f64 / v.len() as f64
}

#[test]
fn the_generator_is_deterministic_in_its_seed() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a.csv"),
        dir.path().join("b.csv"),
        dir.path().join("c.csv"),
    );
    synthesize(&raw_csv(), 3000, 7, &a).unwrap();
    synthesize(&raw_csv(), 3000, 7, &b).unwrap();
    synthesize(&raw_csv(), 3000, 8, &c).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert_ne!(std::fs::read(&a).unwrap(), std::fs::read(&c).unwrap());
}

#[test]
fn synthetic_customers_pass_the_raw_checks_and_look_like_the_case_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("synthetic.csv");
    let report = synthesize(&raw_csv(), 40_000, 42, &path).unwrap();
    assert_eq!(report.rows, 40_000);
    // every value passes the sourcing stage's checks
    let typed = campaign_study::sourcing::read_raw(&path).unwrap();
    assert_eq!(typed.height(), 40_000);

    let case = raw_csv();
    // the response rate: 0.149 in the case file; sampling error on 40,000 rows is about 0.002
    let (rc, rs) = (
        share(&column(&case, "Response"), "1"),
        share(&column(&path, "Response"), "1"),
    );
    assert!((rc - rs).abs() < 0.01, "response rate {rs} vs {rc}");
    // missing incomes kept: 24 of 2,240 (1.07 %)
    let (mc, ms) = (
        column(&case, "Income")
            .iter()
            .filter(|v| v.is_none())
            .count() as f64
            / 2240.0,
        column(&path, "Income")
            .iter()
            .filter(|v| v.is_none())
            .count() as f64
            / 40_000.0,
    );
    assert!((mc - ms).abs() < 0.004, "missing incomes {ms} vs {mc}");
    // means within stated tolerances: income ±2 %, spends ±5 % (the log-normal jitter adds
    // about 1 %), counts ±3 %
    for (name, tol) in [
        ("Income", 0.02),
        ("MntWines", 0.05),
        ("MntMeatProducts", 0.05),
        ("MntGoldProds", 0.05),
        ("NumWebPurchases", 0.03),
        ("NumStorePurchases", 0.03),
        ("Recency", 0.03),
    ] {
        let (a, b) = (mean(&column(&case, name)), mean(&column(&path, name)));
        assert!((a - b).abs() / a < tol, "{name}: mean {b} vs {a}");
    }
    // category shares within 0.01, the rare ones present
    for (name, value) in [
        ("Education", "Graduation"),
        ("Education", "PhD"),
        ("Education", "Basic"),
        ("Marital_Status", "Married"),
        ("Marital_Status", "Single"),
    ] {
        let (a, b) = (
            share(&column(&case, name), value),
            share(&column(&path, name), value),
        );
        assert!((a - b).abs() < 0.01, "{name} = {value}: {b} vs {a}");
    }
    let marital = column(&path, "Marital_Status");
    assert!(share(&marital, "YOLO") > 0.0 && share(&marital, "Absurd") > 0.0);
    // the birth-year outliers (1893, 1899, 1900) are kept
    let oldest = column(&path, "Year_Birth")
        .iter()
        .flatten()
        .map(|v| v.parse::<i64>().unwrap())
        .min()
        .unwrap();
    assert!(oldest <= 1900, "oldest {oldest}");
}

#[test]
fn the_layers_run_on_a_million_synthetic_customers() {
    // At this size polars once joined a one-row common subexpression to a full column while
    // computing the reference date (a ShapeMismatch panic); 20,000 rows did not show it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("synthetic.csv");
    synthesize(&raw_csv(), 1_000_000, 1, &path).unwrap();
    let config = campaign_study::StudyConfig::new(dir.path().join("data"));
    let report = campaign_study::pipeline::layers(&config, &path).unwrap();
    assert_eq!(report.sourcing.rows, 1_000_000);
    let silver = report.silver.steps.last().unwrap().rows_out;
    // the case file keeps 2,205 of 2,240 (98.4 %); its outliers are resampled with it
    assert!(
        (silver as f64 / 1e6 - 2205.0 / 2240.0).abs() < 0.01,
        "{silver} of 1,000,000 kept"
    );
}
