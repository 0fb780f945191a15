//! The classifier pipeline, fitted inside each training fold only — column transformer →
//! SelectKBest (ANOVA F) → random undersampling → model — its metrics and stratified
//! cross-validation with out-of-fold scores (scikit-learn's `Pipeline` and `cross_validate`).

use crate::error::{Error, Result};
use crate::ml::feature_selection::SelectKBest;
use crate::ml::metrics::{average_precision, roc_auc, Confusion};
use crate::ml::model_selection::stratified_k_fold;
use crate::ml::models::{Classifier, FittedModel, ModelSpec};
use crate::ml::preprocessing::{ColumnTransformer, Columns, Roles};
use crate::ml::resampling::undersample;
use ndarray::{Array2, Axis};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Instant;

/// Features and binary target of a classification problem, one row per customer.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassifierData {
    /// The feature columns.
    pub x: Columns,
    /// The target (0/1).
    pub y: Vec<u8>,
}

impl ClassifierData {
    /// Labels of the given rows.
    pub fn labels(&self, rows: &[usize]) -> Vec<u8> {
        rows.iter().map(|&i| self.y[i]).collect()
    }
}

/// An unfitted pipeline: transformer roles, how many features to keep, whether to undersample,
/// and the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineSpec {
    pub roles: Roles,
    pub k: usize,
    pub undersample: bool,
    pub model: ModelSpec,
}

/// A fitted pipeline: everything needed to score new customers from their silver columns.
#[derive(Debug, Serialize, Deserialize)]
pub struct FittedPipeline {
    pub spec: PipelineSpec,
    pub transformer: ColumnTransformer,
    pub selector: SelectKBest,
    pub model: FittedModel,
    /// Rows (of the data it was given) the model itself was fitted on, after undersampling.
    pub model_rows: usize,
}

/// A pipeline's steps before its model, fitted on some rows, and the model's training matrix
/// and labels (after undersampling): what [`FittedPipeline::fit_rows`] fits once and
/// [`cross_validate_models`] shares between models.
struct Steps {
    transformer: ColumnTransformer,
    selector: SelectKBest,
    z: Array2<f64>,
    y: Vec<u8>,
}

impl Steps {
    fn fit(spec: &PipelineSpec, x: &Columns, y: &[u8], rows: &[usize], seed: u64) -> Result<Self> {
        let transformer = ColumnTransformer::fit_rows(&spec.roles, x, rows)?;
        let z = transformer.transform_rows(x, rows)?;
        let y: Vec<u8> = rows.iter().map(|&i| y[i]).collect();
        let selector = SelectKBest::fit(&z, &y, spec.k);
        let z = selector.apply(z);
        let (z, y) = if spec.undersample {
            let kept = undersample(&y, seed);
            let yr: Vec<u8> = kept.iter().map(|&i| y[i]).collect();
            (z.select(Axis(0), &kept), yr)
        } else {
            (z, y)
        };
        Ok(Self {
            transformer,
            selector,
            z,
            y,
        })
    }
}

impl FittedPipeline {
    /// Fit every step on `x`, `y` only: the transformer and the selector on all given rows, the
    /// model on the undersampled ones.
    pub fn fit(spec: &PipelineSpec, x: &Columns, y: &[u8], seed: u64) -> Result<Self> {
        Self::fit_rows(spec, x, y, &(0..y.len()).collect::<Vec<_>>(), seed)
    }

    /// [`fit`](Self::fit) on the given rows of `x` (`y`: the labels of every row of `x`),
    /// reading them in place: the training rows become one feature matrix, no copy of the
    /// table (what makes a fold of millions of rows fit in memory).
    pub fn fit_rows(
        spec: &PipelineSpec,
        x: &Columns,
        y: &[u8],
        rows: &[usize],
        seed: u64,
    ) -> Result<Self> {
        let steps = Steps::fit(spec, x, y, rows, seed)?;
        Ok(Self {
            spec: spec.clone(),
            model: spec.model.fit(&steps.z, &steps.y, seed)?,
            model_rows: steps.y.len(),
            transformer: steps.transformer,
            selector: steps.selector,
        })
    }

