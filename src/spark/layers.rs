//! resource → bronze → silver → gold on Spark: the polars engine's schema checks, cleaning and
//! feature rules (the same [`RowExpr`](crate::data::expr::RowExpr) trees, in the same order),
//! the same lineage and the same gold tables, written as parquet (and the gold tables as CSV)
//! under a root the cluster can read (a local folder for the local server; `hdfs://…` or
//! `s3a://…` on a cluster).
//!
//! All or nothing, as far as a cluster's storage allows: Spark Connect cannot rename a folder,
//! so every check that can refuse the input (the raw schema and values, unknown categories,
//! customers younger than the age groups) runs before the first write, on the typed table
//! cached in the cluster; a refused input leaves every existing layer as it was.

use super::expr::{first_failing, to_spark, with_rules};
use super::{check_written, int_at, one_row, spark_err};
use crate::data::expr::{field, RowExpr};
use crate::data::gold::AGG_COLUMNS;
use crate::data::lineage as p;
use crate::data::lineage::{Lineage, Step};
use crate::data::rules::{self, Reference};
use crate::data::schema::{MARITAL_STATUSES, RAW_COLUMNS, SILVER_COLUMNS};
use crate::data::validation::{checks, ColumnRule};
use crate::error::{Result, StudyError};
use crate::ml::stats::{whiskers, OutlierBounds};
use spark_connect::functions as f;
use spark_connect::row::Value;
use spark_connect::{col, lit, lit_double, DataFrame, SparkSession};
use std::path::PathBuf;

const ROW: &str = "__row";
const PROBLEM: &str = "__problem";

/// Where the Spark engine writes each layer, under `root` (folders of part files, as Spark
/// writes them; the names are the polars engine's).
#[derive(Debug, Clone, PartialEq)]
pub struct SparkPaths {
    pub root: String,
}

impl SparkPaths {
    pub fn new(root: &str) -> Self {
        Self {
            root: root.trim_end_matches('/').to_string(),
        }
    }
    pub fn resource(&self) -> String {
        format!("{}/01_resource/ifood_crm.csv", self.root)
    }
    pub fn bronze(&self) -> String {
        format!("{}/02_bronze/customers.parquet", self.root)
    }
    pub fn silver(&self) -> String {
        format!("{}/03_silver/customers.parquet", self.root)
    }
    pub fn silver_wide(&self) -> String {
        format!("{}/03_silver/customers_wide.parquet", self.root)
    }
    pub fn gold(&self, column: &str) -> String {
        format!(
            "{}/04_gold/agg_{}.csv",
            self.root,
            column.to_ascii_lowercase()
        )
    }
}

/// What the Spark engine wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct SparkLayersReport {
    pub paths: SparkPaths,
    /// Rows of the raw file (= bronze).
    pub rows: usize,
    /// The silver lineage, step for step the polars engine's.
    pub lineage: Lineage,
}

/// The file-order index (`ROW`) of the first row of `df` where `rule` holds, if any (a global
/// aggregate: always one row, so a cut stream is an error, not "no such row").
fn first_where(df: &DataFrame, rule: &RowExpr, action: &str) -> Result<Option<i64>> {
    let row = one_row(
        &df.filter(to_spark(rule))
            .agg(vec![f::min(col(ROW)).expression().clone()]),
        action,
    )?;
    Ok(int_at(&row, 0))
}

/// The values of `columns` at file-order index `row` (a row known to exist).
fn at_row(df: &DataFrame, row: i64, columns: &[&str], action: &str) -> Result<Vec<Value>> {
    one_row(
        &df.filter(col(ROW).eq(lit(row)))
            .select(columns.iter().map(|c| col(c)).collect::<Vec<_>>()),
        action,
    )
}

/// Rows and responders of a frame.
fn counts(df: &DataFrame) -> Result<(usize, usize)> {
    let row = one_row(
        &df.agg(vec![
            f::count(lit(1)).expression().clone(),
            f::sum(col("Response"))
                .cast_str("bigint")
                .expression()
                .clone(),
        ]),
        "counting rows",
    )?;
    let get = |i: usize| int_at(&row, i).unwrap_or(0) as usize;
    Ok((get(0), get(1)))
}

/// The raw table's first problem (row in file order, check, text of the value), found by the
/// polars engine's checks compiled to Spark. `indexed` is the text table with its `ROW`.
fn check_raw(indexed: &DataFrame, input: &str) -> Result<()> {
    let rules: Vec<ColumnRule> = RAW_COLUMNS.iter().map(ColumnRule::from).collect();
    let checks = checks(&rules);
    let flagged = indexed.with_column(PROBLEM, first_failing(&checks));
    let failing = RowExpr::IsNull(Box::new(field(PROBLEM))).not();
    let Some(row) = first_where(&flagged, &failing, "checking the raw table")? else {
        return Ok(());
    };
    let found = at_row(&flagged, row, &[PROBLEM], "reading the first problem")?;
    let check = int_at(&found, 0)
        .and_then(|i| checks.get(i as usize))
        .ok_or_else(|| StudyError::Invalid(format!("line {}: no check failed", row + 2)))?;
    let value = at_row(indexed, row, &[&check.column], "reading the refused value")?
        .first()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    Err(StudyError::InvalidValue {
        path: PathBuf::from(input),
        line: row as u64 + 2,
        column: check.column.clone(),
        value,
        problem: check.problem,
        expected: check.expected.clone(),
    })
}

