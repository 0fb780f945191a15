//! Stage 8 — training (SEED_STUDY.md §7.5-7.8): grid search over valid grids only, the final
//! pipeline refitted on the 1,764 training rows, its evaluation on the untouched 441 test rows,
//! the train-vs-CV-vs-test check, feature importance, and the saved model.
//!
//! Tuned: logistic regression (the original's choice: k of SelectKBest, C, penalty) and the two
//! other models with the best mean CV average precision on the leaderboard (read from the gold
//! layer). Every candidate is cross-validated on the leaderboard's folds (the original tuned on
//! unshuffled folds and reported shuffled ones); the refit metric is average precision, as the
//! original's. The final model is the tuned candidate with the best mean CV AP.

use crate::charts::{line_chart, line_panel, Chart, Panel, PanelKind};
use crate::classifier::{
    cross_validate, cv_folds, split, ClassifierData, Evaluation, FittedPipeline, PipelineSpec,
    Scores, METRICS,
};
use crate::config::StudyConfig;
use crate::error::{PolarsContext, Result, StudyError};
use crate::extra_trees::ExtraTreesParams;
use crate::leaderboard::{read_means, FOLDS};
use crate::metrics::{precision_recall_curve, roc_auc, roc_curve, Confusion};
use crate::models::{Classifier, FittedModel, ModelSpec};
use crate::table::Table;
use polars::prelude::{Column, DataFrame};
use rand_xoshiro::rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;

/// Numbers of features SelectKBest may keep (the original's grid).
pub const K_GRID: [usize; 4] = [10, 15, 20, 25];

/// The original's tuned logistic regression, CV means (§7.6) and test metrics (§7.7).
pub const ORIGINAL_TUNED_CV: [f64; 5] = [0.7988, 0.4165, 0.7855, 0.8789, 0.6071];
pub const ORIGINAL_TEST: [f64; 5] = [0.8027, 0.4138, 0.7164, 0.8725, 0.6219];
/// The original's test confusion matrix: TN, FP, FN, TP.
pub const ORIGINAL_TEST_CONFUSION: [usize; 4] = [306, 68, 19, 48];

/// The hyper-parameter candidates of a model family. Only valid combinations: every candidate
/// fits (the original's grid had 196 of 336 combinations fail silently, §7.5).
pub fn model_grid(family: &ModelSpec) -> Vec<ModelSpec> {
    match family {
        ModelSpec::Dummy => vec![ModelSpec::Dummy],
        ModelSpec::LogisticRegression { .. } => {
            // L2 with C = 10^-3 … 10^3, and no penalty. (linfa and smartcore have no L1
            // logistic regression: the original's 'l1' and 'elasticnet' have no counterpart.)
            let mut g: Vec<ModelSpec> = (-3..=3)
                .map(|e| ModelSpec::LogisticRegression {
                    c: Some(10f64.powi(e)),
                    max_iter: 1000,
                })
                .collect();
            g.push(ModelSpec::LogisticRegression {
                c: None,
                max_iter: 1000,
            });
            g
        }
        ModelSpec::DecisionTree { .. } => [Some(2), Some(4), Some(6), None]
            .into_iter()
            .map(|max_depth| ModelSpec::DecisionTree { max_depth })
            .collect(),
        ModelSpec::Knn { .. } => [5, 15, 31, 51]
            .into_iter()
            .map(|k| ModelSpec::Knn { k })
            .collect(),
        ModelSpec::Svc { .. } => [0.1, 0.3, 1.0, 3.0, 10.0]
            .into_iter()
            .map(|c| ModelSpec::Svc { c })
            .collect(),
        ModelSpec::ExtraTrees(_) => [None, Some(4), Some(8)]
            .into_iter()
            .map(|max_depth| {
                ModelSpec::ExtraTrees(ExtraTreesParams {
                    max_depth,
                    ..Default::default()
                })
            })
            .collect(),
        ModelSpec::RandomForest { trees, .. } => [None, Some(4), Some(8)]
            .into_iter()
            .map(|max_depth| ModelSpec::RandomForest {
                trees: *trees,
                max_depth,
            })
            .collect(),
        ModelSpec::GradientBoosting { .. } => [
            (100, 0.1, 3),
            (100, 0.05, 2),
            (200, 0.05, 2),
            (300, 0.03, 3),
        ]
        .into_iter()
        .map(
            |(stages, learning_rate, max_depth)| ModelSpec::GradientBoosting {
                stages,
                learning_rate,
                max_depth,
            },
        )
        .collect(),
        ModelSpec::AdaBoost { .. } => [(50, 1.0), (100, 0.5), (200, 0.5), (200, 1.0)]
            .into_iter()
            .map(|(stumps, learning_rate)| ModelSpec::AdaBoost {
                stumps,
                learning_rate,
            })
            .collect(),
        ModelSpec::XGBoost { .. } => [(100, 6, 0.3), (100, 2, 0.1), (200, 3, 0.05), (300, 2, 0.05)]
            .into_iter()
            .map(|(rounds, max_depth, eta)| ModelSpec::XGBoost {
                rounds,
                max_depth,
                eta,
            })
            .collect(),
    }
}

