//! The study as a pipeline: the stages wired in order, each a function of the configuration.
//! The CLI and the notebooks call these same functions.

use crate::config::StudyConfig;
use crate::data::lineage::Lineage;
use crate::error::Result;
use crate::io::io_err;
use crate::report::table::Table;
use crate::stages::analytics::{self, GoldLineage};
use crate::stages::eda::{self, FeatureAssociation, Personas};
use crate::stages::processing;
use crate::stages::sourcing::{self, SourcingReport};
use std::fmt;
use std::path::{Path, PathBuf};

/// What `layers` wrote: resource, bronze, silver and gold.
#[derive(Debug, Clone, PartialEq)]
pub struct LayersReport {
    pub sourcing: SourcingReport,
    pub silver: Lineage,
    pub gold: GoldLineage,
    pub config: StudyConfig,
}

/// resource → bronze → silver → gold, all or nothing: every layer is built in a staging folder
/// beside the old ones ([`StudyConfig::staging_dir`]), and only when all four are built are their files
/// moved into place, each by an atomic rename. A bad input, wherever it fails (schema, cleaning,
/// aggregation), leaves every existing layer as it was.
pub fn layers(config: &StudyConfig, input: &Path) -> Result<LayersReport> {
    let staging = config.staging_dir();
    remove_dir(&staging)?; // a crashed earlier run's leftovers
    let staged = StudyConfig {
        data_dir: staging.clone(),
        ..config.clone()
    };
    let mut report = match build(&staged, input) {
        Ok(report) => report,
        Err(e) => {
            remove_dir(&staging)?;
            return Err(e);
        }
    };
    promote(&staging, &config.data_dir)?;
    remove_dir(&staging)?;
    report.sourcing.resource = config.resource_csv();
    report.sourcing.bronze = config.bronze_parquet();
    report.config = config.clone();
    Ok(report)
}

fn build(config: &StudyConfig, input: &Path) -> Result<LayersReport> {
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

/// What `eda` wrote and found: the chart files of the exploratory analysis and of the analytics
/// (notebooks 04 and 05), and the tables behind them.
pub struct EdaReport {
    /// Every chart, as SVG and PNG, in `dir`.
    pub charts: Vec<PathBuf>,
    /// Medians of the numeric columns by Response.
    pub medians: Table,
    /// The univariate response rates (SEED_STUDY.md §5.3).
    pub rates: Table,
    /// The two median-split personas and the original's impact estimate (§5.2).
    pub personas: Personas,
    /// Every feature's association with Response, strongest first.
    pub associations: Vec<FeatureAssociation>,
}

/// The exploratory analysis on the silver layer: every chart of notebooks 04 and 05 into `dir`,
/// and the tables the CLI prints (its `eda` command and `bench_case`'s `eda` part).
pub fn eda(config: &StudyConfig, dir: &Path) -> Result<EdaReport> {
    let mut charts = eda::write_figures(config, dir)?;
    charts.extend(analytics::write_figures(config, dir)?);
    Ok(EdaReport {
        charts,
        medians: eda::medians_by(config, "Response")?,
        rates: eda::univariate_rates(config)?,
        personas: eda::personas(config)?,
        associations: eda::target_analysis(config)?,
    })
}

/// Move every file under `from` to the same place under `to` (renames within one folder tree,
/// so each is atomic).
fn promote(from: &Path, to: &Path) -> Result<()> {
    let entries = std::fs::read_dir(from).map_err(io_err("read", from))?;
    for entry in entries {
        let path = entry.map_err(io_err("read", from))?.path();
        let target = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            std::fs::create_dir_all(&target).map_err(io_err("create directory", &target))?;
            promote(&path, &target)?;
        } else {
            std::fs::rename(&path, &target).map_err(io_err("replace", &target))?;
        }
    }
    Ok(())
}

fn remove_dir(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_err("remove", dir)(e)),
        _ => Ok(()),
    }
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
