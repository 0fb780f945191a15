//! Scale benchmark (a measurement, not a test): the study's data and model path on synthetic
//! customer files of growing size.
//!
//! ```text
//! cargo run --example bench_scale -- [ROWS ...] [STEP ...]   # default: 100000 1000000, every step
//! ```
//!
//! STEP (`segment`, `lr`, `score`) runs only those after `synth` and `layers` (`score` without
//! `lr` scores with the model fitted on the case file: scoring's cost does not depend on the
//! rows a model was fitted on).
//!
//! For each size: `synth` writes the file, `layers` builds the four layers, `segment` runs the
//! k study (K-Means k = 2..10 with inertia and sampled silhouettes) and both segmentations
//! (what the `segment` stage computes, without writing), the honest logistic
//! pipeline is cross-validated (5 folds) and fitted on every kept customer with its calibrator
//! (`targeting::model::fit_deployable`, what the profit stage saves), and the file is scored
//! (`scoring::score_file`). Prints wall time, rows/s and the peak resident memory of each step
//! (the kernel's high-water mark is reset before each), as a markdown table.

mod common;

use campaign_study::ml::models::ModelSpec;
use campaign_study::scoring::artifact::{DecisionRule, Validation};
use campaign_study::scoring::{score_file, OnInvalid, Selection};
use campaign_study::targeting::model::fit_deployable;
use campaign_study::targeting::Calibration;
use campaign_study::{pipeline, segmentation, synth, StudyConfig};
use std::time::Instant;

/// Run `f`, returning its result, wall seconds and peak RSS (MiB) while it ran.
fn measured<T>(f: impl FnOnce() -> T) -> (T, f64, f64) {
    common::reset_peak_rss();
    let start = Instant::now();
    let out = f();
    (out, start.elapsed().as_secs_f64(), common::peak_rss_mib())
}

fn main() -> campaign_study::Result<()> {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let steps: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a.parse::<usize>().is_err())
        .collect();
    let run = |step: &str| steps.is_empty() || steps.iter().any(|s| s == step);
    let sizes = if sizes.is_empty() {
        vec![100_000, 1_000_000]
    } else {
        sizes
    };
    let case = StudyConfig::from_env().input_path(None)?;
    println!("| rows | step | wall (s) | rows/s | peak RSS (MiB) |");
    println!("|---|---|---|---|---|");
    for n in sizes {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("customers.csv");
        let config = StudyConfig::new(dir.path().join("data"));
        let row = |step: &str, s: f64, rss: f64| {
            println!("| {n} | {step} | {s:.2} | {:.0} | {rss:.0} |", n as f64 / s);
        };
        let (r, s, rss) = measured(|| synth::synthesize(&case, n, 42, &file));
        r?;
        row("synth", s, rss);
        let (r, s, rss) = measured(|| pipeline::layers(&config, &file));
        r?;
        row("layers", s, rss);
        if run("segment") {
            let (r, s, rss) = measured(|| segmentation::segment(&config));
            r?;
            row("segment: k study (k = 2..10), both segmentations", s, rss);
        }
        if !run("lr") && !run("score") {
            continue;
        }
        let model = if run("lr") {
            let (model, s, rss) = measured(|| honest_lr(&config));
            row("honest LR: 5-fold CV + fit + calibration", s, rss);
            model?
        } else {
            let case_dir = tempfile::tempdir().expect("temp dir");
            let case_config = StudyConfig::new(case_dir.path().join("data"));
            pipeline::layers(&case_config, &case)?;
            honest_lr(&case_config)?
        };
        if run("score") {
            let out = dir.path().join("scored.csv");
            let (r, s, rss) =
                measured(|| score_file(&model, &file, &out, Selection::Rule, OnInvalid::Skip));
            r?;
            row("score", s, rss);
        }
    }
    Ok(())
}

/// The honest logistic pipeline (C 1, Platt), cross-validated, fitted and calibrated on the
/// layers of `config`, as the profit stage fits its deployable model.
fn honest_lr(
    config: &StudyConfig,
) -> campaign_study::Result<campaign_study::scoring::ModelArtifact> {
    fit_deployable(
        config,
        ModelSpec::LogisticRegression {
            c: Some(1.0),
            max_iter: 1000,
        },
        Calibration::Platt,
        DecisionRule::break_even(3.0, 11.0),
        Validation {
            scheme: "benchmark".into(),
            roc_auc: 0.0,
            roc_auc_std: 0.0,
            average_precision: 0.0,
            average_precision_std: 0.0,
        },
    )
}