/// Every candidate of one family: its model grid × [`K_GRID`].
pub fn candidates(family: &ModelSpec, leak_free: bool) -> Vec<PipelineSpec> {
    K_GRID
        .iter()
        .flat_map(|&k| {
            model_grid(family).into_iter().map(move |m| PipelineSpec {
                k,
                ..PipelineSpec::original(m, leak_free)
            })
        })
        .collect()
}

/// The cross-validated candidates of one family and the best by mean average precision.
#[derive(Debug, Clone, PartialEq)]
pub struct GridSearch {
    pub family: String,
    pub results: Vec<Evaluation>,
    pub best: usize,
}

impl GridSearch {
    pub fn best(&self) -> &Evaluation {
        &self.results[self.best]
    }
}

/// Cross-validate every candidate of `family` on `folds`.
pub fn grid_search(
    data: &ClassifierData,
    folds: &[(Vec<usize>, Vec<usize>)],
    family: &ModelSpec,
    leak_free: bool,
    seed: u64,
) -> Result<GridSearch> {
    let results: Vec<Evaluation> = candidates(family, leak_free)
        .iter()
        .map(|spec| cross_validate(spec, data, folds, seed))
        .collect::<Result<_>>()?;
    let best = (0..results.len())
        .max_by(|a, b| {
            let (x, y) = (
                results[*a].mean().average_precision,
                results[*b].mean().average_precision,
            );
            // ties: the earlier (simpler) candidate
            x.total_cmp(&y).then(b.cmp(a))
        })
        .unwrap_or(0);
    Ok(GridSearch {
        family: family.name().to_string(),
        results,
        best,
    })
}

/// A tuned pipeline refitted on all training rows, and its evaluation.
#[derive(Debug)]
pub struct FinalModel {
    pub pipeline: FittedPipeline,
    /// Mean and std of the CV folds of the chosen candidate.
    pub cv: Scores,
    pub cv_std: Scores,
    /// The refitted pipeline scored on its own training rows.
    pub train: Scores,
    /// …and on the held-out test rows.
    pub test: Scores,
    pub confusion: Confusion,
    pub test_truth: Vec<u8>,
    pub test_scores: Vec<f64>,
    /// The model's inputs on the test rows (for permutation importance).
    pub test_features: ndarray::Array2<f64>,
}

impl FinalModel {
    pub fn name(&self) -> &'static str {
        self.pipeline.spec.model.name()
    }

    /// Over/under-fitting verdict from the ROC AUC on training rows, in CV and on the test rows.
    pub fn verdict(&self) -> String {
        let (tr, cv, sd, te) = (
            self.train.roc_auc,
            self.cv.roc_auc,
            self.cv_std.roc_auc,
            self.test.roc_auc,
        );
        let numbers = format!(
            "ROC AUC on its training rows {tr:.3}, in CV {cv:.3} ± {sd:.3}, on the test rows {te:.3}"
        );
        if tr - cv > 0.05 {
            format!(
                "Overfitting: {numbers}. The model fits its training rows {:.3} better than rows it has not seen.",
                tr - cv
            )
        } else if cv - te > 2.0 * sd.max(0.01) {
            format!(
                "Worse on the test rows than CV promised: {numbers} — more than two fold standard deviations below."
            )
        } else if cv < 0.7 {
            format!("Underfitting: {numbers} — weak everywhere.")
        } else {
            format!(
                "Good fit: {numbers}. Training and CV differ by {:.3}, and the test score lies {:.1} fold standard deviations from the CV mean.",
                tr - cv,
                (te - cv).abs() / sd.max(1e-9)
            )
        }
    }
}

