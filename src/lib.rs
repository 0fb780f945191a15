//! # campaign-study
//!
//! A reproduction, and a better version, of a customer segmentation and campaign-response study
//! on the iFood CRM pilot campaign (2,240 customers). Every computation lives here as typed
//! functions; the notebooks and the `campaign-study` CLI only call them.
//!
//! Stages (one module each), in the order data flows:
//! 1. [`sourcing`]: raw CSV → `01_resource/` (unchanged) and `02_bronze/` (typed parquet);
//! 2. [`understanding`]: profile of the raw columns and the problems found;
//! 3. [`processing`]: bronze → `03_silver/` (cleaning and features, with lineage);
//! 4. [`eda`]: exploratory charts, response rates, personas and target analysis of the silver layer;
//! 5. [`analytics`]: silver → `04_gold/` aggregate tables and their charts;
//! 6. [`segmentation`]: K-Means personas, the clustered silver layer;
//! 7. [`leaderboard`]: every classifier under stratified CV (model selection);
//! 8. [`training`]: grid search, final model, test evaluation, saved pipeline.
//!
//! The classification pieces: [`classifier`] (pipeline, metrics, CV), [`models`] (one trait,
//! ten model families), [`feature_selection`], [`resampling`], [`extra_trees`],
//! [`model_selection`] (stratified folds) and [`metrics`].
//!
//! [`charts`] draws every chart (plotters, SVG and PNG).
//!
//! [`pipeline`] wires the stages; [`config`] names every path and parameter.

pub mod analytics;
pub mod calibration;
pub mod charts;
pub mod classifier;
pub mod config;
pub mod eda;
pub mod error;
pub mod extra_trees;
pub mod feature_selection;
pub mod io;
pub mod leaderboard;
pub mod metrics;
pub mod model_selection;
pub mod models;
pub mod numpy_rng;
pub mod pipeline;
pub mod preprocessing;
pub mod processing;
pub mod profit;
pub mod resampling;
pub mod schema;
pub mod segmentation;
pub mod sourcing;
pub mod table;
pub mod targeting;
pub mod training;
pub mod understanding;

pub use config::StudyConfig;
pub use error::{Result, StudyError};
pub use table::{Table, Tables};
