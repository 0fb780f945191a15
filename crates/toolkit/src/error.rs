//! The toolkit's error type, named by what went wrong; the study's error converts from it.

use std::path::PathBuf;

/// Result alias used throughout the toolkit.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the toolkit.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{path}: no such file")]
    MissingFile { path: PathBuf },

    #[error("column {column}: unknown category {value:?} (row {row}); known: {}", .known.join(", "))]
    UnknownCategory {
        column: String,
        value: String,
        /// 0-based row of the data given.
        row: usize,
        known: Vec<String>,
    },

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
pub trait PolarsContext<T> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T>;
}

impl<T> PolarsContext<T> for polars::error::PolarsResult<T> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| Error::Polars {
            context: context(),
            source,
        })
    }
}