/// Refit `spec` on the training rows and evaluate it.
pub fn finalise(
    data: &ClassifierData,
    evaluation: &Evaluation,
    train: &[usize],
    test: &[usize],
    seed: u64,
) -> Result<FinalModel> {
    let pipeline = FittedPipeline::fit(
        &evaluation.spec,
        &data.x.take(train),
        &data.labels(train),
        seed,
    )?;
    let score = |rows: &[usize]| -> Result<(Vec<u8>, Vec<f64>, Scores)> {
        let truth = data.labels(rows);
        let s = pipeline.scores(&data.x.take(rows))?;
        let m = Scores::of(&truth, &s, &pipeline.labels_of(&s));
        Ok((truth, s, m))
    };
    let (_, _, train_scores) = score(train)?;
    let (test_truth, test_scores, test_metrics) = score(test)?;
    let test_features = pipeline.features(&data.x.take(test))?;
    Ok(FinalModel {
        test_features,
        confusion: Confusion::of(&test_truth, &pipeline.labels_of(&test_scores)),
        cv: evaluation.mean(),
        cv_std: evaluation.std(),
        train: train_scores,
        test: test_metrics,
        test_truth,
        test_scores,
        pipeline,
    })
}

/// Grid searches and final models of one variant (faithful or leak-free).
#[derive(Debug)]
pub struct Tuning {
    pub leak_free: bool,
    pub grids: Vec<GridSearch>,
    pub finals: Vec<FinalModel>,
    /// Index (in `finals`) of the final model: the best mean CV AP.
    pub chosen: usize,
}

impl Tuning {
    pub fn chosen(&self) -> &FinalModel {
        &self.finals[self.chosen]
    }

    fn variant(&self) -> &'static str {
        if self.leak_free {
            "leak-free"
        } else {
            "faithful"
        }
    }

    /// The final model of a family, if it was tuned.
    pub fn final_of(&self, family: &str) -> Option<&FinalModel> {
        self.finals.iter().find(|f| f.name() == family)
    }
}

/// Tune `families` on the training rows and evaluate their best candidates on the test rows.
pub fn tune(
    data: &ClassifierData,
    train: &[usize],
    test: &[usize],
    families: &[ModelSpec],
    leak_free: bool,
    seed: u64,
) -> Result<Tuning> {
    let folds = cv_folds(data, train, FOLDS, seed);
    let mut grids = Vec::new();
    let mut finals = Vec::new();
    for family in families {
        let g = grid_search(data, &folds, family, leak_free, seed)?;
        finals.push(finalise(data, g.best(), train, test, seed)?);
        grids.push(g);
    }
    let chosen = (0..finals.len())
        .max_by(|a, b| {
            finals[*a]
                .cv
                .average_precision
                .total_cmp(&finals[*b].cv.average_precision)
                .then(b.cmp(a))
        })
        .unwrap_or(0);
    Ok(Tuning {
        leak_free,
        grids,
        finals,
        chosen,
    })
}

/// The families to tune: logistic regression and the two other non-dummy models with the best
/// mean CV average precision in the leaderboard `means`.
pub fn families(means: &[(String, Scores)]) -> Vec<ModelSpec> {
    let board = ModelSpec::leaderboard();
    let mut others: Vec<&(String, Scores)> = means
        .iter()
        .filter(|(m, _)| m != "DummyClassifier" && m != "LogisticRegression")
        .collect();
    others.sort_by(|a, b| b.1.average_precision.total_cmp(&a.1.average_precision));
    let mut out = vec![ModelSpec::LogisticRegression {
        c: Some(1.0),
        max_iter: 100,
    }];
    for (name, _) in others.into_iter().take(2) {
        if let Some(spec) = board.iter().find(|s| s.name() == name) {
            out.push(spec.clone());
        }
    }
    out
}

