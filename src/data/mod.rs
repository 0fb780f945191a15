//! The study's data contract, shared by the stages: what each layer holds and how it is read.
//!
//! - [`schema`]: the raw (bronze) columns and types, and the silver columns;
//! - [`layers`]: typed readers of every layer file, each naming the stage that writes it;
//! - [`lineage`]: the silver lineage record (steps, rows, outlier bounds);
//! - [`gold`]: the gold aggregate format (`<column>, Percentage, Count`), its reader and chart;
//! - [`features`]: the modelling features and column roles, and the classifier's data;
//! - [`expr`]: the row rules as one description both engines execute (polars here, Spark in `spark`);
//! - [`rules`]: the silver rules (§4) as row rules, for processing (either engine) and scoring;
//! - [`validation`]: checks of raw records (types, categories, domain rules, ranges), per row;
//! - [`original`]: the original study's published numbers (SEED_STUDY.md), to compare with.

pub mod expr;
pub mod features;
pub mod gold;
pub mod layers;
pub mod lineage;
pub mod original;
pub mod rules;
pub mod schema;
pub mod validation;
