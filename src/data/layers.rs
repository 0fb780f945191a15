//! Typed readers of the layer files, one per file, each naming the stage that writes it (so a
//! missing file says which stage to run). Paths come from [`StudyConfig`]; no stage reads
//! another stage's files except through here.

use crate::config::StudyConfig;
use crate::data::lineage::Lineage;
use crate::data::schema::{SILVER_COLUMNS, TEXT_COLUMNS};
use crate::error::{PolarsContext, Result, StudyError};
use crate::io::{io_err, scan_layer};
use crate::ml::classifier::{FittedPipeline, Scores, METRICS};
use crate::ml::preprocessing::Columns;
use polars::prelude::*;
use std::path::Path;

/// Lazily scan the bronze layer (written by `layers`).
pub fn scan_bronze(config: &StudyConfig) -> Result<LazyFrame> {
    scan_layer(&config.bronze_parquet(), "layers")
}

/// Lazily scan the silver layer.
pub fn scan_silver(config: &StudyConfig) -> Result<LazyFrame> {
    scan_layer(&config.silver_parquet(), "layers")
}

/// A layer file at most this large (about 300,000 customers of bronze) is read into memory once
/// by a stage that queries it many times ([`bronze_queried_often`], [`silver_queried_often`]); a
/// larger one is scanned by every query, so that memory stays bounded at any size.
pub const READ_ONCE_BYTES: u64 = 8 << 20;

/// The bronze layer for a stage that queries it many times (the cleaning counts the rows of
/// every step): in memory when its file is small ([`READ_ONCE_BYTES`]), else the lazy scan.
pub fn bronze_queried_often(config: &StudyConfig) -> Result<LazyFrame> {
    queried_often(scan_bronze(config)?, &config.bronze_parquet())
}

/// The silver layer for a stage that queries it many times (a gold table a column): as
/// [`bronze_queried_often`].
pub fn silver_queried_often(config: &StudyConfig) -> Result<LazyFrame> {
    queried_often(scan_silver(config)?, &config.silver_parquet())
}

/// `scan` (of the file `path`) collected once when the file is small: every query then runs on
/// one frame instead of decoding the file again. On the case file the silver stage took 22-25 ms
/// with a scan per query and 12-13 ms reading the file once; the files written are the same
/// bytes either way (tested).
fn queried_often(scan: LazyFrame, path: &Path) -> Result<LazyFrame> {
    let bytes = std::fs::metadata(path).map_err(io_err("read", path))?.len();
    if bytes > READ_ONCE_BYTES {
        return Ok(scan);
    }
    Ok(scan
        .collect()
        .ctx(|| format!("reading {}", path.display()))?
        .lazy())
}

/// Read the silver lineage record.
pub fn read_lineage(config: &StudyConfig) -> Result<Lineage> {
    if !config.silver_lineage().exists() {
        return Err(StudyError::MissingLayer {
            path: config.silver_lineage(),
            stage: "layers",
        });
    }
    Ok(crate::io::read_json(&config.silver_lineage())?)
}

/// Every silver column, text columns as categories and the rest as numbers.
pub fn silver_columns(config: &StudyConfig) -> Result<Columns> {
    let df = scan_silver(config)?
        .collect()
        .ctx(|| "reading the silver layer".to_string())?;
    let columns = Columns::from_frame(&df, &SILVER_COLUMNS, &TEXT_COLUMNS)?;
    drop(df);
    crate::io::release_freed_memory();
    Ok(columns)
}

/// Lazily scan the wide silver table (the lean rows with `ID` and every raw column).
pub fn scan_silver_wide(config: &StudyConfig) -> Result<LazyFrame> {
    scan_layer(&config.silver_wide_parquet(), "layers")
}

/// Lazily scan the clustered silver layer (written by `segment`).
pub fn scan_clustered(config: &StudyConfig) -> Result<LazyFrame> {
    scan_layer(&config.clustered_parquet(), "segment")
}

/// Mean CV metrics per model of a leaderboard file (`04_gold/models_metrics*.csv`, written by
/// `select`), in the file's order.
/// Mean metrics per model read back from a gold leaderboard table, in the table's order.
pub fn read_means(path: &Path) -> Result<Vec<(String, Scores)>> {
    if !path.exists() {
        return Err(StudyError::MissingLayer {
            path: path.to_path_buf(),
            stage: "select",
        });
    }
    let df = LazyCsvReader::new(crate::io::pl_path(path))
        .with_has_header(true)
        .finish()
        .and_then(|lf| lf.collect())
        .ctx(|| format!("reading {}", path.display()))?;
    let models: Vec<String> = df
        .column("Model")
        .and_then(|c| c.cast(&DataType::String))
        .ctx(|| format!("{}: column Model", path.display()))?
        .str()
        .ctx(|| format!("{}: column Model", path.display()))?
        .iter()
        .map(|v| v.unwrap_or_default().to_string())
        .collect();
    let mut values = Vec::new();
    for m in METRICS {
        let c = df
            .column(m)
            .and_then(|c| c.cast(&DataType::Float64))
            .ctx(|| format!("{}: column {m}", path.display()))?;
        let v: Vec<f64> = c
            .f64()
            .ctx(|| format!("{}: column {m}", path.display()))?
            .iter()
            .map(|v| v.unwrap_or(f64::NAN))
            .collect();
        values.push(v);
    }
    let mut out: Vec<(String, Vec<Scores>)> = Vec::new();
    for (i, m) in models.iter().enumerate() {
        let s = Scores::from_values([0, 1, 2, 3, 4].map(|j| values[j][i]));
        match out.iter_mut().find(|(n, _)| n == m) {
            Some((_, v)) => v.push(s),
            None => out.push((m.clone(), vec![s])),
        }
    }
    Ok(out
        .into_iter()
        .map(|(m, v)| (m, Scores::mean(&v)))
        .collect())
}

/// A final pipeline saved by `train` (`models/classifier.json`, or `classifier_leak_free.json`).
pub fn load_model(config: &StudyConfig, leak_free: bool) -> Result<FittedPipeline> {
    let path = config.final_model(leak_free);
    if !path.exists() {
        return Err(StudyError::MissingLayer {
            path,
            stage: "train",
        });
    }
    Ok(FittedPipeline::load(&path)?)
}