/// What the training stage computed.
#[derive(Debug)]
pub struct Training {
    pub faithful: Tuning,
    pub leak_free: Tuning,
    /// Mean CV metrics of the untuned logistic regression (the leaderboard's), for §7.6.
    pub initial_lr: Option<Scores>,
}

/// Run the grid searches and final evaluations, both variants. Reads the faithful leaderboard
/// from the gold layer (the model-selection stage must have run).
pub fn train(config: &StudyConfig) -> Result<Training> {
    let means = read_means(&config.gold_models_metrics())?;
    let families = families(&means);
    let data = ClassifierData::load(config)?;
    let (tr, te) = split(&data, config.seed);
    Ok(Training {
        faithful: tune(&data, &tr, &te, &families, false, config.seed)?,
        leak_free: tune(&data, &tr, &te, &families, true, config.seed)?,
        initial_lr: means
            .iter()
            .find(|(m, _)| m == "LogisticRegression")
            .map(|(_, s)| *s),
    })
}

/// Run the stage: write `grid_search.csv` and `final_metrics.csv` to gold, and save both final
/// pipelines to `models/`.
pub fn run(config: &StudyConfig) -> Result<Training> {
    let t = train(config)?;
    crate::io::write_csv(&mut t.grid_frame()?, &config.gold_grid_search())?;
    crate::io::write_csv(&mut t.final_frame()?, &config.gold_final_metrics())?;
    t.faithful
        .chosen()
        .pipeline
        .save(&config.final_model(false))?;
    t.leak_free
        .chosen()
        .pipeline
        .save(&config.final_model(true))?;
    Ok(t)
}

fn f4(v: f64) -> String {
    format!("{v:.4}")
}

fn metric_cells(s: &Scores) -> Vec<String> {
    s.values().iter().map(|v| f4(*v)).collect()
}

/// Permutation importance (hand-written: no Rust crate has it): the drop in test ROC AUC when
/// one model input is shuffled, `repeats` times; (feature, mean drop, std).
pub fn permutation_importance(
    model: &FittedModel,
    x: &ndarray::Array2<f64>,
    truth: &[u8],
    names: &[String],
    repeats: usize,
    seed: u64,
) -> Result<Vec<(String, f64, f64)>> {
    let base = roc_auc(truth, &model.scores(x)?).unwrap_or(f64::NAN);
    let mut rng = Xoshiro256Plus::seed_from_u64(seed);
    let mut out = Vec::new();
    for (j, name) in names.iter().enumerate() {
        let mut drops = Vec::with_capacity(repeats);
        for _ in 0..repeats {
            let mut xp = x.clone();
            let perm = crate::resampling::permutation(&mut rng, x.nrows());
            xp.column_mut(j)
                .assign(&x.column(j).select(ndarray::Axis(0), &perm));
            drops.push(base - roc_auc(truth, &model.scores(&xp)?).unwrap_or(f64::NAN));
        }
        let m = drops.iter().sum::<f64>() / repeats as f64;
        let sd = (drops.iter().map(|d| (d - m) * (d - m)).sum::<f64>()
            / (repeats.max(2) - 1) as f64)
            .sqrt();
        out.push((name.clone(), m, sd));
    }
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    Ok(out)
}

impl Training {
    fn tunings(&self) -> [&Tuning; 2] {
        [&self.faithful, &self.leak_free]
    }

