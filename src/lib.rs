//! # campaign-study
//!
//! A reproduction, and a better version, of a customer segmentation and campaign-response study
//! on the iFood CRM pilot campaign (2,240 customers). Every computation lives here as typed
//! functions; the notebooks and the `campaign-study` CLI only call them.
//!
//! The crate has six parts, and dependencies point one way, down this list:
//!
//! - [`app`] (feature `app`, on by default; the notebooks' kernel builds without it): the web
//!   app of `campaign-study serve` (axum), on the scoring core.
//! - [`stages`]: the study, one module per stage in the order data flows. A stage uses the
//!   scoring core, the data contract, the toolkit and the plumbing, never another stage. Each
//!   stage is also at the crate root, so a notebook writes `campaign_study::segmentation::run`:
//!   1. [`sourcing`]: raw CSV → `01_resource/` (unchanged) and `02_bronze/` (typed parquet);
//!   2. [`understanding`]: profile of the raw columns and the problems found;
//!   3. [`processing`]: bronze → `03_silver/` (cleaning and features, with lineage);
//!   4. [`eda`]: exploratory charts, response rates, personas and target analysis of silver;
//!   5. [`analytics`]: silver → `04_gold/` aggregate tables and their charts;
//!   6. [`segmentation`]: K-Means personas, the clustered silver layer;
//!   7. [`leaderboard`]: every classifier under stratified CV (model selection);
//!   8. [`training`]: grid search, final model, test evaluation, saved pipeline;
//!   9. [`targeting`]: out-of-fold probabilities, calibration, campaign profit, the next plan,
//!      and the deployable model (`models/campaign_model.json`);
//!   10. [`deployment`]: the model card, the original's examples, explanations, batch scoring.
//! - [`scoring`]: the deployment core every path calls (notebook 10, `campaign-study score`,
//!   the web app): the model file, records from files, forms and JSON, their checks, features,
//!   scores and explanations. It uses the data contract, never a stage.
//! - [`data`]: the study's data contract: the raw and silver [`schema`](data::schema), the
//!   [`validation`](data::validation) of raw records and the silver feature
//!   [`rules`](data::rules) (which processing and scoring both run), readers of every layer file
//!   ([`layers`](data::layers)), lineage records, the gold aggregate format, the modelling
//!   features and the original study's published numbers.
//! - [`ml`]: a small machine-learning toolkit that knows nothing of this study, laid out as
//!   scikit-learn is: preprocessing, models, metrics, model selection, feature selection,
//!   resampling, calibration, clustering, decomposition, statistics, inspection, campaign
//!   economics and the classifier pipeline.
//! - [`report`]: how results display: [`Table`] (HTML in Jupyter, text in a terminal) and
//!   [`charts`](report::charts) (plotters; inline SVG, SVG and PNG files).
//!
//! `ml` and `report` live in their own crate, `toolkit` (`crates/toolkit/`), re-exported here:
//! the compiler keeps them free of the study, and a stage edit recompiles only this crate.
//!
//! The plumbing: [`config`] names every path and parameter, [`error`] is the one error type,
//! [`io`] writes files atomically, and [`pipeline`] wires the stages in order (the one module that
//! calls stages), and [`synth`] writes synthetic customer files for measuring the study at scale.

#[cfg(feature = "app")]
pub mod app;
pub mod config;
pub mod data;
pub mod error;
pub mod io;
pub mod pipeline;
pub mod scoring;
#[cfg(feature = "spark")]
pub mod spark;
pub mod stages;
pub mod synth;

pub use toolkit::{ml, report};

pub use config::StudyConfig;
pub use error::{Result, StudyError};
/// The polars this library is built with: a notebook uses it (`campaign_study::polars::prelude::*`)
/// to query the frames the library returns, from the same build.
pub use polars;
pub use report::table::{Table, Tables};
/// Frames display in Jupyter as tables (shape, types, first and last rows); the notebooks bring
/// it into scope.
pub use report::FrameDisplay;
pub use stages::{
    analytics, deployment, eda, leaderboard, processing, segmentation, sourcing, targeting,
    training, understanding,
};
