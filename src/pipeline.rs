//! The study as a pipeline: the stages wired in order, each a function of the configuration.
//! The CLI and the notebooks call these same functions.

use crate::config::StudyConfig;
use crate::data::lineage::Lineage;
use crate::error::Result;
use crate::stages::analytics::{self, GoldLineage};
use crate::stages::processing;
use crate::stages::sourcing::{self, SourcingReport};
use std::fmt;
use std::path::Path;

/// What `layers` wrote: resource, bronze, silver and gold.
#[derive(Debug, Clone, PartialEq)]
pub struct LayersReport {
    pub sourcing: SourcingReport,
    pub silver: Lineage,
    pub gold: GoldLineage,
    pub config: StudyConfig,
}

/// resource → bronze → silver → gold.
pub fn layers(config: &StudyConfig, input: &Path) -> Result<LayersReport> {
    let sourcing = sourcing::run(config, input)?;
    let silver = processing::run(config)?;
    let gold = analytics::run(config)?;
    Ok(LayersReport {
        sourcing,
        silver,
        gold,
        config: config.clone(),
    })
}

impl fmt::Display for LayersReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.sourcing;
        let c = &self.config;
        writeln!(
            f,
            "resource  {}  ({} bytes, sha256 {}{})",
            s.resource.display(),
            s.resource_bytes,
            &s.sha256[..12],
            if s.is_published_file {
                ", the published case file"
            } else {
                ", NOT the published case file"
            }
        )?;
        writeln!(
            f,
            "bronze    {}  ({} rows × {} columns, {} bytes)",
            s.bronze.display(),
            s.rows,
            s.columns,
            s.bronze_bytes
        )?;
        let last = self.silver.steps.last().map(|s| s.rows_out).unwrap_or(0);
        writeln!(
            f,
            "silver    {}  ({} rows × {} columns)",
            c.silver_parquet().display(),
            last,
            self.silver.columns.len()
        )?;
        writeln!(f, "          {}", c.silver_lineage().display())?;
        for t in &self.gold.tables {
            writeln!(
                f,
                "gold      {}  ({} groups)",
                c.gold_dir()
                    .join(Path::new(&t.file).file_name().unwrap_or_default())
                    .display(),
                t.groups
            )?;
        }
        write!(f, "          {}", c.gold_lineage().display())
    }
}
