//! Stage 7 — model selection (SEED_STUDY.md §7.3-7.4): the leaderboard a data scientist would
//! get from PyCaret's `compare_models`. Every model runs inside the original's pipeline
//! (column transformer → SelectKBest k = 10 → undersampling → model) under the same seeded
//! stratified 5-fold CV of the 1,764 training rows; the 441 test rows are not touched here.
//! The faithful run keeps the original's `Cluster` feature (fitted with `Response`: a leak);
//! the leak-free run drops it.

use crate::config::{StudyConfig, CV_FOLDS};
use crate::data::features::{classifier_data, original_pipeline, split};
use crate::data::original::original_means;
use crate::error::{PolarsContext, Result};
use crate::ml::classifier::{
    cross_validate_models, cv_folds, ClassifierData, Evaluation, Scores, METRICS,
};
use crate::ml::models::ModelSpec;
use crate::report::charts::{grouped_boxes, Chart, Group};
use crate::report::table::Table;
use polars::prelude::*;

/// Cross-validated metrics of every leaderboard model.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaderboard {
    pub leak_free: bool,
    pub evaluations: Vec<Evaluation>,
}

/// Run the leaderboard on the training rows.
pub fn compare(
    data: &ClassifierData,
    train_rows: &[usize],
    leak_free: bool,
    seed: u64,
) -> Result<Leaderboard> {
    let folds = cv_folds(data, train_rows, CV_FOLDS, seed);
    // the pipeline's steps fitted once per fold, the models on their output in parallel (each
    // seeded alone: the same table at any thread count)
    let evaluations = cross_validate_models(
        &original_pipeline(ModelSpec::Dummy, leak_free),
        &ModelSpec::leaderboard(),
        data,
        &folds,
        seed,
    )?;
    Ok(Leaderboard {
        leak_free,
        evaluations,
    })
}

fn short(name: &str) -> String {
    name.trim_end_matches("Classifier").to_string()
}

/// A difference with its sign, to 4 decimals; one that rounds to zero is +0.0000 (not −0.0000).
fn signed(d: f64) -> String {
    let r = (d * 1e4).round() / 1e4;
    format!("{:+.4}", if r == 0.0 { 0.0 } else { r })
}

fn pm(mean: f64, std: f64) -> String {
    format!("{mean:.4} ± {std:.4}")
}

impl Leaderboard {
    fn variant(&self) -> &'static str {
        if self.leak_free {
            "leak-free (no Cluster)"
        } else {
            "faithful (with Cluster)"
        }
    }

    /// Mean ± standard deviation over the folds of every metric, and time per fold.
    pub fn table(&self) -> Table {
        let mut columns = vec!["Model".to_string()];
        columns.extend(METRICS.iter().map(|m| m.to_string()));
        columns.push("Time (s)".into());
        let rows = self
            .evaluations
            .iter()
            .map(|e| {
                let (m, s) = (e.mean().values(), e.std().values());
                let mut r = vec![e.spec.model.name().to_string()];
                r.extend((0..5).map(|i| pm(m[i], s[i])));
                r.push(format!("{:.3}", e.mean_time()));
                r
            })
            .collect();
        Table::new(columns, rows).with_caption(format!(
            "Leaderboard, {}: mean ± std over {CV_FOLDS} stratified CV folds of the training rows",
            self.variant()
        ))
    }

    /// Our mean ROC AUC and AP beside the original's (§7.4).
    pub fn comparison_table(&self) -> Table {
        let columns = [
            "Model",
            "ROC AUC (ours)",
            "ROC AUC (original)",
            "Δ ROC AUC",
            "AP (ours)",
            "AP (original)",
            "Δ AP",
            "Recall (ours)",
            "Recall (original)",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let rows = self
            .evaluations
            .iter()
            .map(|e| {
                let ours = e.mean();
                let name = e.spec.model.name();
                match original_means(name) {
                    Some(o) => vec![
                        name.to_string(),
                        format!("{:.4}", ours.roc_auc),
                        format!("{:.4}", o.roc_auc),
                        signed(ours.roc_auc - o.roc_auc),
                        format!("{:.4}", ours.average_precision),
                        format!("{:.4}", o.average_precision),
                        signed(ours.average_precision - o.average_precision),
                        format!("{:.4}", ours.recall),
                        format!("{:.4}", o.recall),
                    ],
                    None => vec![name.to_string(); 1],
                }
            })
            .collect();
        Table::new(columns, rows).with_caption(format!(
            "Mean CV metrics, {}, beside the original's (SEED_STUDY.md §7.4)",
            self.variant()
        ))
    }

    /// Mean metrics of the model called `name`.
    pub fn mean_of(&self, name: &str) -> Option<Scores> {
        self.evaluations
            .iter()
            .find(|e| e.spec.model.name() == name)
            .map(Evaluation::mean)
    }

    /// One box plot per metric (and time) across models: each box is a model's folds.
    pub fn chart(&self) -> Chart {
        let mut metrics: Vec<(String, Vec<Group>)> = METRICS
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let groups = self
                    .evaluations
                    .iter()
                    .map(|e| {
                        Group::new(
                            short(e.spec.model.name()),
                            e.folds.iter().map(|f| f.scores.values()[i]).collect(),
                        )
                    })
                    .collect();
                (m.to_string(), groups)
            })
            .collect();
        metrics.push((
            "Time (s)".into(),
            self.evaluations
                .iter()
                .map(|e| {
                    Group::new(
                        short(e.spec.model.name()),
                        e.folds.iter().map(|f| f.time).collect(),
                    )
                })
                .collect(),
        ));
        grouped_boxes(
            &format!("Cross-validated metrics per model, {}", self.variant()),
            "model",
            metrics,
        )
    }

    /// The gold table: one row per model and fold
    /// (`Model,Fold,Accuracy,Precision,Recall,ROC AUC,Average Precision`). Fit times are not in
    /// it (they change from run to run; the gold layer does not): see [`Leaderboard::times_frame`].
    pub fn frame(&self) -> Result<DataFrame> {
        self.frame_with(false)
    }

    /// Wall-clock fit-and-score time of every model and fold, seconds (`Model,Fold,Time`): a
    /// report, not a gold table.
    pub fn times_frame(&self) -> Result<DataFrame> {
        self.frame_with(true)
    }

    fn frame_with(&self, times: bool) -> Result<DataFrame> {
        let rows: Vec<(&str, &crate::ml::classifier::FoldResult)> = self
            .evaluations
            .iter()
            .flat_map(|e| e.folds.iter().map(move |f| (e.spec.model.name(), f)))
            .collect();
        let mut cols = vec![
            Column::new(
                "Model".into(),
                rows.iter().map(|r| r.0.to_string()).collect::<Vec<_>>(),
            ),
            Column::new(
                "Fold".into(),
                rows.iter().map(|r| r.1.fold as i64).collect::<Vec<_>>(),
            ),
        ];
        if times {
            cols.push(Column::new(
                "Time".into(),
                rows.iter().map(|r| r.1.time).collect::<Vec<_>>(),
            ));
        } else {
            for (i, m) in METRICS.iter().enumerate() {
                cols.push(Column::new(
                    (*m).into(),
                    rows.iter()
                        .map(|r| r.1.scores.values()[i])
                        .collect::<Vec<_>>(),
                ));
            }
        }
        Ok(DataFrame::new_infer_height(cols)
            .ctx(|| "building the leaderboard table".to_string())?)
    }
}

