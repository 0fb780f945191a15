//! The deployed model as one versioned file: the fitted pipeline and its calibration, with
//! everything scoring needs (the raw input schema, the reference date) and everything a person
//! wants to know (what it was trained on, how well it validated, how it decides).

use crate::data::rules::Reference;
use crate::data::schema::{RawType, RAW_COLUMNS};
use crate::data::validation::ColumnRule;
use crate::error::{Result, StudyError};
use crate::ml::calibration::{Isotonic, Platt};
use crate::ml::classifier::FittedPipeline;
use crate::ml::preprocessing::Columns;
use crate::report::table::Table;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Version of the file layout; a file of another version is refused with a clear error.
pub const FORMAT_VERSION: u32 = 1;

/// Raw columns a record needs to be scored: the case file's columns but the key (`ID`), the
/// constants (`Z_CostContact`, `Z_Revenue`) and the target (`Response`), which may be present
/// and are passed through.
pub fn input_names() -> Vec<&'static str> {
    RAW_COLUMNS
        .iter()
        .map(|c| c.name)
        .filter(|n| !matches!(*n, "ID" | "Z_CostContact" | "Z_Revenue" | "Response"))
        .collect()
}

/// One raw input the model accepts: its type, the categories and the range seen in training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputColumn {
    pub name: String,
    pub kind: RawType,
    /// Categories seen in training (text columns).
    pub categories: Vec<String>,
    /// Smallest and largest value seen in training, as text of the column's type.
    pub lower: Option<String>,
    pub upper: Option<String>,
}

impl InputColumn {
    /// The checks a record's value must pass: type, present, a known category, the domain rules,
    /// inside the training range.
    pub fn rule(&self) -> ColumnRule {
        ColumnRule {
            name: self.name.clone(),
            kind: self.kind,
            nullable: false,
            categories: self.categories.clone(),
            range: self.lower.clone().zip(self.upper.clone()),
        }
    }
}

/// How the model's scores become probabilities (fitted on out-of-fold scores of the training
/// customers, so the calibrator never sees a score of a customer the model was fitted on).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Calibrator {
    None,
    /// Platt scaling of the log-odds.
    Platt(Platt),
    Isotonic(Isotonic),
}

impl Calibrator {
    pub fn apply(&self, score: f64) -> f64 {
        match self {
            Calibrator::None => score,
            Calibrator::Platt(p) => p.apply(logit(score)),
            Calibrator::Isotonic(i) => i.apply(score),
        }
    }
    pub fn name(&self) -> &'static str {
        match self {
            Calibrator::None => "none",
            Calibrator::Platt(_) => "Platt scaling of the log-odds",
            Calibrator::Isotonic(_) => "isotonic regression",
        }
    }
}

/// The log-odds of a probability, as the calibrator reads it.
pub use crate::ml::calibration::logit;

/// Whom to contact: everyone whose probability reaches `threshold`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRule {
    /// MU a contact costs.
    pub cost: f64,
    /// MU a response brings.
    pub revenue: f64,
    pub threshold: f64,
    /// How the threshold was chosen.
    pub chosen_by: String,
}

impl DecisionRule {
    /// Contact when the expected value is not negative: p ≥ cost / revenue.
    pub fn break_even(cost: f64, revenue: f64) -> Self {
        Self {
            cost,
            revenue,
            threshold: cost / revenue,
            chosen_by: "break-even".into(),
        }
    }

    /// Expected value of contacting a customer of probability `p`, in MU.
    pub fn expected_value(&self, p: f64) -> f64 {
        self.revenue * p - self.cost
    }
}

/// How the model validated before it was fitted on every customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Validation {
    /// The protocol, in words.
    pub scheme: String,
    pub roc_auc: f64,
    pub roc_auc_std: f64,
    pub average_precision: f64,
    pub average_precision_std: f64,
}

/// The data the model was fitted on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingData {
    /// The raw file's name and SHA-256.
    pub file: String,
    pub sha256: String,
    pub customers: usize,
    pub responders: usize,
}

