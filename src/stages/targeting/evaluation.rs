//! Out-of-fold evaluation of the stage: repeated stratified CV of a pipeline, and the nested CV
//! in which calibrators and the profit threshold are fitted on inner out-of-fold scores of each
//! training part only.

use super::{FOLDS, REPEATS};
use crate::error::Result;
use crate::ml::calibration::{log_loss, logit, Isotonic, Platt};
use crate::ml::classifier::{
    cross_validate, cv_folds, repeated_cross_validate, repeated_cross_validate_models,
    ClassifierData, Evaluation, FittedPipeline, PipelineSpec, Scores,
};
use crate::ml::model_selection::stratified_group_k_fold;
use crate::ml::models::ModelSpec;
use crate::ml::profit::{best, profit_curve, Economics};

/// One pipeline under repeated CV of every customer.
#[derive(Debug, Clone, PartialEq)]
pub struct Repeated {
    pub name: String,
    pub repeats: Vec<Evaluation>,
}

impl Repeated {
    pub(super) fn run(
        name: &str,
        spec: &PipelineSpec,
        data: &ClassifierData,
        seed: u64,
    ) -> Result<Self> {
        let rows: Vec<usize> = (0..data.y.len()).collect();
        Ok(Self {
            name: name.to_string(),
            repeats: repeated_cross_validate(spec, data, &rows, FOLDS, REPEATS, seed)?,
        })
    }

    /// [`run`](Self::run) for several models sharing `base`'s pipeline steps, which are fitted
    /// once per fold for all of them (`cross_validate_models`): one result per model, each the
    /// numbers of its own run.
    pub(super) fn run_models(
        names: &[String],
        base: &PipelineSpec,
        models: &[ModelSpec],
        data: &ClassifierData,
        seed: u64,
    ) -> Result<Vec<Self>> {
        let rows: Vec<usize> = (0..data.y.len()).collect();
        let per_model =
            repeated_cross_validate_models(base, models, data, &rows, FOLDS, REPEATS, seed)?;
        Ok(names
            .iter()
            .zip(per_model)
            .map(|(name, repeats)| Self {
                name: name.clone(),
                repeats,
            })
            .collect())
    }

    /// The same repeated CV with folds that keep every profile (copies of one customer) whole:
    /// repeat r draws its grouped folds with seed + r.
    pub(super) fn run_grouped(
        name: &str,
        spec: &PipelineSpec,
        data: &ClassifierData,
        profiles: &[usize],
        seed: u64,
    ) -> Result<Self> {
        use rayon::prelude::*;
        let repeats = (0..REPEATS as u64)
            .into_par_iter()
            .map(|r| {
                let folds = stratified_group_k_fold(&data.y, profiles, FOLDS, seed + r);
                cross_validate(spec, data, &folds, seed)
            })
            .collect::<toolkit::Result<Vec<_>>>()?;
        Ok(Self {
            name: name.to_string(),
            repeats,
        })
    }

    /// Mean over repeats of each repeat's fold-mean metrics, and their std across repeats.
    pub fn summary(&self) -> (Scores, Scores) {
        let per: Vec<Scores> = self.repeats.iter().map(Evaluation::mean).collect();
        (Scores::mean(&per), Scores::std(&per))
    }

    /// Out-of-fold score of every customer in repeat `r`.
    pub fn oof(&self, r: usize) -> Vec<f64> {
        self.repeats[r]
            .out_of_fold()
            .into_iter()
            .map(|(_, s)| s)
            .collect()
    }

    /// Mean over repeats of every customer's out-of-fold score.
    pub fn oof_mean(&self) -> Vec<f64> {
        let mut m = self.oof(0);
        for r in 1..self.repeats.len() {
            for (a, b) in m.iter_mut().zip(self.oof(r)) {
                *a += b;
            }
        }
        let k = self.repeats.len().max(1) as f64;
        m.iter().map(|v| v / k).collect()
    }

    /// Mean out-of-fold log loss over repeats (scores read as probabilities).
    pub fn log_loss(&self, truth: &[u8]) -> f64 {
        (0..self.repeats.len())
            .map(|r| log_loss(truth, &self.oof(r)))
            .sum::<f64>()
            / self.repeats.len().max(1) as f64
    }
}

/// Per outer fold of the nested CV: the calibrated probabilities and the profit policy.
#[derive(Debug, Clone, PartialEq)]
pub struct NestedFold {
    pub repeat: usize,
    pub rows: Vec<usize>,
    pub raw: Vec<f64>,
    pub platt: Vec<f64>,
    pub isotonic: Vec<f64>,
    /// Profit-maximising thresholds chosen on the training part's inner out-of-fold
    /// probabilities (uncalibrated, Platt, isotonic).
    pub threshold_raw: f64,
    pub threshold_platt: f64,
    pub threshold_isotonic: f64,
}