    /// Every candidate of one family's grid (faithful variant), ranked by mean CV AP.
    pub fn grid_table(&self, family: &str, leak_free: bool) -> Result<Table> {
        let t = if leak_free {
            &self.leak_free
        } else {
            &self.faithful
        };
        let g = t
            .grids
            .iter()
            .find(|g| g.family == family)
            .ok_or_else(|| StudyError::Invalid(format!("{family} was not tuned")))?;
        let mut order: Vec<usize> = (0..g.results.len()).collect();
        order.sort_by(|a, b| {
            g.results[*b]
                .mean()
                .average_precision
                .total_cmp(&g.results[*a].mean().average_precision)
        });
        let mut columns = vec!["rank".to_string(), "k".into(), "parameters".into()];
        columns.extend(METRICS.iter().map(|m| m.to_string()));
        columns.push("AP std".into());
        let rows = order
            .iter()
            .enumerate()
            .map(|(rank, &i)| {
                let e = &g.results[i];
                let mut r = vec![
                    (rank + 1).to_string(),
                    e.spec.k.to_string(),
                    e.spec.model.describe(),
                ];
                r.extend(metric_cells(&e.mean()));
                r.push(f4(e.std().average_precision));
                r
            })
            .collect();
        Ok(Table::new(columns, rows).with_caption(format!(
            "Grid search, {family}, {}: {} candidates (every one valid), mean CV metrics, ranked by average precision",
            t.variant(),
            g.results.len()
        )))
    }

    /// §7.6: the logistic regression before and after tuning, beside the original's.
    pub fn growth_table(&self) -> Table {
        let mut columns = vec!["Logistic regression".to_string()];
        columns.extend(METRICS.iter().map(|m| m.to_string()));
        let mut rows = Vec::new();
        if let Some(s) = &self.initial_lr {
            let mut r = vec!["Initial (ours)".to_string()];
            r.extend(metric_cells(s));
            rows.push(r);
        }
        let mut r = vec!["Initial (original)".to_string()];
        r.extend(metric_cells(
            &crate::leaderboard::original_means("LogisticRegression").unwrap_or_default(),
        ));
        rows.push(r);
        for t in self.tunings() {
            if let Some(f) = t.final_of("LogisticRegression") {
                let mut r = vec![format!(
                    "Tuned, {} ({})",
                    t.variant(),
                    f.pipeline.spec.model.describe() + &format!(", k {}", f.pipeline.spec.k)
                )];
                r.extend(metric_cells(&f.cv));
                rows.push(r);
            }
        }
        let mut r = vec!["Tuned (original: k 25, C 1000, l2, saga)".to_string()];
        r.extend(metric_cells(&Scores::from_values(ORIGINAL_TUNED_CV)));
        rows.push(r);
        Table::new(columns, rows)
            .with_caption("Mean CV metrics of logistic regression before and after tuning")
    }

    /// Test-split evaluation of every tuned model, both variants, beside the original's.
    pub fn test_table(&self) -> Table {
        let mut columns = vec![
            "variant".to_string(),
            "model".into(),
            "k".into(),
            "TN".into(),
            "FP".into(),
            "FN".into(),
            "TP".into(),
        ];
        columns.extend(METRICS.iter().map(|m| m.to_string()));
        let mut rows = Vec::new();
        for t in self.tunings() {
            for (i, f) in t.finals.iter().enumerate() {
                let c = f.confusion;
                let mark = if i == t.chosen { " (final)" } else { "" };
                let mut r = vec![
                    t.variant().to_string(),
                    format!("{}{mark}", f.name()),
                    f.pipeline.spec.k.to_string(),
                    c.tn.to_string(),
                    c.fp.to_string(),
                    c.fn_.to_string(),
                    c.tp.to_string(),
                ];
                r.extend(metric_cells(&f.test));
                rows.push(r);
            }
        }
        let o = ORIGINAL_TEST_CONFUSION;
        let mut r = vec![
            "original".to_string(),
            "LogisticRegression (tuned)".into(),
            "25".into(),
            o[0].to_string(),
            o[1].to_string(),
            o[2].to_string(),
            o[3].to_string(),
        ];
        r.extend(metric_cells(&Scores::from_values(ORIGINAL_TEST)));
        rows.push(r);
        Table::new(columns, rows)
            .with_caption("Evaluation on the 441 held-out test rows (default threshold)")
    }

