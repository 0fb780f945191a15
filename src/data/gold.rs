//! The gold aggregate tables (SEED_STUDY.md §9): for one column, a row per value (ascending)
//! with the share of customers (1 decimal) and the count; how they are computed, read back and
//! drawn.

use crate::config::StudyConfig;
use crate::error::{PolarsContext, Result, StudyError};
use crate::report::charts::{bar_and_donut, Chart};
use crate::report::table::Table;
use polars::prelude::*;

/// The silver columns aggregated into gold (the clustered table adds `Cluster` later).
pub const AGG_COLUMNS: [&str; 6] = [
    "Education",
    "Marital_Status",
    "Children",
    "AgeGroup",
    "AcceptedCmpTotal",
    "Response",
];

/// Count and share of every value of `column`: columns `<column>, Percentage, Count`, sorted by
/// value. Percentage = 100·Count/total rounded half-to-even to 1 decimal (as numpy).
pub fn group_count(lf: LazyFrame, column: &str) -> Result<DataFrame> {
    Ok(lf
        .group_by([col(column)])
        .agg([len().cast(DataType::Int64).alias("Count")])
        .with_column(
            (lit(100.0) * col("Count").cast(DataType::Float64)
                / col("Count").sum().cast(DataType::Float64))
            .round(1, RoundMode::HalfToEven)
            .alias("Percentage"),
        )
        .sort(
            [column],
            SortMultipleOptions::default().with_nulls_last(true),
        )
        .select([col(column), col("Percentage"), col("Count")])
        .collect()
        .ctx(|| format!("aggregating {column}"))?)
}

/// Read one gold aggregate table for display.
pub fn read_agg(config: &StudyConfig, column: &str) -> Result<Table> {
    let path = config.gold_agg(column);
    if !path.exists() {
        return Err(StudyError::MissingLayer {
            path,
            stage: "layers",
        });
    }
    let df = LazyCsvReader::new(crate::io::pl_path(&path))
        .with_has_header(true)
        .finish()
        .and_then(|lf| lf.collect())
        .ctx(|| format!("reading {}", path.display()))?;
    let file = path.file_name().unwrap_or_default().to_string_lossy();
    Ok(Table::from_df(&df).with_caption(format!("{column} (gold: 04_gold/{file})")))
}

/// Bar chart of counts beside a donut of shares, for one gold aggregate table.
pub fn agg_chart(config: &StudyConfig, column: &str) -> Result<Chart> {
    let t = read_agg(config, column)?;
    let labels: Vec<String> = t.rows.iter().map(|r| r[0].clone()).collect();
    let counts: Vec<f64> = t
        .rows
        .iter()
        .map(|r| {
            r[2].parse::<f64>()
                .map_err(|_| StudyError::Invalid(format!("gold {column}: bad count {:?}", r[2])))
        })
        .collect::<Result<_>>()?;
    Ok(bar_and_donut(
        &format!("Customers by {column}"),
        column,
        labels,
        counts,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_count_sorts_by_value_and_rounds_shares_half_to_even() {
        // 8 rows: shares 12.5 % (b), 37.5 % (a), 50 % (c); 1/8 = 12.5 exactly → stays 12.5
        let df = df!("g" => ["c", "a", "c", "b", "a", "c", "a", "c"]).unwrap();
        let out = group_count(df.lazy(), "g").unwrap();
        let t = Table::from_df(&out);
        assert_eq!(t.columns, ["g", "Percentage", "Count"]);
        assert_eq!(
            t.rows,
            vec![
                vec!["a".to_string(), "37.5".into(), "3".into()],
                vec!["b".into(), "12.5".into(), "1".into()],
                vec!["c".into(), "50".into(), "4".into()],
            ]
        );
        // 1/16 = 6.25 % → 6.2 (half to even); 15/16 = 93.75 % → 93.8
        let df = df!("g" => (0..16).map(|i| i64::from(i == 0)).collect::<Vec<_>>()).unwrap();
        let out = group_count(df.lazy(), "g").unwrap();
        let p: Vec<f64> = out
            .column("Percentage")
            .unwrap()
            .f64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(p, vec![93.8, 6.2]);
    }
}
