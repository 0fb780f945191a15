//! Stage 2 — data understanding: a profile of every raw column (type, missing, distinct,
//! min/median/max or category counts), the data problems it reveals, and a numeric summary
//! (`describe`, which Rust polars lacks) used on every layer.

use crate::config::StudyConfig;
use crate::data::layers::scan_bronze;
use crate::error::{PolarsContext, Result};
use crate::ml::stats::{describe, describe_table, is_numeric};
use crate::report::table::{fmt_num, Table};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

/// Profile of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    pub name: String,
    pub dtype: String,
    pub missing: usize,
    pub distinct: usize,
    pub min: Option<String>,
    pub median: Option<String>,
    pub max: Option<String>,
    /// Most frequent values with counts (text columns and columns with ≤ 10 distinct values).
    pub top: Vec<(String, usize)>,
}

/// A data problem found by the profile, and what the study does about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    pub column: String,
    pub problem: String,
    pub rows: usize,
    pub treatment: String,
}

/// Profile of a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub rows: usize,
    pub columns: Vec<ColumnProfile>,
    pub problems: Vec<Problem>,
}

fn first_string(df: &DataFrame, name: &str) -> Option<String> {
    let c = df.column(name).ok()?;
    let v = c.get(0).ok()?;
    match v {
        AnyValue::Null => None,
        AnyValue::Float64(x) => Some(fmt_num(x)),
        other => Some(other.to_string()),
    }
}

fn first_usize(df: &DataFrame, name: &str) -> usize {
    df.column(name)
        .ok()
        .and_then(|c| c.cast(&DataType::Int64).ok())
        .and_then(|c| c.i64().ok()?.get(0))
        .unwrap_or(0) as usize
}

/// Value counts of one column, most frequent first (ties by value), at most `limit`.
pub fn value_counts(lf: LazyFrame, column: &str, limit: usize) -> Result<Vec<(String, usize)>> {
    let df = lf
        .group_by([col(column).cast(DataType::String)])
        .agg([len().cast(DataType::Int64).alias("n")])
        .sort(
            ["n", column],
            SortMultipleOptions::default().with_order_descending_multi([true, false]),
        )
        .limit(limit as IdxSize)
        .collect()
        .ctx(|| format!("counting values of {column}"))?;
    let keys = df.column(column).ok().and_then(|c| c.str().ok().cloned());
    let ns = df.column("n").ok().and_then(|c| c.i64().ok().cloned());
    Ok(match (keys, ns) {
        (Some(k), Some(n)) => k
            .iter()
            .zip(n.iter())
            .map(|(k, n)| {
                (
                    k.unwrap_or("(missing)").to_string(),
                    n.unwrap_or(0) as usize,
                )
            })
            .collect(),
        _ => Vec::new(),
    })
}

/// Profile every column of `lf` in one pass (plus one value count per low-cardinality column),
/// then list the problems found (a column called ID is treated as the identifier).
pub fn profile(lf: LazyFrame) -> Result<Profile> {
    let schema = lf
        .clone()
        .collect_schema()
        .ctx(|| "reading the schema".to_string())?;
    let mut aggs = vec![len().alias("__rows")];
    for (name, dt) in schema.iter() {
        let n = name.as_str();
        aggs.push(col(n).null_count().alias(format!("{n}|missing")));
        aggs.push(col(n).n_unique().alias(format!("{n}|distinct")));
        if is_numeric(dt) || dt.is_temporal() {
            aggs.push(col(n).min().alias(format!("{n}|min")));
            aggs.push(col(n).max().alias(format!("{n}|max")));
        }
        if is_numeric(dt) {
            aggs.push(
                col(n)
                    .cast(DataType::Float64)
                    .median()
                    .alias(format!("{n}|median")),
            );
        }
    }
    let stats = lf
        .clone()
        .select(aggs)
        .collect()
        .ctx(|| "profiling".to_string())?;
    let rows = first_usize(&stats, "__rows");
    let mut columns = Vec::new();
    for (name, dt) in schema.iter() {
        let n = name.as_str();
        let missing = first_usize(&stats, &format!("{n}|missing"));
        // n_unique counts null as a value; report distinct non-missing values.
        let distinct = first_usize(&stats, &format!("{n}|distinct")) - usize::from(missing > 0);
        let top = if matches!(dt, DataType::String) || distinct <= 10 {
            value_counts(lf.clone(), n, 10)?
        } else {
            Vec::new()
        };
        columns.push(ColumnProfile {
            name: n.to_string(),
            dtype: dt.to_string(),
            missing,
            distinct,
            min: first_string(&stats, &format!("{n}|min")),
            median: first_string(&stats, &format!("{n}|median")),
            max: first_string(&stats, &format!("{n}|max")),
            top,
        });
    }
    let problems = find_problems(&lf, rows, &columns)?;
    Ok(Profile {
        rows,
        columns,
        problems,
    })
}