    /// The model's input: transformed and selected features of `x`.
    pub fn features(&self, x: &Columns) -> Result<Array2<f64>> {
        Ok(self.selector.apply(self.transformer.transform(x)?))
    }

    /// The model's input for the given rows of `x`.
    pub fn features_rows(&self, x: &Columns, rows: &[usize]) -> Result<Array2<f64>> {
        Ok(self
            .selector
            .apply(self.transformer.transform_rows(x, rows)?))
    }

    /// Score of class 1 for every row of `x`.
    pub fn scores(&self, x: &Columns) -> Result<Vec<f64>> {
        self.model.scores(&self.features(x)?)
    }

    /// Score of class 1 for the given rows of `x`.
    pub fn scores_rows(&self, x: &Columns, rows: &[usize]) -> Result<Vec<f64>> {
        self.model.scores(&self.features_rows(x, rows)?)
    }

    /// Labels at the model's default threshold.
    pub fn predict(&self, x: &Columns) -> Result<Vec<u8>> {
        self.model.predict(&self.features(x)?)
    }

    /// Labels from scores already computed.
    pub fn labels_of(&self, scores: &[f64]) -> Vec<u8> {
        let t = self.model.threshold();
        scores.iter().map(|s| u8::from(*s > t)).collect()
    }

    /// Names of the selected features (scikit-learn's `<transformer>__<column>` names).
    pub fn feature_names(&self) -> Vec<String> {
        let all = self.transformer.feature_names();
        self.selector
            .selected
            .iter()
            .map(|&i| all[i].clone())
            .collect()
    }

    /// The fitted steps, one row each, as the original's notebook printed its pipeline.
    pub fn steps_table(&self) -> crate::report::table::Table {
        let t = &self.transformer;
        let rows = vec![
            vec![
                "pre_processing".to_string(),
                "ColumnTransformer".into(),
                format!(
                    "one-hot {} columns → {} features; standard {}; Yeo-Johnson {}; min-max {}",
                    t.one_hot.len(),
                    t.one_hot.iter().map(|o| o.names().len()).sum::<usize>(),
                    t.standard.len(),
                    t.power.len(),
                    t.min_max.len()
                ),
            ],
            vec![
                "feature_selection".into(),
                if self.spec.k >= t.feature_names().len() {
                    "SelectKBest(f_classif, k = all): every feature kept".to_string()
                } else {
                    format!("SelectKBest(f_classif, k = {})", self.spec.k)
                },
                self.feature_names().join(", "),
            ],
            vec![
                "resampling".into(),
                if self.spec.undersample {
                    "RandomUnderSampler".into()
                } else {
                    "none".into()
                },
                format!("model fitted on {} rows", self.model_rows),
            ],
            vec![
                "model".into(),
                self.spec.model.name().into(),
                self.spec.model.describe(),
            ],
        ];
        crate::report::table::Table::new(
            vec!["step".into(), "estimator".into(), "fitted".into()],
            rows,
        )
        .with_caption("The fitted pipeline")
    }

    /// Save as JSON (atomically).
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::io::write_json(self, path)
    }

    /// Load a pipeline saved by [`FittedPipeline::save`].
    pub fn load(path: &Path) -> Result<Self> {
        if !path.exists() {
            return Err(Error::MissingFile {
                path: path.to_path_buf(),
            });
        }
        crate::io::read_json(path)
    }
}

/// The names of the five metrics, as the original's tables.
pub const METRICS: [&str; 5] = [
    "Accuracy",
    "Precision",
    "Recall",
    "ROC AUC",
    "Average Precision",
];

/// Metrics of class 1: accuracy, precision and recall of the labels; ROC AUC and average
/// precision of the scores.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Scores {
    pub accuracy: f64,
    pub precision: f64,
    pub recall: f64,
    pub roc_auc: f64,
    pub average_precision: f64,
}

