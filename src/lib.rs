//! # campaign-study
//!
//! A reproduction, and a better version, of a customer segmentation and campaign-response study
//! on the iFood CRM pilot campaign (2,240 customers). Every computation lives here as typed
//! functions; the notebooks and the `campaign-study` CLI only call them.
//!
//! The crate has four parts, and dependencies point one way, down this list:
//!
//! - [`stages`]: the study, one module per stage in the order data flows. A stage uses the
//!   toolkit, the data contract, reporting and the plumbing, never another stage. Each stage is
//!   also at the crate root, so a notebook writes `campaign_study::segmentation::run`:
//!   1. [`sourcing`]: raw CSV → `01_resource/` (unchanged) and `02_bronze/` (typed parquet);
//!   2. [`understanding`]: profile of the raw columns and the problems found;
//!   3. [`processing`]: bronze → `03_silver/` (cleaning and features, with lineage);
//!   4. [`eda`]: exploratory charts, response rates, personas and target analysis of silver;
//!   5. [`analytics`]: silver → `04_gold/` aggregate tables and their charts;
//!   6. [`segmentation`]: K-Means personas, the clustered silver layer;
//!   7. [`leaderboard`]: every classifier under stratified CV (model selection);
//!   8. [`training`]: grid search, final model, test evaluation, saved pipeline;
//!   9. [`targeting`]: out-of-fold probabilities, calibration, campaign profit, the next plan.
//! - [`data`]: the study's data contract: the raw and silver [`schema`](data::schema), readers of
//!   every layer file ([`layers`](data::layers)), lineage records, the gold aggregate format, the
//!   modelling features and the original study's published numbers.
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
//! calls stages).

pub mod config;
pub mod data;
pub mod error;
pub mod io;
pub mod pipeline;
pub mod stages;

pub use toolkit::{ml, report};

pub use config::StudyConfig;
pub use error::{Result, StudyError};
pub use report::table::{Table, Tables};
pub use stages::{
    analytics, eda, leaderboard, processing, segmentation, sourcing, targeting, training,
    understanding,
};