/// Tukey's outlier bounds of `column`, with Spark's exact `percentile` (linear interpolation
/// between order statistics, as polars' linear quantile).
fn outlier_bounds(df: &DataFrame, column: &str) -> Result<OutlierBounds> {
    let q = |p: f64| f::call_function("percentile", [col(column), lit_double(p)]);
    let row = one_row(
        &df.agg(vec![
            q(0.25).expression().clone(),
            q(0.75).expression().clone(),
            f::count(lit(1)).expression().clone(),
        ]),
        "computing quartiles",
    )?;
    let get = |i: usize| row.get(i).and_then(|v| v.as_f64());
    let (Some(q1), Some(q3)) = (get(0), get(1)) else {
        return Err(StudyError::Invalid(format!(
            "no values of {column} to compute its quartiles on"
        )));
    };
    let rows = int_at(&row, 2).unwrap_or(0) as usize;
    let (lower, upper) = whiskers(q1, q3);
    let outside = rules::within(column, lower, upper).not();
    let removed = int_at(
        &one_row(
            &df.agg(vec![f::count_if(to_spark(&outside)).expression().clone()]),
            "counting outliers",
        )?,
        0,
    )
    .unwrap_or(0) as usize;
    let removed_values: Vec<f64> = df
        .filter(to_spark(&outside))
        .select([col(column).cast_str("double").alias(column)])
        .sort(vec![col(column).asc().expression().clone()])
        .limit(50)
        .collect()
        .map_err(spark_err("listing outliers"))?
        .iter()
        .filter_map(|r| r.get(0).and_then(|v| v.as_f64()))
        .collect();
    if removed_values.len() != removed.min(50) {
        return Err(StudyError::Spark {
            action: format!("listing the outliers of {column}"),
            message: format!(
                "{} of {} values arrived: the result stream was cut",
                removed_values.len(),
                removed.min(50)
            ),
        });
    }
    Ok(OutlierBounds::new(
        column,
        rows,
        (q1, q3),
        removed,
        removed_values,
    ))
}

/// The gold table of `column`: a row per value (ascending, missing last) with its share
/// (1 decimal, half to even: `rint(100·n/N·10)/10`, polars' rounding to the bit) and count.
fn group_count(silver: &DataFrame, column: &str, total: usize) -> DataFrame {
    let share = f::call_function(
        "rint",
        [lit_double(100.0)
            .mul(col("Count").cast_str("double"))
            .div(lit_double(total as f64))
            .mul(lit_double(10.0))],
    )
    .div(lit_double(10.0));
    silver
        .group_by([col(column)])
        .agg(vec![f::count(lit(1))
            .cast_str("bigint")
            .alias("Count")
            .expression()
            .clone()])
        .with_column("Percentage", share)
        .sort(vec![col(column).asc_nulls_last().expression().clone()])
        .select([col(column), col("Percentage"), col("Count")])
}

