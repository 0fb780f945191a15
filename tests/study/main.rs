//! The study's integration tests, one module per part of the study, built as one test binary: one
//! link of polars and the study instead of thirteen (README, "Timings"). Each module keeps the
//! fixtures it had as its own binary: `common::built()` gives every module its own data directory
//! (a stage one module runs never writes into another's), and a module's `OnceLock`s are its own.
//! One module: `cargo test --test study layers::`.

mod common;

mod app;
mod architecture;
mod bad_input;
mod browser;
mod classify;
mod cli;
mod deployment;
mod eda;
mod layers;
mod segmentation;
mod spark;
mod synth;
mod targeting;
