//! The deployed model: the chosen honest pipeline fitted on every customer, its calibrator fitted
//! on out-of-fold scores of all of them, the break-even decision rule and the raw input schema
//! seen in training, saved as one versioned file (`models/campaign_model.json`).

use super::{honest_candidates, honest_spec, Calibration, Customers, Targeting, FOLDS};
use crate::config::StudyConfig;
use crate::data::features::feature_names;
use crate::data::layers::{read_lineage, scan_bronze};
use crate::data::rules::Reference;
use crate::data::schema::RawType;
use crate::data::schema::RAW_COLUMNS;
use crate::data::validation::iso_days;
use crate::error::{PolarsContext, Result, StudyError};
use crate::ml::calibration::{Isotonic, Platt};
use crate::ml::classifier::{cross_validate, cv_folds, FittedPipeline};
use crate::ml::models::ModelSpec;
use crate::scoring::artifact::{
    input_names, logit, Calibrator, DecisionRule, InputColumn, ModelArtifact, TrainingData,
    Validation, FORMAT_VERSION,
};
use polars::prelude::*;

impl Targeting {
    /// The honest model this stage chose, fitted on every customer, ready to score new ones.
    pub fn deployable(&self, config: &StudyConfig) -> Result<ModelArtifact> {
        let (mean, std) = self.grouped.summary();
        fit_deployable(
            config,
            honest_candidates()[self.chosen].clone(),
            self.calibration,
            DecisionRule {
                cost: self.economics.cost,
                revenue: self.economics.revenue,
                threshold: self.plan_threshold(),
                chosen_by: format!(
                    "break-even ({}/{}): below it a contact loses money by the model's own calibrated probability; \
                     the thresholds chosen inside the training folds have median {:.3}, where the profit curve is flat",
                    self.economics.cost, self.economics.revenue, self.fold_threshold()
                ),
            },
            Validation {
                scheme: format!(
                    "{} × {}-fold stratified CV, copies of a customer kept in one fold",
                    self.grouped.repeats.len(),
                    FOLDS
                ),
                roc_auc: mean.roc_auc,
                roc_auc_std: std.roc_auc,
                average_precision: mean.average_precision,
                average_precision_std: std.average_precision,
            },
        )
    }

    /// Fit the deployable model and save it to `models/campaign_model.json`.
    pub fn save_model(&self, config: &StudyConfig) -> Result<ModelArtifact> {
        let model = self.deployable(config)?;
        model.save(&config.deployed_model())?;
        Ok(model)
    }
}

/// Fit `model` in the honest pipeline on every customer of the wide silver layer, its
/// calibrator on out-of-fold scores of the same customers (5 folds, the study's seed), and
/// package it with the input schema seen in training, `decision` and `validation`.
pub fn fit_deployable(
    config: &StudyConfig,
    model: ModelSpec,
    calibration: Calibration,
    decision: DecisionRule,
    validation: Validation,
) -> Result<ModelArtifact> {
    let customers = Customers::load(config)?;
    let data = &customers.data;
    let seed = config.seed;
    let spec = honest_spec(model.clone());
    let pipeline = FittedPipeline::fit(&spec, &data.x, &data.y, seed)?;
    // The calibrator learns from out-of-fold scores, as inside the nested CV.
    let rows: Vec<usize> = (0..data.y.len()).collect();
    let oof = cross_validate(&spec, data, &cv_folds(data, &rows, FOLDS, seed), seed)?;
    let (oof_rows, oof_scores): (Vec<usize>, Vec<f64>) = oof.out_of_fold().into_iter().unzip();
    let oof_truth = data.labels(&oof_rows);
    let calibration = match calibration {
        Calibration::Raw => Calibrator::None,
        Calibration::Platt => Calibrator::Platt(Platt::fit(
            &oof_scores.iter().map(|p| logit(*p)).collect::<Vec<_>>(),
            &oof_truth,
        )),
        Calibration::Isotonic => Calibrator::Isotonic(Isotonic::fit(&oof_scores, &oof_truth)),
    };
    let z = pipeline.features(&data.x)?;
    let feature_means: Vec<f64> = z
        .columns()
        .into_iter()
        .map(|c| c.sum() / c.len().max(1) as f64)
        .collect();
    let resource = config.resource_csv();
    Ok(ModelArtifact {
        format_version: FORMAT_VERSION,
        written_by: format!("campaign-study {}", env!("CARGO_PKG_VERSION")),
        description: format!(
            "{} ({}) on {} features of the wide silver table, leak-free (no Cluster), no undersampling",
            model.name(),
            model.describe(),
            feature_names().len()
        ),
        trained_on: TrainingData {
            file: resource
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default(),
            sha256: crate::io::sha256_file(&resource)?,
            customers: data.y.len(),
            responders: data.y.iter().filter(|v| **v == 1).count(),
        },
        reference: reference(config)?,
        inputs: inputs_seen(config, &customers.ids)?,
        features: feature_names().iter().map(|s| s.to_string()).collect(),
        pipeline,
        calibration,
        decision,
        validation,
        feature_means,
    })
}

