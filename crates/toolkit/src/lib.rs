//! # toolkit
//!
//! A small machine-learning and reporting toolkit with no knowledge of the study that uses it (no
//! column names, no data layers, no configuration), laid out as scikit-learn is. Its own crate, so
//! the compiler keeps it that way, and so that editing a stage of the study recompiles only the
//! study crate (README, "Layout").
//!
//! - [`ml`]: preprocessing, models, the classifier pipeline, metrics, model selection, feature
//!   selection, resampling, calibration, clustering, decomposition, statistics, inspection,
//!   campaign economics and NumPy's legacy generator;
//! - [`report`]: tables (HTML in Jupyter, aligned text in a terminal) and charts (plotters:
//!   inline SVG, SVG and PNG files);
//! - [`error`]: the one error type; [`io`]: atomic file writes and JSON.

pub mod error;
pub mod io;
pub mod ml;
pub mod report;

pub use error::{Error, Result};