/// Nested CV of one pipeline: in every outer training part, inner CV gives out-of-fold scores
/// on which the calibrators are fitted and the threshold is chosen; both are then applied to
/// the outer validation rows, which neither saw.
pub fn nested(
    spec: &PipelineSpec,
    data: &ClassifierData,
    seed: u64,
    econ: &Economics,
) -> Result<Vec<NestedFold>> {
    use rayon::prelude::*;
    let rows: Vec<usize> = (0..data.y.len()).collect();
    // every (repeat, outer fold) is independent and seeded alone: run them in parallel, in order
    let outer: Vec<(usize, Vec<usize>, Vec<usize>)> = (0..REPEATS)
        .flat_map(|r| {
            cv_folds(data, &rows, FOLDS, seed + r as u64)
                .into_iter()
                .map(move |(train, valid)| (r, train, valid))
        })
        .collect();
    outer
        .into_par_iter()
        .map(|(r, train, valid)| {
            let inner = cross_validate(
                spec,
                data,
                &cv_folds(data, &train, FOLDS, seed + 1000 + r as u64),
                seed,
            )?;
            let (inner_rows, inner_scores): (Vec<usize>, Vec<f64>) =
                inner.out_of_fold().into_iter().unzip();
            let inner_truth = data.labels(&inner_rows);
            // Platt on the log-odds (the probabilities' natural scale, as scikit-learn calibrates
            // a logistic regression's decision function)
            let logits: Vec<f64> = inner_scores.iter().map(|p| logit(*p)).collect();
            let platt = Platt::fit(&logits, &inner_truth);
            let iso = Isotonic::fit(&inner_scores, &inner_truth);
            let pick = |p: Vec<f64>| best(&profit_curve(&inner_truth, &p, econ)).threshold;
            let threshold_raw = pick(inner_scores.clone());
            let threshold_platt = pick(logits.iter().map(|s| platt.apply(*s)).collect());
            let threshold_isotonic = pick(inner_scores.iter().map(|s| iso.apply(*s)).collect());
            let fitted = FittedPipeline::fit_rows(spec, &data.x, &data.y, &train, seed)?;
            let raw = fitted.scores_rows(&data.x, &valid)?;
            Ok(NestedFold {
                repeat: r,
                platt: raw.iter().map(|s| platt.apply(logit(*s))).collect(),
                isotonic: raw.iter().map(|s| iso.apply(*s)).collect(),
                raw,
                rows: valid,
                threshold_raw,
                threshold_platt,
                threshold_isotonic,
            })
        })
        .collect()
}

/// Which probabilities of the nested CV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Calibration {
    Raw,
    Platt,
    Isotonic,
}

impl Calibration {
    pub fn name(&self) -> &'static str {
        match self {
            Calibration::Raw => "uncalibrated",
            Calibration::Platt => "Platt",
            Calibration::Isotonic => "isotonic",
        }
    }
    pub(super) fn threshold(&self, f: &NestedFold) -> f64 {
        match self {
            Calibration::Raw => f.threshold_raw,
            Calibration::Platt => f.threshold_platt,
            Calibration::Isotonic => f.threshold_isotonic,
        }
    }
    pub(super) fn of<'a>(&self, f: &'a NestedFold) -> &'a [f64] {
        match self {
            Calibration::Raw => &f.raw,
            Calibration::Platt => &f.platt,
            Calibration::Isotonic => &f.isotonic,
        }
    }
}

/// Probabilities of every customer in repeat `r` of a nested CV.
pub fn nested_oof(folds: &[NestedFold], r: usize, cal: Calibration, n: usize) -> Vec<f64> {
    let mut p = vec![f64::NAN; n];
    for f in folds.iter().filter(|f| f.repeat == r) {
        for (row, v) in f.rows.iter().zip(cal.of(f)) {
            p[*row] = *v;
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::super::ECONOMICS;
    use super::*;
    use crate::ml::models::ModelSpec;
    use crate::ml::preprocessing::{Column, Columns, Roles};

    fn toy() -> ClassifierData {
        let n = 300;
        let income: Vec<f64> = (0..n).map(|i| ((i * 37) % n) as f64).collect();
        let y: Vec<u8> = (0..n)
            .map(|i| u8::from((i * 37) % n > 220 || i % 13 == 0))
            .collect();
        ClassifierData {
            x: Columns(vec![("Income".into(), Column::Numeric(income))]),
            y,
        }
    }

    fn spec() -> PipelineSpec {
        PipelineSpec {
            roles: Roles {
                standard: vec!["Income".into()],
                ..Default::default()
            },
            k: usize::MAX,
            undersample: false,
            model: ModelSpec::LogisticRegression {
                c: Some(1.0),
                max_iter: 200,
            },
        }
    }

    #[test]
    fn thresholds_and_calibrators_never_see_the_rows_they_score() {
        let data = toy();
        let econ = ECONOMICS;
        let a = nested(&spec(), &data, 7, &econ).unwrap();
        assert_eq!(a.len(), REPEATS * FOLDS);
        // poison the first outer fold's validation rows (features only: the folds depend on
        // the labels alone, so they stay the same)
        let mut poisoned = data.clone();
        if let Column::Numeric(v) = &mut poisoned.x.0[0].1 {
            for &r in &a[0].rows {
                v[r] = 1e9;
            }
        }
        let b = nested(&spec(), &poisoned, 7, &econ).unwrap();
        assert_eq!(a[0].rows, b[0].rows);
        assert_eq!(a[0].threshold_raw, b[0].threshold_raw);
        assert_eq!(a[0].threshold_platt, b[0].threshold_platt);
        assert_eq!(a[0].threshold_isotonic, b[0].threshold_isotonic);
        assert_ne!(
            a[0].raw, b[0].raw,
            "the poisoned rows are scored differently"
        );
        // every customer gets one probability per repeat, in [0, 1]
        for r in 0..REPEATS {
            for cal in [Calibration::Raw, Calibration::Platt, Calibration::Isotonic] {
                let p = nested_oof(&a, r, cal, data.y.len());
                assert!(p.iter().all(|v| (0.0..=1.0).contains(v)), "{}", cal.name());
            }
        }
    }
}
