//! Stage 5 — analytics: silver → gold aggregate tables (SEED_STUDY.md §9): for one column, a row
//! per value (ascending) with the share of customers (1 decimal) and the count.

use crate::config::StudyConfig;
use crate::data::gold::group_count;
pub use crate::data::gold::{agg_chart, read_agg, AGG_COLUMNS};
use crate::data::layers::{read_lineage, silver_queried_often};
use crate::data::lineage::Lineage;
use crate::error::Result;
use crate::io::{write_csv, write_json};
use crate::report::charts::{save_all, Chart};
use crate::report::table::Table;
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One gold table written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoldTable {
    pub file: String,
    pub column: String,
    pub groups: usize,
    pub customers: usize,
}

/// Lineage of the gold layer: the silver lineage plus the tables built from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoldLineage {
    pub silver: Lineage,
    pub tables: Vec<GoldTable>,
}

/// Run the analytics stage: every [`AGG_COLUMNS`] table into `04_gold/`, plus the lineage.
pub fn run(config: &StudyConfig) -> Result<GoldLineage> {
    write_gold(config, silver_queried_often(config)?)
}

/// The gold tables and their lineage from `silver`, the silver layer in memory or scanned
/// ([`silver_queried_often`]): the same files either way.
pub fn write_gold(config: &StudyConfig, silver: LazyFrame) -> Result<GoldLineage> {
    let mut tables = Vec::new();
    for column in AGG_COLUMNS {
        let mut df = group_count(silver.clone(), column)?;
        let path = config.gold_agg(column);
        write_csv(&mut df, &path)?;
        let customers = df
            .column("Count")
            .ok()
            .and_then(|c| c.i64().ok()?.sum())
            .unwrap_or(0) as usize;
        tables.push(GoldTable {
            file: format!(
                "04_gold/{}",
                path.file_name().unwrap_or_default().to_string_lossy()
            ),
            column: column.to_string(),
            groups: df.height(),
            customers,
        });
    }
    let lineage = GoldLineage {
        silver: read_lineage(config)?,
        tables,
    };
    write_json(&lineage, &config.gold_lineage())?;
    Ok(lineage)
}

/// The gold tables written, as a table.
pub fn tables_written(gold: &GoldLineage) -> Table {
    Table::new(
        ["file", "column", "groups", "customers"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        gold.tables
            .iter()
            .map(|t| {
                vec![
                    t.file.clone(),
                    t.column.clone(),
                    t.groups.to_string(),
                    t.customers.to_string(),
                ]
            })
            .collect(),
    )
    .with_caption("Gold aggregate tables")
}

/// The bar-and-donut chart of every gold aggregate table (the figures of notebook 05).
pub fn figures(config: &StudyConfig) -> Result<Vec<(String, Chart)>> {
    AGG_COLUMNS
        .iter()
        .map(|column| {
            Ok((
                format!("nb05_barplot_donutplot_{}", column.to_lowercase()),
                agg_chart(config, column)?,
            ))
        })
        .collect()
}

/// Write every chart of [`figures`] to `dir` as SVG and PNG; returns the files written.
pub fn write_figures(config: &StudyConfig, dir: &Path) -> Result<Vec<PathBuf>> {
    Ok(save_all(&figures(config)?, dir)?)
}