/// The reference date of the silver layer the model was trained on.
fn reference(config: &StudyConfig) -> Result<Reference> {
    let date = read_lineage(config)?.reference_date;
    let days = iso_days(&date);
    let year = date.get(..4).and_then(|y| y.parse::<i64>().ok());
    match (days, year) {
        (Some(days), Some(year)) => Ok(Reference { days, year, date }),
        _ => Err(StudyError::Invalid(format!(
            "silver lineage: reference date {date:?} is not YYYY-MM-DD"
        ))),
    }
}

/// The raw inputs as the training customers have them (their bronze rows): categories and
/// ranges seen. The training rows are found by a mask over the bronze `ID` column and the
/// bronze columns are read one at a time: a join of the bronze rows with millions of IDs held
/// 8.7 GB at 10 million customers, even on polars' streaming engine.
fn inputs_seen(config: &StudyConfig, ids: &[i64]) -> Result<Vec<InputColumn>> {
    let training: std::collections::HashSet<i64> = ids.iter().copied().collect();
    let bronze = scan_bronze(config)?;
    let read = |name: &str| -> Result<Column> {
        let df = crate::io::collect_streaming(bronze.clone().select([col(name)]))
            .ctx(|| format!("reading the training customers' {name}"))?;
        Ok(df
            .column(name)
            .ctx(|| format!("reading the training customers' {name}"))?
            .clone())
    };
    let id = read("ID")?
        .cast(&DataType::Int64)
        .ctx(|| "reading the training customers' ID".to_string())?;
    let mask: BooleanChunked = id
        .i64()
        .ctx(|| "reading the training customers' ID".to_string())?
        .iter()
        .map(|v| v.is_some_and(|v| training.contains(&v)))
        .collect();
    drop((id, training));
    input_names()
        .iter()
        .map(|name| {
            let ctx = || format!("the training customers' {name}");
            let seen = read(name)?.filter(&mask).ctx(ctx)?;
            let kind = RAW_COLUMNS
                .iter()
                .find(|c| c.name == *name)
                .map(|c| c.kind)
                .unwrap_or(RawType::Text);
            let one = DataFrame::new_infer_height(vec![seen]).ctx(ctx)?.lazy();
            if kind == RawType::Text {
                let values = one
                    .select([col(*name).unique().sort(Default::default())])
                    .collect()
                    .ctx(ctx)?;
                let categories: Vec<String> = values
                    .column(name)
                    .and_then(|c| c.str().cloned())
                    .ctx(ctx)?
                    .iter()
                    .flatten()
                    .map(str::to_string)
                    .collect();
                Ok(InputColumn {
                    name: name.to_string(),
                    kind,
                    categories,
                    lower: None,
                    upper: None,
                })
            } else {
                let range = one
                    .select([
                        col(*name).min().cast(DataType::String).alias("min"),
                        col(*name).max().cast(DataType::String).alias("max"),
                    ])
                    .collect()
                    .ctx(ctx)?;
                let text = |key: &str| -> Option<String> {
                    range
                        .column(key)
                        .ok()
                        .and_then(|c| c.str().ok()?.get(0).map(whole))
                };
                Ok(InputColumn {
                    name: name.to_string(),
                    kind,
                    categories: vec![],
                    lower: text("min"),
                    upper: text("max"),
                })
            }
        })
        .collect()
}

/// "1730.0" → "1730": a whole float reads as the user would type it.
fn whole(text: &str) -> String {
    text.strip_suffix(".0").unwrap_or(text).to_string()
}
