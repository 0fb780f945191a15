//! Does linfa-trees' `DecisionTree` reproduce the original's decision tree? (Issue 15; the
//! answer is in the README, "Classification".) On the faithful leaderboard's five folds (the
//! original's rows, features and undersampling), fit linfa-trees' Gini tree with scikit-learn's
//! growth limits (none; a minimum impurity decrease of 1e-12, as linfa-trees refuses 0) `RUNS`
//! times, and set its validation labels
//! beside those of the study's tree (scikit-learn's algorithm, which reproduces Appendix A).
//!
//! ```text
//! cargo run --example linfa_trees -- DATA_DIR    # a data folder where `layers` and `segment` ran
//! ```

use campaign_study::data::features::{classifier_data, original_pipeline, split};
use campaign_study::ml::classifier::{cv_folds, FittedPipeline};
use campaign_study::ml::metrics::roc_auc;
use campaign_study::ml::models::{Classifier, ModelSpec};
use campaign_study::ml::resampling::undersample;
use campaign_study::StudyConfig;
use linfa::prelude::*;
use linfa_trees::DecisionTree;
use ndarray::{Array1, Axis};

const RUNS: usize = 10;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: linfa_trees DATA_DIR")?;
    let config = StudyConfig::new(dir);
    let data = classifier_data(&config)?;
    let (train, _) = split(&data, config.seed);
    let folds = cv_folds(&data, &train, 5, config.seed);
    let spec = original_pipeline(ModelSpec::DecisionTree { max_depth: None }, false);
    println!("fold  study tree ROC AUC  linfa-trees ROC AUC (labels) per run  distinct runs  labels unlike the study's");
    let (mut ours_sum, mut theirs_sum) = (0.0, 0.0);
    for (i, (tr, va)) in folds.iter().enumerate() {
        let fitted = FittedPipeline::fit_rows(&spec, &data.x, &data.y, tr, config.seed)?;
        let truth = data.labels(va);
        let ours = fitted.scores_rows(&data.x, va)?;
        let our_auc = roc_auc(&truth, &ours).ok_or("one class only")?;
        // linfa-trees on the very rows and features the study's tree was fitted on
        let z = fitted.features_rows(&data.x, tr)?;
        let y: Vec<u8> = tr.iter().map(|&r| data.y[r]).collect();
        let kept = undersample(&y, config.seed);
        let ds = Dataset::new(
            z.select(Axis(0), &kept),
            Array1::from_iter(kept.iter().map(|&r| usize::from(y[r]))),
        );
        let zv = fitted.features_rows(&data.x, va)?;
        let mut runs: Vec<Vec<usize>> = Vec::new();
        let mut aucs = Vec::new();
        for _ in 0..RUNS {
            let tree = DecisionTree::params()
                .min_impurity_decrease(1e-12)
                .fit(&ds)?;
            let labels = tree.predict(&zv).to_vec();
            let scores: Vec<f64> = labels.iter().map(|&l| l as f64).collect();
            aucs.push(roc_auc(&truth, &scores).ok_or("one class only")?);
            runs.push(labels);
        }
        let mut distinct = runs.clone();
        distinct.sort();
        distinct.dedup();
        let our_labels = fitted.model.predict(&zv)?;
        let unlike = runs[0]
            .iter()
            .zip(&our_labels)
            .filter(|(a, b)| **a != usize::from(**b))
            .count();
        println!(
            "{}     {our_auc:.6}            {}  {}  {unlike} of {}",
            i + 1,
            aucs.iter()
                .map(|a| format!("{a:.4}"))
                .collect::<Vec<_>>()
                .join(" "),
            distinct.len(),
            va.len()
        );
        ours_sum += our_auc;
        theirs_sum += aucs[0];
    }
    println!(
        "mean  {:.4} (the original's 0.7026)   linfa-trees, first run: {:.4}",
        ours_sum / 5.0,
        theirs_sum / 5.0
    );
    Ok(())
}