impl Scores {
    /// Metrics of `labels` and `scores` against `truth`; ROC AUC and AP are NaN when `truth`
    /// holds one class only.
    pub fn of(truth: &[u8], scores: &[f64], labels: &[u8]) -> Self {
        let c = Confusion::of(truth, labels);
        Self {
            accuracy: c.accuracy(),
            precision: c.precision(),
            recall: c.recall(),
            roc_auc: roc_auc(truth, scores).unwrap_or(f64::NAN),
            average_precision: average_precision(truth, scores).unwrap_or(f64::NAN),
        }
    }

    pub fn values(&self) -> [f64; 5] {
        [
            self.accuracy,
            self.precision,
            self.recall,
            self.roc_auc,
            self.average_precision,
        ]
    }

    pub fn from_values(v: [f64; 5]) -> Self {
        Self {
            accuracy: v[0],
            precision: v[1],
            recall: v[2],
            roc_auc: v[3],
            average_precision: v[4],
        }
    }

    /// Mean of each metric.
    pub fn mean(all: &[Scores]) -> Self {
        let n = all.len().max(1) as f64;
        let mut m = [0.0; 5];
        for s in all {
            for (a, v) in m.iter_mut().zip(s.values()) {
                *a += v / n;
            }
        }
        Self::from_values(m)
    }

    /// Sample standard deviation of each metric (n − 1; 0 for one value).
    pub fn std(all: &[Scores]) -> Self {
        let mean = Self::mean(all).values();
        let d = (all.len().max(2) - 1) as f64;
        let mut v = [0.0; 5];
        for s in all {
            for ((a, x), m) in v.iter_mut().zip(s.values()).zip(mean) {
                *a += (x - m) * (x - m) / d;
            }
        }
        Self::from_values(v.map(f64::sqrt))
    }
}

/// One cross-validation fold of one pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldResult {
    pub fold: usize,
    pub scores: Scores,
    /// Fit + score time, seconds.
    pub time: f64,
    /// Validation rows (of the whole data) and their scores: out-of-fold predictions.
    pub rows: Vec<usize>,
    pub oof: Vec<f64>,
}

/// Cross-validation of one pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub spec: PipelineSpec,
    pub folds: Vec<FoldResult>,
}

impl Evaluation {
    pub fn mean(&self) -> Scores {
        Scores::mean(&self.folds.iter().map(|f| f.scores).collect::<Vec<_>>())
    }
    pub fn std(&self) -> Scores {
        Scores::std(&self.folds.iter().map(|f| f.scores).collect::<Vec<_>>())
    }
    pub fn mean_time(&self) -> f64 {
        self.folds.iter().map(|f| f.time).sum::<f64>() / self.folds.len().max(1) as f64
    }
}

/// Stratified folds of `rows` (indices into the whole data) as (training, validation) rows.
pub fn cv_folds(
    data: &ClassifierData,
    rows: &[usize],
    k: usize,
    seed: u64,
) -> Vec<(Vec<usize>, Vec<usize>)> {
    let y = data.labels(rows);
    stratified_k_fold(&y, k, seed)
        .into_iter()
        .map(|(tr, va)| {
            (
                tr.iter().map(|&i| rows[i]).collect(),
                va.iter().map(|&i| rows[i]).collect(),
            )
        })
        .collect()
}

/// Training cells (rows × input columns) above which the folds of a cross-validation run one
/// after another, each fit parallel inside (its products and transforms run over blocks of
/// rows): side by side, every fold's feature matrix would be in memory at once (at 10 million
/// customers, 2.6 GB each). The results are the same either way.
pub const PARALLEL_FOLDS_MAX_CELLS: usize = 1 << 26;

/// Cross-validate `spec` on `folds`: each fold's pipeline is fitted on that fold's training rows
/// only and scored on its validation rows. Folds run in parallel (rayon) unless the data are
/// large (see [`PARALLEL_FOLDS_MAX_CELLS`]); each is seeded alone and the results keep the
/// folds' order, so they are the same at any thread count (the fit times, wall clock, are not).
pub fn cross_validate(
    spec: &PipelineSpec,
    data: &ClassifierData,
    folds: &[(Vec<usize>, Vec<usize>)],
    seed: u64,
) -> Result<Evaluation> {
    let mut one =
        cross_validate_models(spec, std::slice::from_ref(&spec.model), data, folds, seed)?;
    Ok(one.remove(0))
}