/// The deployed model (`models/campaign_model.json`, written by the `profit` stage).
#[derive(Debug, Serialize, Deserialize)]
pub struct ModelArtifact {
    pub format_version: u32,
    /// `campaign-study <version>` that wrote it.
    pub written_by: String,
    pub description: String,
    pub trained_on: TrainingData,
    /// Ages and tenures are measured from this date, as in training.
    pub reference: Reference,
    pub inputs: Vec<InputColumn>,
    /// The pipeline's input features (raw and engineered), before encoding.
    pub features: Vec<String>,
    pub pipeline: FittedPipeline,
    pub calibration: Calibrator,
    pub decision: DecisionRule,
    pub validation: Validation,
    /// Training means of the encoded features the model reads, the baseline of explanations.
    pub feature_means: Vec<f64>,
}

impl ModelArtifact {
    /// Save as pretty JSON, atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        Ok(crate::io::write_json(self, path)?)
    }

    /// Load a model file, refusing a file of another format version.
    pub fn load(path: &Path) -> Result<Self> {
        if !path.exists() {
            return Err(StudyError::MissingLayer {
                path: path.to_path_buf(),
                stage: "profit",
            });
        }
        #[derive(Deserialize)]
        struct Version {
            format_version: Option<u32>,
        }
        let v: Version = crate::io::read_json(path)?;
        let found = v.format_version.unwrap_or(0);
        if found != FORMAT_VERSION {
            return Err(StudyError::ModelFormat {
                path: path.to_path_buf(),
                found,
                expected: FORMAT_VERSION,
            });
        }
        Ok(crate::io::read_json(path)?)
    }

    /// Calibrated probability of responding for every row of `x` (the pipeline's features).
    pub fn probabilities(&self, x: &Columns) -> Result<Vec<f64>> {
        Ok(self
            .pipeline
            .scores(x)?
            .into_iter()
            .map(|s| self.calibration.apply(s))
            .collect())
    }

    /// The inputs of the form and the API, with their categories and ranges.
    pub fn input(&self, name: &str) -> Option<&InputColumn> {
        self.inputs.iter().find(|c| c.name == name)
    }

    /// The model card: one row per fact.
    pub fn card(&self) -> Table {
        let v = &self.validation;
        let d = &self.decision;
        let t = &self.trained_on;
        let rows = vec![
            ("model", self.description.clone()),
            ("calibration", self.calibration.name().to_string()),
            (
                "trained on",
                format!(
                    "{} customers ({} responders) of {} (sha256 {}…)",
                    t.customers,
                    t.responders,
                    t.file,
                    &t.sha256[..12.min(t.sha256.len())]
                ),
            ),
            (
                "validation",
                format!(
                    "ROC AUC {:.3} ± {:.3}, average precision {:.3} ± {:.3}: {}",
                    v.roc_auc, v.roc_auc_std, v.average_precision, v.average_precision_std, v.scheme
                ),
            ),
            (
                "decision",
                format!(
                    "contact when p ≥ {:.4} ({} MU a contact, {} MU a response): {}",
                    d.threshold, d.cost, d.revenue, d.chosen_by
                ),
            ),
            (
                "inputs",
                format!(
                    "{} raw columns of the case file's schema (categories and ranges seen in training)",
                    self.inputs.len()
                ),
            ),
            (
                "features",
                format!(
                    "{} ({} after encoding)",
                    self.features.len(),
                    self.feature_means.len()
                ),
            ),
            ("reference date", self.reference.date.clone()),
            (
                "file",
                format!("format {}, written by {}", self.format_version, self.written_by),
            ),
        ];
        Table::new(
            vec!["".into(), "".into()],
            rows.into_iter()
                .map(|(a, b)| vec![a.to_string(), b])
                .collect(),
        )
        .with_caption("Model card")
    }

    /// The raw inputs the model accepts, with their categories or ranges.
    pub fn inputs_table(&self) -> Table {
        let rows = self
            .inputs
            .iter()
            .map(|c| {
                vec![
                    c.name.clone(),
                    c.kind.expected().to_string(),
                    if c.categories.is_empty() {
                        format!(
                            "{} to {}",
                            c.lower.as_deref().unwrap_or("?"),
                            c.upper.as_deref().unwrap_or("?")
                        )
                    } else {
                        c.categories.join(", ")
                    },
                ]
            })
            .collect();
        Table::new(
            vec!["input".into(), "type".into(), "accepted values".into()],
            rows,
        )
        .with_caption("Raw inputs the model accepts (seen in training)")
    }
}
