//! The study's stages, one module each, in the order data flows through the layers. Each reads
//! the layer files the stages before it wrote (through [`crate::data::layers`]) and writes its
//! own; none calls another stage. [`crate::pipeline`] wires them in order.

pub mod analytics;
pub mod deployment;
pub mod eda;
pub mod leaderboard;
pub mod processing;
pub mod segmentation;
pub mod sourcing;
pub mod targeting;
pub mod training;
pub mod understanding;