/// What the model-selection stage computed.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    pub faithful: Leaderboard,
    pub leak_free: Leaderboard,
    pub train_rows: usize,
    pub train_positives: usize,
    pub test_rows: usize,
    pub test_positives: usize,
}

/// Run both leaderboards on the training split.
pub fn select(config: &StudyConfig) -> Result<Selection> {
    let data = classifier_data(config)?;
    let (train, test) = split(&data, config.seed);
    let pos = |rows: &[usize]| rows.iter().filter(|&&i| data.y[i] == 1).count();
    Ok(Selection {
        faithful: compare(&data, &train, false, config.seed)?,
        leak_free: compare(&data, &train, true, config.seed)?,
        train_rows: train.len(),
        train_positives: pos(&train),
        test_rows: test.len(),
        test_positives: pos(&test),
    })
}

/// Run the stage and write the gold tables `models_metrics.csv` (faithful, the original's
/// table) and `models_metrics_leak_free.csv`.
pub fn run(config: &StudyConfig) -> Result<Selection> {
    let s = select(config)?;
    crate::io::write_csv(&mut s.faithful.frame()?, &config.gold_models_metrics())?;
    crate::io::write_csv(
        &mut s.leak_free.frame()?,
        &config.gold_models_metrics_leak_free(),
    )?;
    crate::io::write_csv(&mut s.faithful.times_frame()?, &config.fit_times(false))?;
    crate::io::write_csv(&mut s.leak_free.times_frame()?, &config.fit_times(true))?;
    Ok(s)
}

impl Selection {
    /// The split the leaderboards were computed on.
    pub fn split_table(&self) -> Table {
        Table::new(
            vec![
                "part".into(),
                "rows".into(),
                "responders".into(),
                "share".into(),
            ],
            vec![
                vec![
                    "train / validation".into(),
                    self.train_rows.to_string(),
                    self.train_positives.to_string(),
                    format!(
                        "{:.1} %",
                        100.0 * self.train_positives as f64 / self.train_rows as f64
                    ),
                ],
                vec![
                    "test (held out)".into(),
                    self.test_rows.to_string(),
                    self.test_positives.to_string(),
                    format!(
                        "{:.1} %",
                        100.0 * self.test_positives as f64 / self.test_rows as f64
                    ),
                ],
            ],
        )
        .with_caption(
            "Stratified 80/20 split, seed 42 (SEED_STUDY.md §7.2: 1764 / 441, 266 / 67 responders)",
        )
    }

    /// What the leak was worth: each model's mean ROC AUC and AP with and without `Cluster`.
    pub fn leak_table(&self) -> Table {
        let columns = [
            "Model",
            "ROC AUC faithful",
            "ROC AUC leak-free",
            "Δ",
            "AP faithful",
            "AP leak-free",
            "Δ ",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let rows = self
            .faithful
            .evaluations
            .iter()
            .zip(&self.leak_free.evaluations)
            .map(|(f, l)| {
                let (a, b) = (f.mean(), l.mean());
                vec![
                    f.spec.model.name().to_string(),
                    format!("{:.4}", a.roc_auc),
                    format!("{:.4}", b.roc_auc),
                    signed(b.roc_auc - a.roc_auc),
                    format!("{:.4}", a.average_precision),
                    format!("{:.4}", b.average_precision),
                    signed(b.average_precision - a.average_precision),
                ]
            })
            .collect();
        Table::new(columns, rows)
            .with_caption("Mean CV metrics with the target-derived Cluster feature and without it")
    }

    /// Chart files of this stage.
    pub fn figures(&self) -> Vec<(String, Chart)> {
        vec![
            ("07_boxplot_models".into(), self.faithful.chart()),
            ("07_boxplot_models_leak_free".into(), self.leak_free.chart()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_that_round_to_zero_have_no_minus_sign() {
        assert_eq!(signed(-1e-17), "+0.0000");
        assert_eq!(signed(-0.00004), "+0.0000");
        assert_eq!(signed(-0.00049), "-0.0005");
        assert_eq!(signed(0.0039), "+0.0039");
    }
}
