//! Stage 8 — training (SEED_STUDY.md §7.5-7.8): grid search over valid grids only, the final
//! pipeline refitted on the 1,764 training rows, its evaluation on the untouched 441 test rows,
//! the train-vs-CV-vs-test check, feature importance, and the saved model.
//!
//! Tuned: logistic regression (the original's choice: k of SelectKBest, C, penalty) and the two
//! other models with the best mean CV average precision on the leaderboard (read from the gold
//! layer). Every candidate is cross-validated on the leaderboard's folds (the original tuned on
//! unshuffled folds and reported shuffled ones); the refit metric is average precision, as the
//! original's. The final model is the tuned candidate with the best mean CV AP.

mod report;

use crate::config::{StudyConfig, CV_FOLDS};
use crate::data::features::{classifier_data, original_pipeline, split};
use crate::data::layers::read_means;
use crate::data::original::{
    original_means, ORIGINAL_TEST, ORIGINAL_TEST_CONFUSION, ORIGINAL_TUNED_CV,
};
use crate::error::{PolarsContext, Result, StudyError};
use crate::ml::classifier::{
    cross_validate_models, cv_folds, ClassifierData, Evaluation, PipelineSpec, Scores, METRICS,
};
use crate::ml::inspection::permutation_importance;
use crate::ml::metrics::{precision_recall_curve, roc_curve, Confusion};
use crate::ml::models::extra_trees::ExtraTreesParams;
use crate::ml::models::{FittedModel, MlpParams, ModelSpec};
use crate::report::charts::{line_chart, line_panel, Chart, Panel, PanelKind};
use crate::report::table::Table;
use polars::prelude::{Column, DataFrame};

/// A fitted pipeline, as training saves it and `data::layers::load_model` reads it back.
pub use crate::ml::classifier::FittedPipeline;

/// Numbers of features SelectKBest may keep (the original's grid).
pub const K_GRID: [usize; 4] = [10, 15, 20, 25];

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
        ModelSpec::Mlp(_) => [(100, 1e-4), (100, 1e-2), (20, 1e-2)]
            .into_iter()
            .map(|(units, alpha)| {
                ModelSpec::Mlp(MlpParams {
                    hidden: vec![units],
                    alpha,
                    ..MlpParams::default()
                })
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
                ..original_pipeline(m, leak_free)
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
    use rayon::prelude::*;
    // one k at a time, its pipeline's steps fitted once per fold for every model of the grid;
    // the candidates in [`candidates`]' order, each seeded alone (the same results at any
    // thread count)
    let models = model_grid(family);
    let results: Vec<Evaluation> = K_GRID
        .par_iter()
        .map(|&k| {
            let base = PipelineSpec {
                k,
                ..original_pipeline(ModelSpec::Dummy, leak_free)
            };
            cross_validate_models(&base, &models, data, folds, seed)
        })
        .collect::<toolkit::Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    debug_assert!(results
        .iter()
        .zip(candidates(family, leak_free))
        .all(|(e, c)| e.spec == c));
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
    let pipeline = FittedPipeline::fit_rows(&evaluation.spec, &data.x, &data.y, train, seed)?;
    let score = |rows: &[usize]| -> Result<(Vec<u8>, Vec<f64>, Scores)> {
        let truth = data.labels(rows);
        let s = pipeline.scores_rows(&data.x, rows)?;
        let m = Scores::of(&truth, &s, &pipeline.labels_of(&s));
        Ok((truth, s, m))
    };
    let (_, _, train_scores) = score(train)?;
    let (test_truth, test_scores, test_metrics) = score(test)?;
    let test_features = pipeline.features_rows(&data.x, test)?;
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
    use rayon::prelude::*;
    let folds = cv_folds(data, train, CV_FOLDS, seed);
    // the families side by side (each seeded alone, collected in order: the same results at
    // any thread count), so that one family's refit runs beside another's grid
    let tuned: Vec<(GridSearch, FinalModel)> = families
        .par_iter()
        .map(|family| {
            let g = grid_search(data, &folds, family, leak_free, seed)?;
            let f = finalise(data, g.best(), train, test, seed)?;
            Ok((g, f))
        })
        .collect::<Result<_>>()?;
    let (grids, finals): (Vec<GridSearch>, Vec<FinalModel>) = tuned.into_iter().unzip();
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
    let data = classifier_data(config)?;
    let (tr, te) = split(&data, config.seed);
    // both variants side by side (independent: the same results as one after the other)
    let (faithful, leak_free) = rayon::join(
        || tune(&data, &tr, &te, &families, false, config.seed),
        || tune(&data, &tr, &te, &families, true, config.seed),
    );
    Ok(Training {
        faithful: faithful?,
        leak_free: leak_free?,
        initial_lr: means
            .iter()
            .find(|(m, _)| m == "LogisticRegression")
            .map(|(_, s)| *s),
    })
}

/// Run the stage: write `grid_search.csv` and `final_metrics.csv` to gold, and save both final
/// pipelines to `models/`, with the faithful tuned logistic regression (the original's choice).
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
    t.faithful
        .final_of("LogisticRegression")
        .ok_or_else(|| StudyError::Invalid("logistic regression was not tuned".into()))?
        .pipeline
        .save(&config.original_model())?;
    Ok(t)
}
