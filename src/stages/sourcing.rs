//! Stage 1 — data sourcing: the raw CSV is validated against the schema, placed unchanged in
//! `01_resource/`, and stored typed in `02_bronze/` as parquet.
//!
//! Bronze is parquet (zstd) rather than the original's csv.gz: it keeps the validated types
//! (dates stay dates, Income stays Float64 with real nulls), is several times smaller, and later
//! stages scan only the columns they use.

use crate::config::StudyConfig;
use crate::data::schema::{PUBLISHED_SHA256, RAW_COLUMNS};
use crate::data::validation::{checks, first_problem, typed, ColumnRule};
use crate::error::{PolarsContext, Result, StudyError};
use crate::io::{copy_atomic, parquet_shape, pl_path, sink_parquet_checked};
use crate::report::table::Table;
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const ROW: &str = "__row";

/// What the sourcing stage wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourcingReport {
    /// The resource file (raw bytes, unchanged).
    pub resource: PathBuf,
    /// SHA-256 of the raw bytes.
    pub sha256: String,
    /// Whether the bytes are exactly the published case file.
    pub is_published_file: bool,
    /// The bronze parquet file.
    pub bronze: PathBuf,
    pub rows: usize,
    pub columns: usize,
    pub resource_bytes: u64,
    pub bronze_bytes: u64,
}

/// Read a raw CSV and check it against the 29-column schema: every column present, every value
/// of the expected type, 0/1 flags, no missing values outside `Income`. Returns the typed table
/// (columns in schema order) or an error naming the file, line, column and value.
pub fn read_raw(path: &Path) -> Result<DataFrame> {
    let df = raw_query(path)?
        .collect()
        .ctx(|| format!("typing {}", path.display()))?;
    if df.height() == 0 {
        return Err(StudyError::NoRows {
            path: path.to_path_buf(),
        });
    }
    Ok(df)
}

/// [`read_raw`]'s checks, run over the file in batches; on success the typed table as a lazy
/// query (nothing else read yet), for a caller that streams it on.
pub fn raw_query(path: &Path) -> Result<LazyFrame> {
    let meta = std::fs::metadata(path).map_err(|source| StudyError::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    })?;
    if meta.len() == 0 {
        return Err(StudyError::EmptyInput {
            path: path.to_path_buf(),
        });
    }
    // Every column as text first, so a bad value is reported rather than silently inferred.
    let text = LazyCsvReader::new(pl_path(path))
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_row_index(Some(RowIndex {
            name: ROW.into(),
            offset: 0,
        }))
        .finish()
        .ctx(|| format!("reading {}", path.display()))?;
    let header = text
        .clone()
        .collect_schema()
        .ctx(|| format!("reading the header of {}", path.display()))?;
    let missing: Vec<String> = RAW_COLUMNS
        .iter()
        .filter(|c| !header.contains(c.name))
        .map(|c| c.name.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(StudyError::MissingColumns {
            path: path.to_path_buf(),
            columns: missing,
        });
    }

    let typed = text.clone().select(
        std::iter::once(col(ROW))
            .chain(RAW_COLUMNS.iter().map(|c| typed(c.name, c.kind)))
            .collect::<Vec<_>>(),
    );
    let rules: Vec<ColumnRule> = RAW_COLUMNS.iter().map(ColumnRule::from).collect();
    let checks = checks(&rules);
    let found = first_problem(text.clone(), &checks, ROW)
        .ctx(|| format!("validating {}", path.display()))?;
    if let Some((row, check, value)) = found {
        return Err(StudyError::InvalidValue {
            path: path.to_path_buf(),
            line: row + 2,
            column: check.column.clone(),
            value,
            problem: check.problem,
            expected: check.expected.clone(),
        });
    }

    Ok(typed.drop(by_name([ROW], true, false)))
}

/// Run the sourcing stage: validate `input`, then (only if valid) place it in `01_resource/`
/// unchanged and write the typed bronze layer. Invalid input changes nothing on disk.
pub fn run(config: &StudyConfig, input: &Path) -> Result<SourcingReport> {
    let typed = raw_query(input)?;
    let bronze = config.bronze_parquet();
    // typed rows streamed to the bronze file (a file with a header and no rows is refused
    // before it replaces anything)
    let mut shape = (0, 0);
    sink_parquet_checked(typed, &bronze, |written| {
        shape = parquet_shape(written)?;
        if shape.0 == 0 {
            return Err(StudyError::NoRows {
                path: input.to_path_buf(),
            });
        }
        Ok(())
    })?;
    let resource = config.resource_csv();
    let same_file = input
        .canonicalize()
        .ok()
        .zip(resource.canonicalize().ok())
        .is_some_and(|(a, b)| a == b);
    let sha256 = if same_file {
        crate::io::sha256_file(input)?
    } else {
        copy_atomic(input, &resource)?
    };
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    Ok(SourcingReport {
        is_published_file: sha256 == PUBLISHED_SHA256,
        sha256,
        rows: shape.0,
        columns: shape.1,
        resource_bytes: size(&resource),
        bronze_bytes: size(&bronze),
        resource,
        bronze,
    })
}

/// A layer file as a reader of the report should see it: its data folder, layer folder and name
/// (`data/01_resource/ifood_crm.csv`), never the machine's absolute path.
fn shown(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .rev()
        .take(3)
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.into_iter().rev().collect::<Vec<_>>().join("/")
}

impl SourcingReport {
    /// What was written, as a table.
    pub fn table(&self) -> Table {
        let rows = vec![
            vec![
                "resource".to_string(),
                shown(&self.resource),
                "CSV, bytes unchanged".to_string(),
                self.resource_bytes.to_string(),
                format!(
                    "sha256 {}…{}",
                    &self.sha256[..12],
                    if self.is_published_file {
                        " (the published case file)"
                    } else {
                        " (differs from the published case file)"
                    }
                ),
            ],
            vec![
                "bronze".to_string(),
                shown(&self.bronze),
                "parquet, zstd".to_string(),
                self.bronze_bytes.to_string(),
                format!(
                    "{} rows × {} columns, schema-checked",
                    self.rows, self.columns
                ),
            ],
        ];
        Table::new(
            ["layer", "file", "format", "bytes", "content"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            rows,
        )
    }
}

/// The raw schema contract as a table: column, type, nullable, allowed values.
pub fn schema_table() -> Table {
    let rows = RAW_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| {
            vec![
                (i + 1).to_string(),
                c.name.to_string(),
                c.kind.dtype().to_string(),
                if c.nullable { "yes" } else { "no" }.to_string(),
                c.expected(),
            ]
        })
        .collect();
    Table::new(
        ["#", "column", "type", "may be missing", "valid values"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows,
    )
    .with_caption("Raw schema checked before anything is written")
}

/// The first `n` rows of the bronze layer.
pub fn bronze_head(config: &StudyConfig, n: usize) -> Result<Table> {
    let df = crate::data::layers::scan_bronze(config)?
        .limit(n as IdxSize)
        .collect()
        .ctx(|| format!("reading {}", config.bronze_parquet().display()))?;
    Ok(Table::from_df(&df).with_caption(format!("First {n} bronze rows")))
}
