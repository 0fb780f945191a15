//! Scoring new customers with the deployed model, one core for every path (notebook 10, the
//! `score` command, the web app):
//!
//! - [`artifact`]: the model file (`models/campaign_model.json`): pipeline, calibration, input
//!   schema, reference date, decision rule, validation; written by the `profit` stage;
//! - [`examples`]: the original study's Example A and B in raw form;
//! - [`records`]: customer records as text, from a CSV file or upload, JSON or a form;
//! - [`rule`]: the model as one row rule (features, transformer, logistic model, calibration),
//!   which the Spark engine runs;
//! - [`score`]: checks, features (the silver rules and engineered features the model was
//!   trained on, never a copy), probabilities, ranks, decisions, explanations.
//!
//! It uses the data contract and the toolkit, never a stage.

pub mod artifact;
pub mod examples;
pub mod records;
pub mod rule;
pub mod score;

pub use artifact::{input_names, Calibrator, InputColumn, ModelArtifact, FORMAT_VERSION};
pub use records::Records;
pub use score::{
    explain, explain_records, score, score_file, score_file_in_chunks, Explanation, OnInvalid,
    ScoreReport, Scored, Selection,
};