/// [`cross_validate`] of several models that share one pipeline (the roles, `k` and
/// undersampling of `base`; its model is ignored): in every fold the transformer, the selector
/// and the undersampling are fitted once and each model is fitted on their output, where
/// separate runs would fit the same steps on the same rows once per model. The same numbers as
/// fitting each pipeline alone (tested); each fold's time is the shared steps' time plus the
/// model's own, what the pipeline costs alone. Folds (unless the data are large, as in
/// [`cross_validate`]) and models run in parallel, each seeded alone.
pub fn cross_validate_models(
    base: &PipelineSpec,
    models: &[ModelSpec],
    data: &ClassifierData,
    folds: &[(Vec<usize>, Vec<usize>)],
    seed: u64,
) -> Result<Vec<Evaluation>> {
    use rayon::prelude::*;
    let specs: Vec<PipelineSpec> = models
        .iter()
        .map(|m| PipelineSpec {
            model: m.clone(),
            ..base.clone()
        })
        .collect();
    let fold = |(i, (train, valid)): (usize, &(Vec<usize>, Vec<usize>))| {
        let start = Instant::now();
        let steps = Steps::fit(base, &data.x, &data.y, train, seed)?;
        let zv = steps
            .selector
            .apply(steps.transformer.transform_rows(&data.x, valid)?);
        let truth = data.labels(valid);
        let shared = start.elapsed().as_secs_f64();
        specs
            .par_iter()
            .map(|spec| {
                let start = Instant::now();
                let model = spec.model.fit(&steps.z, &steps.y, seed)?;
                let oof = model.scores(&zv)?;
                let t = model.threshold();
                let labels: Vec<u8> = oof.iter().map(|s| u8::from(*s > t)).collect();
                Ok(FoldResult {
                    fold: i + 1,
                    scores: Scores::of(&truth, &oof, &labels),
                    time: shared + start.elapsed().as_secs_f64(),
                    rows: valid.clone(),
                    oof,
                })
            })
            .collect::<Result<Vec<_>>>()
    };
    let cells = data.y.len() * data.x.0.len();
    let per_fold = if cells > PARALLEL_FOLDS_MAX_CELLS {
        folds
            .iter()
            .enumerate()
            .map(fold)
            .collect::<Result<Vec<_>>>()?
    } else {
        folds
            .par_iter()
            .enumerate()
            .map(fold)
            .collect::<Result<Vec<_>>>()?
    };
    Ok(specs
        .into_iter()
        .enumerate()
        .map(|(m, spec)| Evaluation {
            spec,
            folds: per_fold.iter().map(|f| f[m].clone()).collect(),
        })
        .collect())
}

/// Out-of-fold scores of `spec` under `repeats` repetitions of stratified k-fold CV of `rows`
/// (repetition r draws its folds with seed + r): every row is scored once per repetition by a
/// pipeline that never saw it. Returns one evaluation per repetition.
pub fn repeated_cross_validate(
    spec: &PipelineSpec,
    data: &ClassifierData,
    rows: &[usize],
    k: usize,
    repeats: usize,
    seed: u64,
) -> Result<Vec<Evaluation>> {
    let models = std::slice::from_ref(&spec.model);
    let mut one = repeated_cross_validate_models(spec, models, data, rows, k, repeats, seed)?;
    Ok(one.remove(0))
}