/// The problems a data scientist would flag in the raw table, each with the study's treatment.
fn find_problems(lf: &LazyFrame, rows: usize, columns: &[ColumnProfile]) -> Result<Vec<Problem>> {
    let mut out = Vec::new();
    for c in columns {
        if c.missing > 0 {
            out.push(Problem {
                column: c.name.clone(),
                problem: format!(
                    "{} missing values ({:.1} % of rows)",
                    c.missing,
                    100.0 * c.missing as f64 / rows.max(1) as f64
                ),
                rows: c.missing,
                treatment: "rows dropped in processing (too few to impute for a study)".into(),
            });
        }
        if c.distinct == 1 && rows > 1 {
            out.push(Problem {
                column: c.name.clone(),
                problem: format!("constant (always {})", c.min.clone().unwrap_or_default()),
                rows,
                treatment: "dropped: carries no information (cost 3 and revenue 11 per contact)"
                    .into(),
            });
        }
        if c.distinct == rows && c.name.eq_ignore_ascii_case("id") {
            out.push(Problem {
                column: c.name.clone(),
                problem: "unique per row: an identifier, not a feature".into(),
                rows,
                treatment: "dropped from the features".into(),
            });
        }
        if c.dtype == "str" {
            let rare: Vec<String> = c
                .top
                .iter()
                .filter(|(_, n)| (*n as f64) < 0.01 * rows as f64)
                .map(|(v, n)| format!("{v} {n}"))
                .collect();
            if !rare.is_empty() {
                let n: usize = c
                    .top
                    .iter()
                    .filter(|(_, n)| (*n as f64) < 0.01 * rows as f64)
                    .map(|(_, n)| n)
                    .sum();
                out.push(Problem {
                    column: c.name.clone(),
                    problem: format!(
                        "rare or meaningless categories (< 1 % each): {}",
                        rare.join(", ")
                    ),
                    rows: n,
                    treatment: if c.name == "Marital_Status" {
                        "merged: Married/Together → Partner, all others → Single".into()
                    } else {
                        "kept".into()
                    },
                });
            }
        }
    }
    // Implausible birth years: older than 100 at the latest enrolment date.
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    if names.contains(&"Year_Birth") && names.contains(&"Dt_Customer") {
        let df = lf
            .clone()
            .filter(
                (col("Dt_Customer").max().dt().year().cast(DataType::Int64) - col("Year_Birth"))
                    .gt(lit(100i64)),
            )
            .select([col("Year_Birth")])
            .sort(["Year_Birth"], Default::default())
            .collect()
            .ctx(|| "checking birth years".to_string())?;
        if df.height() > 0 {
            let years: Vec<String> = df
                .column("Year_Birth")
                .ok()
                .and_then(|c| {
                    c.i64()
                        .ok()
                        .map(|ca| ca.into_no_null_iter().map(|y| y.to_string()).collect())
                })
                .unwrap_or_default();
            out.push(Problem {
                column: "Year_Birth".into(),
                problem: format!(
                    "implausible birth years (age over 100): {}",
                    years.join(", ")
                ),
                rows: df.height(),
                treatment: "removed by the IQR rule on Age".into(),
            });
        }
    }
    if names.contains(&"Income") {
        let b = crate::ml::stats::iqr_bounds(
            &lf.clone().filter(col("Income").is_not_null()),
            "Income",
        )?;
        if b.removed > 0 {
            out.push(Problem {
                column: "Income".into(),
                problem: format!(
                    "{} incomes above Q3 + 1.5·IQR = {} of the raw incomes (max {})",
                    b.removed,
                    fmt_num(b.upper),
                    b.removed_values
                        .last()
                        .map(|v| fmt_num(*v))
                        .unwrap_or_default()
                ),
                rows: b.removed,
                treatment: "removed by the IQR rule on Income, which processing applies after the \
                            Age rule, so on fewer rows and with its own bound (notebook 03)"
                    .into(),
            });
        }
    }
    // Duplicated customers: identical in every column but the identifier.
    let keep: Vec<Expr> = names
        .iter()
        .filter(|n| !n.eq_ignore_ascii_case("id"))
        .map(|n| col(*n))
        .collect();
    let distinct_rows = lf
        .clone()
        .select(keep)
        .unique(None, UniqueKeepStrategy::First)
        .select([len().alias("n")])
        .collect()
        .ctx(|| "counting duplicates".to_string())?;
    let dups = rows - first_usize(&distinct_rows, "n");
    if dups > 0 {
        out.push(Problem {
            column: "(all but ID)".into(),
            problem: format!("{dups} rows repeat an earlier customer in every column but ID"),
            rows: dups,
            treatment: "kept, as the original did; they can fall on both sides of a CV split"
                .into(),
        });
    }
    Ok(out)
}

impl Profile {
    /// One row per column.
    pub fn table(&self) -> Table {
        let columns = [
            "column",
            "dtype",
            "missing",
            "distinct",
            "min",
            "median",
            "max",
            "top values",
        ];
        let rows = self
            .columns
            .iter()
            .map(|c| {
                vec![
                    c.name.clone(),
                    c.dtype.clone(),
                    c.missing.to_string(),
                    c.distinct.to_string(),
                    c.min.clone().unwrap_or_default(),
                    c.median.clone().unwrap_or_default(),
                    c.max.clone().unwrap_or_default(),
                    c.top
                        .iter()
                        .map(|(v, n)| format!("{v}: {n}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                ]
            })
            .collect();
        Table::new(columns.iter().map(|s| s.to_string()).collect(), rows).with_caption(format!(
            "Profile of {} rows × {} columns",
            self.rows,
            self.columns.len()
        ))
    }

    /// One row per problem found.
    pub fn problems_table(&self) -> Table {
        let rows = self
            .problems
            .iter()
            .map(|p| {
                vec![
                    p.column.clone(),
                    p.problem.clone(),
                    p.rows.to_string(),
                    p.treatment.clone(),
                ]
            })
            .collect();
        Table::new(
            ["column", "problem", "rows", "treatment"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            rows,
        )
        .with_caption("Problems found in the raw data")
    }

    /// The profile of one column by name.
    pub fn column(&self, name: &str) -> Option<&ColumnProfile> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Profile the bronze layer (the raw table, typed).
pub fn profile_bronze(config: &StudyConfig) -> Result<Profile> {
    profile(scan_bronze(config)?)
}

/// `describe` of the bronze layer's numeric columns.
pub fn bronze_summary(config: &StudyConfig) -> Result<Table> {
    let stats = describe(scan_bronze(config)?)?;
    Ok(describe_table(&stats).with_caption("Raw numeric columns"))
}
