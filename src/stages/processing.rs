//! Stage 3 — data processing: bronze → silver, the cleaning and feature rules of SEED_STUDY.md §4,
//! step by step, with a lineage record of every step (rule, rows in and out, outlier bounds).

use crate::config::StudyConfig;
use crate::data::layers::{bronze_queried_often, scan_silver, scan_silver_wide};
use crate::data::lineage::{
    outlier_rule, outlier_step, Step, CONSTANT_COLUMNS, OUTLIER_COLUMNS, RULE_MISSING_INCOME,
    RULE_READ, RULE_SELECT, STEP_FEATURES, STEP_MISSING_INCOME, STEP_READ, STEP_SELECT,
};
use crate::data::rules::{self, age_group_error, derive, Reference};
use crate::data::schema::SILVER_COLUMNS;
use crate::error::{PolarsContext, Result, StudyError};
use crate::io::{sink_parquet, write_json};
use crate::ml::stats::{describe, describe_table, iqr_bounds};
use crate::report::table::Table;
use polars::prelude::*;

pub use crate::data::lineage::Lineage;
pub use crate::data::rules::{AGE_GROUPS, AGE_GROUPS_LOWEST_AGE, PARTNER_STATUSES};

/// Error on a Marital_Status value outside the known raw categories.
fn check_marital_status(lf: &LazyFrame) -> Result<()> {
    let known = crate::data::schema::MARITAL_STATUSES;
    let bad = lf
        .clone()
        .filter(rules::unknown_marital_status().to_polars())
        .select([col("ID"), col("Marital_Status")])
        .limit(1)
        .collect()
        .ctx(|| "checking Marital_Status".to_string())?;
    if bad.height() > 0 {
        let id = bad
            .column("ID")
            .ok()
            .and_then(|c| c.i64().ok()?.get(0))
            .unwrap_or(-1);
        let value = bad
            .column("Marital_Status")
            .ok()
            .and_then(|c| c.str().ok()?.get(0).map(str::to_string))
            .unwrap_or_default();
        return Err(StudyError::UnknownCategory {
            column: "Marital_Status".into(),
            value,
            id,
            known: known.iter().map(|s| s.to_string()).collect(),
        });
    }
    Ok(())
}

/// Error on a customer kept after the outlier filters whose age falls in no age group (younger
/// than 18, the lowest group's lower edge): AgeGroup would be null and the gold table would gain
/// an empty group. Names the raw file's line, the customer, the value and the rule.
fn check_age_groups(lf: &LazyFrame, raw: &LazyFrame, ref_year: i64) -> Result<()> {
    let bad = lf
        .clone()
        .filter(rules::outside_age_groups().to_polars())
        .select([col("ID"), col("Year_Birth"), col("Age")])
        .limit(1)
        .collect()
        .ctx(|| "checking age groups".to_string())?;
    if bad.height() == 0 {
        return Ok(());
    }
    let get = |name: &str| {
        bad.column(name)
            .ok()
            .and_then(|c| c.i64().ok()?.get(0))
            .unwrap_or(-1)
    };
    let (id, year, age) = (get("ID"), get("Year_Birth"), get("Age"));
    let line = raw
        .clone()
        .with_row_index("__row", None)
        .filter(col("ID").eq(lit(id)))
        .select([col("__row").cast(DataType::Int64)])
        .collect()
        .ctx(|| "locating the customer".to_string())?
        .column("__row")
        .ok()
        .and_then(|c| c.i64().ok()?.get(0))
        .map_or(0, |r| r as u64 + 2);
    Err(age_group_error(line, id, year, age, ref_year))
}

/// Rows and responders of a lazy frame.
fn counts(lf: &LazyFrame) -> Result<(usize, usize)> {
    let df = lf
        .clone()
        .select([
            len().alias("n"),
            col("Response").sum().cast(DataType::Int64).alias("r"),
        ])
        .collect()
        .ctx(|| "counting rows".to_string())?;
    let get = |name: &str| -> usize {
        df.column(name)
            .ok()
            .and_then(|c| c.cast(&DataType::Int64).ok())
            .and_then(|c| c.i64().ok()?.get(0))
            .unwrap_or(0) as usize
    };
    Ok((get("n"), get("r")))
}

/// Apply the §4 rules to the bronze table. Returns the silver table and its lineage.
/// Everything is a lazy polars query; only scalars (counts, quartiles, the reference date) are
/// collected between steps.
pub fn clean(bronze: LazyFrame, source: &str) -> Result<(DataFrame, Lineage)> {
    let (df, _, lineage) = clean_wide(bronze, source)?;
    Ok((df, lineage))
}