/// [`repeated_cross_validate`] of several models sharing `base`'s steps
/// ([`cross_validate_models`] in every repetition): for each model, one evaluation per
/// repetition.
pub fn repeated_cross_validate_models(
    base: &PipelineSpec,
    models: &[ModelSpec],
    data: &ClassifierData,
    rows: &[usize],
    k: usize,
    repeats: usize,
    seed: u64,
) -> Result<Vec<Vec<Evaluation>>> {
    use rayon::prelude::*;
    let by_repeat = (0..repeats as u64)
        .into_par_iter()
        .map(|r| {
            cross_validate_models(base, models, data, &cv_folds(data, rows, k, seed + r), seed)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((0..models.len())
        .map(|m| by_repeat.iter().map(|rep| rep[m].clone()).collect())
        .collect())
}

impl Evaluation {
    /// The out-of-fold score of every validated row, in `rows` order of the folds (row, score).
    pub fn out_of_fold(&self) -> Vec<(usize, f64)> {
        let mut v: Vec<(usize, f64)> = self
            .folds
            .iter()
            .flat_map(|f| f.rows.iter().copied().zip(f.oof.iter().copied()))
            .collect();
        v.sort_by_key(|(r, _)| *r);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_follow_their_definitions() {
        let truth = [1, 1, 0, 0, 0];
        let scores = [0.9, 0.4, 0.6, 0.2, 0.1];
        let labels = [1, 0, 1, 0, 0];
        let s = Scores::of(&truth, &scores, &labels);
        assert!((s.accuracy - 0.6).abs() < 1e-12);
        assert!((s.precision - 0.5).abs() < 1e-12);
        assert!((s.recall - 0.5).abs() < 1e-12);
        // pairs (pos, neg): 0.9 beats all 3; 0.4 beats 0.2 and 0.1 → 5/6
        assert!((s.roc_auc - 5.0 / 6.0).abs() < 1e-12);
        // ranks: 0.9 (P 1/1, R .5), 0.6, 0.4 (P 2/3, R 1) → .5·1 + .5·2/3
        assert!((s.average_precision - (0.5 + 1.0 / 3.0)).abs() < 1e-12);
        let m = Scores::mean(&[s, Scores::default()]);
        assert!((m.accuracy - 0.3).abs() < 1e-12);
        let sd = Scores::std(&[s, Scores::default()]);
        assert!((sd.accuracy - (0.18f64).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn repeated_cv_scores_every_row_once_per_repeat_with_other_folds() {
        // 120 rows, class 1 when the numeric column is large (with some overlap)
        let n = 120;
        let x = Columns(vec![(
            "Income".to_string(),
            crate::ml::preprocessing::Column::Numeric(
                (0..n).map(|i| ((i * 37) % n) as f64).collect(),
            ),
        )]);
        let y: Vec<u8> = (0..n)
            .map(|i| u8::from((i * 37) % n > 80 || i % 11 == 0))
            .collect();
        let data = ClassifierData { x, y };
        let spec = PipelineSpec {
            roles: Roles {
                standard: vec!["Income".into()],
                ..Default::default()
            },
            k: 1,
            undersample: true,
            model: ModelSpec::LogisticRegression {
                c: Some(1.0),
                max_iter: 100,
            },
        };
        let rows: Vec<usize> = (0..n).collect();
        let reps = repeated_cross_validate(&spec, &data, &rows, 5, 3, 42).unwrap();
        assert_eq!(reps.len(), 3);
        for e in &reps {
            let oof = e.out_of_fold();
            assert_eq!(oof.iter().map(|r| r.0).collect::<Vec<_>>(), rows);
            assert!(e.mean().roc_auc > 0.8);
        }
        assert_ne!(
            reps[0].folds[0].rows, reps[1].folds[0].rows,
            "each repeat draws new folds"
        );
    }

    #[test]
    fn cross_validation_gives_the_same_scores_at_any_thread_count() {
        let n = 300;
        let x = Columns(vec![
            (
                "Income".to_string(),
                crate::ml::preprocessing::Column::Numeric(
                    (0..n).map(|i| ((i * 37) % n) as f64).collect(),
                ),
            ),
            (
                "Recency".to_string(),
                crate::ml::preprocessing::Column::Numeric(
                    (0..n).map(|i| ((i * 53) % 97) as f64).collect(),
                ),
            ),
        ]);
        let y: Vec<u8> = (0..n)
            .map(|i| u8::from((i * 37) % n > 200 || i % 7 == 0))
            .collect();
        let data = ClassifierData { x, y };
        let rows: Vec<usize> = (0..n).collect();
        for model in [
            ModelSpec::LogisticRegression {
                c: Some(1.0),
                max_iter: 200,
            },
            ModelSpec::ExtraTrees(crate::ml::models::ExtraTreesParams {
                trees: 20,
                ..Default::default()
            }),
            ModelSpec::GradientBoosting {
                stages: 30,
                learning_rate: 0.1,
                max_depth: 2,
            },
        ] {
            let spec = PipelineSpec {
                roles: Roles {
                    standard: vec!["Income".into(), "Recency".into()],
                    ..Default::default()
                },
                k: 2,
                undersample: false,
                model,
            };
            let on = |threads: usize| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap()
                    .install(|| repeated_cross_validate(&spec, &data, &rows, 5, 3, 7).unwrap())
            };
            let bits = |reps: Vec<Evaluation>| -> Vec<u64> {
                reps.iter()
                    .flat_map(|e| e.out_of_fold().into_iter().map(|(_, s)| s.to_bits()))
                    .collect()
            };
            let one = bits(on(1));
            assert_eq!(one, bits(on(2)), "{}", spec.model.name());
            assert_eq!(one, bits(on(4)), "{}", spec.model.name());
        }
    }

    #[test]
    fn shared_steps_give_each_model_its_own_cross_validation() {
        // one undersampled pipeline with a Yeo-Johnson and a one-hot column, three models:
        // fitting the steps once per fold gives each model the numbers of its own run
        let n = 240;
        let x = Columns(vec![
            (
                "Income".to_string(),
                crate::ml::preprocessing::Column::Numeric(
                    (0..n).map(|i| ((i * 37) % n) as f64 + 1.0).collect(),
                ),
            ),
            (
                "Kind".to_string(),
                crate::ml::preprocessing::Column::text((0..n).map(|i| ["a", "b", "c"][i % 3])),
            ),
        ]);
        let y: Vec<u8> = (0..n)
            .map(|i| u8::from((i * 37) % n > 170 || i % 3 == 0 && i % 2 == 0))
            .collect();
        let data = ClassifierData { x, y };
        let base = PipelineSpec {
            roles: Roles {
                power: vec!["Income".into()],
                one_hot: vec!["Kind".into()],
                ..Default::default()
            },
            k: 3,
            undersample: true,
            model: ModelSpec::Dummy,
        };
        let models = [
            ModelSpec::LogisticRegression {
                c: Some(1.0),
                max_iter: 100,
            },
            ModelSpec::DecisionTree { max_depth: Some(3) },
            ModelSpec::Knn { k: 5 },
        ];
        let rows: Vec<usize> = (0..n).collect();
        let folds = cv_folds(&data, &rows, 5, 3);
        let shared = cross_validate_models(&base, &models, &data, &folds, 42).unwrap();
        assert_eq!(shared.len(), 3);
        for (m, e) in models.iter().zip(&shared) {
            let spec = PipelineSpec {
                model: m.clone(),
                ..base.clone()
            };
            // each fold's pipeline fitted alone, without any sharing
            let alone: Vec<FoldResult> = folds
                .iter()
                .enumerate()
                .map(|(i, (train, valid))| {
                    let f = FittedPipeline::fit_rows(&spec, &data.x, &data.y, train, 42).unwrap();
                    let oof = f.scores_rows(&data.x, valid).unwrap();
                    let truth = data.labels(valid);
                    FoldResult {
                        fold: i + 1,
                        scores: Scores::of(&truth, &oof, &f.labels_of(&oof)),
                        time: 0.0,
                        rows: valid.clone(),
                        oof,
                    }
                })
                .collect();
            assert_eq!(e.spec, spec);
            for (a, b) in e.folds.iter().zip(&alone) {
                assert_eq!((a.fold, &a.rows, a.scores), (b.fold, &b.rows, b.scores));
                let bits = |v: &[f64]| v.iter().map(|s| s.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&a.oof), bits(&b.oof), "{}", m.name());
            }
        }
    }
}
