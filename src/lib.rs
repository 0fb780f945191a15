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
//! 5. [`analytics`]: silver → `04_gold/` aggregate tables and their charts.
//!
//! [`charts`] draws every chart (plotters, SVG and PNG).
//!
//! [`pipeline`] wires the stages; [`config`] names every path and parameter.

pub mod analytics;
pub mod charts;
pub mod config;
pub mod eda;
pub mod error;
pub mod io;
pub mod metrics;
pub mod model_selection;
pub mod pipeline;
pub mod preprocessing;
pub mod processing;
pub mod schema;
pub mod segmentation;
pub mod sourcing;
pub mod table;
pub mod understanding;

pub use config::StudyConfig;
pub use error::{Result, StudyError};
pub use table::{Table, Tables};