    /// Train vs CV vs test of the final models (§7.8), with the verdicts.
    pub fn fit_table(&self) -> Table {
        let mut columns = vec!["variant".to_string(), "model".into(), "rows".into()];
        columns.extend(METRICS.iter().map(|m| m.to_string()));
        let mut rows = Vec::new();
        for t in self.tunings() {
            let f = t.chosen();
            for (set, s) in [
                ("training rows (refit)", &f.train),
                ("CV mean (validation folds)", &f.cv),
                ("test rows", &f.test),
            ] {
                let mut r = vec![
                    t.variant().to_string(),
                    f.name().to_string(),
                    set.to_string(),
                ];
                r.extend(metric_cells(s));
                rows.push(r);
            }
        }
        Table::new(columns, rows).with_caption(format!(
            "Over/under-fitting check. Faithful: {} Leak-free: {}",
            self.faithful.chosen().verdict(),
            self.leak_free.chosen().verdict()
        ))
    }

    /// Coefficients of the tuned logistic regression on its selected (scaled) features.
    pub fn coefficients_table(&self, leak_free: bool) -> Result<Table> {
        let t = if leak_free {
            &self.leak_free
        } else {
            &self.faithful
        };
        let f = t
            .final_of("LogisticRegression")
            .ok_or_else(|| StudyError::Invalid("logistic regression was not tuned".into()))?;
        let FittedModel::LogisticRegression(lr) = &f.pipeline.model else {
            return Err(StudyError::Invalid("not a logistic regression".into()));
        };
        let mut rows: Vec<(String, f64)> = f
            .pipeline
            .feature_names()
            .into_iter()
            .zip(lr.coef.iter().copied())
            .collect();
        rows.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        let mut out: Vec<Vec<String>> = rows
            .into_iter()
            .map(|(n, c)| vec![n, format!("{c:+.3}"), format!("{:.2}", c.exp())])
            .collect();
        out.push(vec![
            "(intercept)".into(),
            format!("{:+.3}", lr.intercept),
            String::new(),
        ]);
        Ok(Table::new(
            vec!["feature".into(), "coefficient".into(), "odds ratio per unit".into()],
            out,
        )
        .with_caption(format!(
            "Tuned logistic regression, {}: coefficients by magnitude (inputs one-hot, standardised, Yeo-Johnson or min-max scaled)",
            t.variant()
        )))
    }

    /// Permutation importance of the final model on the test rows (ROC AUC drop, 20 repeats).
    pub fn importance(&self, leak_free: bool, seed: u64) -> Result<Vec<(String, f64, f64)>> {
        let t = if leak_free {
            &self.leak_free
        } else {
            &self.faithful
        };
        let f = t.chosen();
        permutation_importance(
            &f.pipeline.model,
            &f.test_features,
            &f.test_truth,
            &f.pipeline.feature_names(),
            20,
            seed,
        )
    }

    /// Importance as a table.
    pub fn importance_table(&self, leak_free: bool, seed: u64) -> Result<Table> {
        let t = if leak_free {
            &self.leak_free
        } else {
            &self.faithful
        };
        let rows = self
            .importance(leak_free, seed)?
            .into_iter()
            .map(|(n, m, s)| vec![n, format!("{m:+.4}"), format!("{s:.4}")])
            .collect();
        Ok(Table::new(
            vec![
                "feature".into(),
                "ROC AUC drop (mean)".into(),
                "std (20 shuffles)".into(),
            ],
            rows,
        )
        .with_caption(format!(
            "Permutation importance of the final {} model ({}) on the test rows",
            t.variant(),
            t.chosen().name()
        )))
    }

    /// ROC and precision-recall curves of both final models on the test rows.
    pub fn curves_chart(&self) -> Chart {
        let mut roc = Vec::new();
        let mut pr = Vec::new();
        for t in self.tunings() {
            let f = t.chosen();
            let label = format!(
                "{} {} (AUC {:.3}, AP {:.3})",
                t.variant(),
                f.name(),
                f.test.roc_auc,
                f.test.average_precision
            );
            roc.push((label.clone(), roc_curve(&f.test_truth, &f.test_scores)));
            pr.push((label, precision_recall_curve(&f.test_truth, &f.test_scores)));
        }
        let truth = &self.faithful.chosen().test_truth;
        let base = truth.iter().filter(|t| **t == 1).count() as f64 / truth.len().max(1) as f64;
        roc.push(("chance".into(), vec![(0.0, 0.0), (1.0, 1.0)]));
        pr.push((
            format!("base rate {base:.3}"),
            vec![(0.0, base), (1.0, base)],
        ));
        line_chart(
            "Final models on the 441 test rows",
            vec![
                line_panel(
                    "ROC curve",
                    "false positive rate",
                    "true positive rate",
                    roc,
                ),
                line_panel("Precision-recall curve", "recall", "precision", pr),
            ],
        )
        .with_panel_size(520, 420)
    }

