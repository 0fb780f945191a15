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

    #[error("line {line} (customer ID {id}), column {column}: value {value}: {rule}")]
    DomainRule {
        /// Line in the raw file (header = line 1).
        line: u64,
        id: i64,
        column: String,
        value: String,
        rule: String,
    },

    /// A record the model cannot score: `origin` is the file or "request", `record` says which
    /// ("line 7", "customer 2").
    #[error(
        "{origin}, {record}, column {column}: {problem} (value {value:?}, expected {expected})"
    )]
    InvalidRecord {
        origin: String,
        record: String,
        column: String,
        value: String,
        problem: String,
        expected: String,
    },

    #[error("{origin}: missing field(s) {}", .columns.join(", "))]
    MissingFields {
        origin: String,
        columns: Vec<String>,
    },

    #[error("{path}: not a model of this version of campaign-study (format {found}, this build reads {expected}); run `campaign-study profit` to write it again")]
    ModelFormat {
        path: PathBuf,
        found: u32,
        expected: u32,
    },

    #[error("{path}: layer file is missing; run the `{stage}` stage first")]
    MissingLayer { path: PathBuf, stage: &'static str },

    /// An error of the toolkit (models, charts, transformers, files it reads or writes).
    #[error(transparent)]
    Toolkit(#[from] toolkit::Error),

    /// No Spark Connect server answered at the address (refused, unresolvable or timed out).
    #[error("no Spark Connect server at {address}: {detail} (start one with `scripts/spark.sh start`, or pass --remote sc://HOST:PORT)")]
    SparkUnreachable { address: String, detail: String },

    /// The Spark Connect server refused or failed a request.
    #[error("Spark ({action}): {message}")]
    Spark { action: String, message: String },

    #[error("{0}")]
    Invalid(String),
}

/// Polars errors carry what was being done (the toolkit's `ctx`); `?` turns them into
/// [`StudyError::Toolkit`].
pub(crate) use toolkit::error::PolarsContext;