/// [`clean`], also returning the wide table: the same rows in the same order with the customer
/// `ID`, every raw column (but the constants `Z_CostContact`, `Z_Revenue`) and every derived
/// one. The targeting stage reads it for the customer key and the raw spends and campaigns
/// the 22 lean columns aggregate away.
pub fn clean_wide(bronze: LazyFrame, source: &str) -> Result<(DataFrame, DataFrame, Lineage)> {
    let (wide, lineage) = clean_query(bronze, source)?;
    let wide = wide
        .collect()
        .ctx(|| "building the silver table".to_string())?;
    let df = wide
        .select(SILVER_COLUMNS)
        .ctx(|| "selecting the silver columns".to_string())?;
    Ok((df, wide, lineage))
}

/// [`clean_wide`]'s rules as one lazy query for the wide table (the counts, quartiles and
/// reference date of its lineage computed), for a caller that streams it to a file.
pub fn clean_query(bronze: LazyFrame, source: &str) -> Result<(LazyFrame, Lineage)> {
    let cleaning = clean_steps(bronze, source)?;
    let wide = cleaning
        .frames
        .last()
        .map(|f| f.after.clone())
        .ok_or_else(|| StudyError::Invalid("the cleaning has no steps".into()))?;
    Ok((wide, cleaning.lineage))
}

/// One step of the cleaning as frames: the table after it (every column, `ID` included, until
/// the last step keeps the wide table's) and, for a rule that drops rows, the rows it dropped.
/// Both are lazy queries on the bronze table: nothing is read until a frame is collected.
#[derive(Clone)]
pub struct RuleFrame {
    pub step: String,
    pub after: LazyFrame,
    pub removed: Option<LazyFrame>,
}

/// The cleaning, step by step: a frame per lineage step (in the lineage's order) and the
/// lineage itself.
#[derive(Clone)]
pub struct Cleaning {
    pub frames: Vec<RuleFrame>,
    pub lineage: Lineage,
}

impl Cleaning {
    fn frame(&self, step: &str) -> Result<&RuleFrame> {
        self.frames.iter().find(|f| f.step == step).ok_or_else(|| {
            let known: Vec<&str> = self.frames.iter().map(|f| f.step.as_str()).collect();
            StudyError::Invalid(format!("no cleaning step {step:?}; the steps: {known:?}"))
        })
    }

    /// The table after `step` (a step name of the lineage, e.g. "missing Income").
    pub fn after(&self, step: &str) -> Result<LazyFrame> {
        Ok(self.frame(step)?.after.clone())
    }

    /// The rows `step` dropped, with every column; an empty frame for a step that drops none.
    pub fn removed(&self, step: &str) -> Result<LazyFrame> {
        let f = self.frame(step)?;
        Ok(f.removed
            .clone()
            .unwrap_or_else(|| f.after.clone().limit(0)))
    }
}