    /// Bars of the permutation importance of the final faithful model.
    pub fn importance_chart(&self, leak_free: bool, seed: u64) -> Result<Chart> {
        let imp = self.importance(leak_free, seed)?;
        let t = if leak_free {
            &self.leak_free
        } else {
            &self.faithful
        };
        let h = 60 + 22 * imp.len() as u32;
        Ok(Chart::single(
            "Permutation importance on the test rows",
            Panel {
                title: format!(
                    "{} {}: ROC AUC drop when shuffled",
                    t.variant(),
                    t.chosen().name()
                ),
                x_label: "ROC AUC drop".into(),
                y_label: String::new(),
                kind: PanelKind::Bars {
                    labels: imp.iter().map(|r| r.0.clone()).collect(),
                    values: imp.iter().map(|r| r.1).collect(),
                    annotate: true,
                    diverging: true,
                },
            },
        )
        .with_panel_size(760, h))
    }

    /// Chart files of this stage.
    pub fn figures(&self, seed: u64) -> Result<Vec<(String, Chart)>> {
        Ok(vec![
            ("08_test_curves".into(), self.curves_chart()),
            (
                "08_permutation_importance".into(),
                self.importance_chart(false, seed)?,
            ),
            (
                "08_permutation_importance_leak_free".into(),
                self.importance_chart(true, seed)?,
            ),
        ])
    }

    /// Gold table of every grid candidate: variant, model, k, parameters, mean CV metrics.
    pub fn grid_frame(&self) -> Result<DataFrame> {
        let mut v = (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            vec![Vec::new(); 5],
        );
        for t in self.tunings() {
            for g in &t.grids {
                for e in &g.results {
                    v.0.push(t.variant().to_string());
                    v.1.push(g.family.clone());
                    v.2.push(e.spec.k as i64);
                    v.3.push(e.spec.model.describe());
                    for (col, x) in v.4.iter_mut().zip(e.mean().values()) {
                        col.push(x);
                    }
                }
            }
        }
        let mut cols = vec![
            Column::new("Variant".into(), v.0),
            Column::new("Model".into(), v.1),
            Column::new("k".into(), v.2),
            Column::new("Parameters".into(), v.3),
        ];
        for (m, col) in METRICS.iter().zip(v.4) {
            cols.push(Column::new((*m).into(), col));
        }
        DataFrame::new_infer_height(cols).ctx(|| "building the grid table".to_string())
    }

    /// Gold table of the final models: variant, model, set (train / cv / test), metrics.
    pub fn final_frame(&self) -> Result<DataFrame> {
        let mut v = (Vec::new(), Vec::new(), Vec::new(), vec![Vec::new(); 5]);
        for t in self.tunings() {
            for f in &t.finals {
                for (set, s) in [("train", &f.train), ("cv", &f.cv), ("test", &f.test)] {
                    v.0.push(t.variant().to_string());
                    v.1.push(f.name().to_string());
                    v.2.push(set.to_string());
                    for (col, x) in v.3.iter_mut().zip(s.values()) {
                        col.push(x);
                    }
                }
            }
        }
        let mut cols = vec![
            Column::new("Variant".into(), v.0),
            Column::new("Model".into(), v.1),
            Column::new("Set".into(), v.2),
        ];
        for (m, col) in METRICS.iter().zip(v.3) {
            cols.push(Column::new((*m).into(), col));
        }
        DataFrame::new_infer_height(cols).ctx(|| "building the final-metrics table".to_string())
    }
}