/// Build every layer of `input` (a path or URI the cluster reads) under `paths` on `spark`.
pub fn layers(spark: &SparkSession, input: &str, paths: &SparkPaths) -> Result<SparkLayersReport> {
    let reading = format!("reading {input}");
    let text = spark.read().option("header", "true").csv(input);
    let header = text.columns().map_err(spark_err(&reading))?;
    let missing: Vec<String> = RAW_COLUMNS
        .iter()
        .filter(|c| !header.iter().any(|h| h == c.name))
        .map(|c| c.name.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(StudyError::MissingColumns {
            path: PathBuf::from(input),
            columns: missing,
        });
    }
    // every row keeps its place in the file (ROW) until the layers are written
    let indexed = text.zip_with_index(ROW);
    check_raw(&indexed, input)?;
    let typed = indexed
        .select(
            std::iter::once(col(ROW))
                .chain(
                    RAW_COLUMNS
                        .iter()
                        .map(|c| to_spark(&field(c.name).parse(c.kind)).alias(c.name)),
                )
                .collect::<Vec<_>>(),
        )
        .cache()
        .map_err(spark_err("caching the typed table"))?;

    // the cleaning's own check of the raw categories (the first in file order, as polars)
    let unknown = rules::unknown_marital_status();
    if let Some(row) = first_where(&typed, &unknown, "checking Marital_Status")? {
        let bad = at_row(
            &typed,
            row,
            &["ID", "Marital_Status"],
            "reading the category",
        )?;
        return Err(StudyError::UnknownCategory {
            column: "Marital_Status".into(),
            value: bad
                .get(1)
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            id: int_at(&bad, 0).unwrap_or(-1),
            known: MARITAL_STATUSES.iter().map(|s| s.to_string()).collect(),
        });
    }

    let mut steps = Vec::new();
    let mut step = |name: &str, rule: String, before: (usize, usize), after: (usize, usize)| {
        steps.push(Step::new(name, rule, before, after))
    };
    let c0 = counts(&typed)?;
    if c0.0 == 0 {
        return Err(StudyError::NoRows {
            path: PathBuf::from(input),
        });
    }
    step(p::STEP_READ, p::RULE_READ.into(), c0, c0);
    let known = typed.filter(to_spark(&rules::known_income()));
    let c1 = counts(&known)?;
    step(
        p::STEP_MISSING_INCOME,
        p::RULE_MISSING_INCOME.into(),
        c0,
        c1,
    );

    let latest = f::max(col("Dt_Customer"));
    let refs = one_row(
        &known.agg(vec![
            f::unix_date(latest.clone()).expression().clone(),
            f::year(latest.clone())
                .cast_str("bigint")
                .expression()
                .clone(),
            latest.cast_str("string").expression().clone(),
        ]),
        "computing the reference date",
    )?;
    let (Some(days), Some(year), Some(date)) = (
        int_at(&refs, 0),
        int_at(&refs, 1),
        refs.get(2).and_then(|v| v.as_str().map(str::to_string)),
    ) else {
        return Err(StudyError::Invalid(
            "no customer with a known Income: cannot compute the reference date".into(),
        ));
    };
    let reference = Reference {
        days: days as i32,
        year,
        date,
    };
    let mut lf = known;
    for round in rules::derived_columns(&reference) {
        lf = with_rules(&lf, round);
    }
    step(p::STEP_FEATURES, rules::describe(&reference), c1, c1);

    let mut outliers = Vec::new();
    let mut before = c1;
    for column in p::OUTLIER_COLUMNS {
        let b = outlier_bounds(&lf, column)?;
        lf = lf.filter(to_spark(&rules::within(column, b.lower, b.upper)));
        let after = counts(&lf)?;
        step(&p::outlier_step(column), p::outlier_rule(&b), before, after);
        before = after;
        outliers.push(b);
    }

    let young = rules::outside_age_groups();
    if let Some(row) = first_where(&lf, &young, "checking age groups")? {
        let found = at_row(
            &lf,
            row,
            &["ID", "Year_Birth", "Age"],
            "reading the customer",
        )?;
        let get = |i: usize| int_at(&found, i).unwrap_or(-1);
        return Err(rules::age_group_error(
            row as u64 + 2,
            get(0),
            get(1),
            get(2),
            year,
        ));
    }
    let wide = lf.drop(
        p::CONSTANT_COLUMNS
            .iter()
            .copied()
            .chain([ROW])
            .collect::<Vec<_>>(),
    );
    step(p::STEP_SELECT, p::RULE_SELECT.into(), before, before);

    // every check passed: write the layers, each checked by its rows once written
    let write = |df: &DataFrame, path: &str, rows: usize| -> Result<()> {
        df.write()
            .mode("overwrite")
            .parquet(path)
            .map_err(spark_err(&format!("writing {path}")))?;
        check_written(&spark.read().parquet(path), path, rows)
    };
    let resource = paths.resource();
    spark
        .read()
        .text(input)
        .coalesce(1)
        .write()
        .mode("overwrite")
        .text(&resource)
        .map_err(spark_err("writing the resource layer"))?;
    check_written(&spark.read().text(&resource), &resource, c0.0 + 1)?;
    write(&typed.drop(vec![ROW]), &paths.bronze(), c0.0)?;
    write(&wide, &paths.silver_wide(), before.0)?;
    let silver_df = spark.read().parquet(&paths.silver_wide());
    let lean = silver_df.select(SILVER_COLUMNS.iter().map(|c| col(c)).collect::<Vec<_>>());
    write(&lean, &paths.silver(), before.0)?;
    let lean = spark.read().parquet(&paths.silver());
    for column in AGG_COLUMNS {
        let path = paths.gold(column);
        group_count(&lean, column, before.0)
            .coalesce(1)
            .write()
            .mode("overwrite")
            .option("header", "true")
            .csv(&path)
            .map_err(spark_err(&format!("writing {path}")))?;
        // the counts of a whole table add up to the silver rows
        let gold = spark.read().option("header", "true").csv(&path);
        let total = one_row(
            &gold.agg(vec![f::sum(col("Count").cast_str("bigint"))
                .expression()
                .clone()]),
            &format!("checking {path}"),
        )?;
        if int_at(&total, 0) != Some(before.0 as i64) {
            return Err(StudyError::Spark {
                action: format!("checking {path}"),
                message: format!(
                    "its counts add up to {:?}, the silver layer has {} rows",
                    int_at(&total, 0),
                    before.0
                ),
            });
        }
    }
    let _ = typed.unpersist(false);
    Ok(SparkLayersReport {
        paths: paths.clone(),
        rows: c0.0,
        lineage: Lineage {
            source: paths.bronze(),
            reference_date: reference.date.clone(),
            steps,
            outliers,
            columns: SILVER_COLUMNS.iter().map(|s| s.to_string()).collect(),
        },
    })
}