/// The cleaning of a bronze table step by step (see [`Cleaning`]); [`clean_query`] is its last
/// frame. Every rule is written once: a filter rule's kept rows and dropped rows are the same
/// expression and its negation.
pub fn clean_steps(bronze: LazyFrame, source: &str) -> Result<Cleaning> {
    let mut frames: Vec<RuleFrame> = Vec::new();
    let mut frame = |step: &str, after: &LazyFrame, removed: Option<LazyFrame>| {
        frames.push(RuleFrame {
            step: step.to_string(),
            after: after.clone(),
            removed,
        })
    };
    let mut steps = Vec::new();
    let mut step = |name: &str, rule: String, before: (usize, usize), after: (usize, usize)| {
        steps.push(Step::new(name, rule, before, after))
    };
    let c0 = counts(&bronze)?;
    step(STEP_READ, RULE_READ.into(), c0, c0);
    frame(STEP_READ, &bronze, None);

    check_marital_status(&bronze)?;
    let raw = bronze.clone();

    let known_income = rules::known_income().to_polars();
    let lf = bronze.clone().filter(known_income.clone());
    let c1 = counts(&lf)?;
    step(STEP_MISSING_INCOME, RULE_MISSING_INCOME.into(), c0, c1);
    frame(
        STEP_MISSING_INCOME,
        &lf,
        Some(bronze.filter(known_income.not())),
    );

    // Reference date: latest enrolment among the remaining rows (independent of the run date).
    // The latest enrolment first, then its parts from that one value: written as three
    // aggregations of one column, polars' common-subexpression pass joined a one-row column to
    // the full column on large inputs (a ShapeMismatch panic at 1M rows).
    let latest = lf
        .clone()
        .select([col("Dt_Customer").max().alias("ref")])
        .collect()
        .ctx(|| "computing the reference date".to_string())?;
    let refs = latest
        .lazy()
        .select([
            col("ref").cast(DataType::Int32).alias("days"),
            col("ref").dt().year().cast(DataType::Int64).alias("year"),
            col("ref").cast(DataType::String).alias("text"),
        ])
        .collect()
        .ctx(|| "computing the reference date".to_string())?;
    let ref_days = refs.column("days").ok().and_then(|c| c.i32().ok()?.get(0));
    let ref_year = refs.column("year").ok().and_then(|c| c.i64().ok()?.get(0));
    let ref_text = refs
        .column("text")
        .ok()
        .and_then(|c| c.str().ok()?.get(0).map(str::to_string));
    let (Some(days), Some(year), Some(date)) = (ref_days, ref_year, ref_text) else {
        return Err(StudyError::Invalid(
            "no customer with a known Income: cannot compute the reference date".into(),
        ));
    };
    let reference = Reference { days, year, date };
    let ref_year = reference.year;
    let lf = derive(lf, &reference);
    step(STEP_FEATURES, rules::describe(&reference), c1, c1);
    frame(STEP_FEATURES, &lf, None);

    let mut outliers = Vec::new();
    let mut lf = lf;
    let mut before = c1;
    for column in OUTLIER_COLUMNS {
        let b = iqr_bounds(&lf, column)?;
        let inside = rules::within(column, b.lower, b.upper).to_polars();
        let dropped = lf.clone().filter(inside.clone().not());
        lf = lf.filter(inside);
        let after = counts(&lf)?;
        let name = outlier_step(column);
        frame(&name, &lf, Some(dropped));
        step(&name, outlier_rule(&b), before, after);
        before = after;
        outliers.push(b);
    }

    check_age_groups(&lf, &raw, ref_year)?;

    let wide = lf.select([all().exclude_cols(CONSTANT_COLUMNS).as_expr()]);
    step(STEP_SELECT, RULE_SELECT.into(), before, before);
    frame(STEP_SELECT, &wide, None);
    let lineage = Lineage {
        source: source.to_string(),
        reference_date: reference.date.clone(),
        steps,
        outliers,
        columns: SILVER_COLUMNS.iter().map(|s| s.to_string()).collect(),
    };
    Ok(Cleaning { frames, lineage })
}

/// The cleaning of the study's bronze layer, step by step (notebook 03).
pub fn cleaning(config: &StudyConfig) -> Result<Cleaning> {
    clean_steps(bronze_queried_often(config)?, "02_bronze/customers.parquet")
}

/// Run the processing stage: bronze → `03_silver/customers.parquet` (22 lean columns),
/// `03_silver/customers_wide.parquet` (with ID and every column) and `03_silver/lineage.json`.
pub fn run(config: &StudyConfig) -> Result<Lineage> {
    write_silver(config, bronze_queried_often(config)?)
}

/// The silver layer (wide and lean) and its lineage from `bronze`, the bronze layer in memory or
/// scanned ([`bronze_queried_often`]): the same files either way.
pub fn write_silver(config: &StudyConfig, bronze: LazyFrame) -> Result<Lineage> {
    let (wide, lineage) = clean_query(bronze, "02_bronze/customers.parquet")?;
    // streamed: the wide table to its file, then the lean columns from that file
    sink_parquet(wide, &config.silver_wide_parquet())?;
    let lean = scan_silver_wide(config)?
        .select(SILVER_COLUMNS.iter().map(|c| col(*c)).collect::<Vec<_>>());
    sink_parquet(lean, &config.silver_parquet())?;
    write_json(&lineage, &config.silver_lineage())?;
    Ok(lineage)
}

/// The first `n` rows of the silver layer.
pub fn silver_head(config: &StudyConfig, n: usize) -> Result<Table> {
    let df = scan_silver(config)?
        .limit(n as IdxSize)
        .collect()
        .ctx(|| "reading the silver head".to_string())?;
    Ok(Table::from_df(&df).with_caption(format!("First {n} silver rows")))
}

/// `describe` of the silver layer's numeric columns.
pub fn silver_summary(config: &StudyConfig) -> Result<Table> {
    let stats = describe(scan_silver(config)?)?;
    Ok(describe_table(&stats).with_caption("Silver summary statistics"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_marital_status_is_an_error_naming_value_and_customer() {
        let df = df!("ID" => [1i64, 7], "Marital_Status" => ["Married", "Engaged"]).unwrap();
        let err = check_marital_status(&df.lazy()).unwrap_err();
        match err {
            StudyError::UnknownCategory {
                column, value, id, ..
            } => {
                assert_eq!(
                    (column.as_str(), value.as_str(), id),
                    ("Marital_Status", "Engaged", 7)
                );
            }
            other => panic!("{other}"),
        }
    }
}
