//! One error type for the whole study, with the context a user needs to fix the input:
//! the file, the row (1-based line in the file, header = line 1), the column and the value.

use std::path::PathBuf;

/// Result alias used throughout the crate.
pub type Result<T, E = StudyError> = std::result::Result<T, E>;

/// Everything that can go wrong in the study, named by what went wrong.
#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("no input data: pass --input PATH, set CAMPAIGN_STUDY_INPUT, or place the CSV at {expected}")]
    NoInput { expected: PathBuf },

    #[error("{path}: the file is empty (expected a header line and data rows)")]
    EmptyInput { path: PathBuf },

    #[error("{path}: the file has a header but no data rows")]
    NoRows { path: PathBuf },

    #[error("{path}: missing column(s) {}", .columns.join(", "))]
    MissingColumns { path: PathBuf, columns: Vec<String> },

    #[error(
        "{path}: line {line}, column {column}: {problem} (value {value:?}, expected {expected})"
    )]
    InvalidValue {
        path: PathBuf,
        line: u64,
        column: String,
        value: String,
        problem: &'static str,
        expected: String,
    },

    #[error("column {column}: unknown category {value:?} (customer ID {id}); known: {}", .known.join(", "))]
    UnknownCategory {
        column: String,
        value: String,
        id: i64,
        known: Vec<String>,
    },

    #[error("{path}: layer file is missing; run the `{stage}` stage first")]
    MissingLayer { path: PathBuf, stage: &'static str },

    #[error("{context}: {source}")]
    Polars {
        context: String,
        #[source]
        source: polars::error::PolarsError,
    },

    #[error("{context}: {source}")]
    Json {
        context: String,
        #[source]
        source: serde_json::Error,
    },

    #[error("model {model}: {message}")]
    Model { model: String, message: String },

    #[error("chart {0}")]
    Chart(String),

    #[error("{0}")]
    Invalid(String),
}

/// Attach a short description of what was being done to a polars error.
pub(crate) trait PolarsContext<T> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T>;
}

impl<T> PolarsContext<T> for polars::error::PolarsResult<T> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| StudyError::Polars {
            context: context(),
            source,
        })
    }
}
