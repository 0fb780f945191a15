//! Summary statistics of a lazy frame's columns, computed by polars in one query each: pandas'
//! `describe` (sample std, linear-interpolation quartiles) and Tukey's IQR outlier bounds.

use crate::error::{Error, PolarsContext, Result};
use crate::report::table::{fmt_num, Table};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

/// Tukey's whisker: a value is an outlier outside [Q1 − 1.5·IQR, Q3 + 1.5·IQR].
pub const IQR_WHISKER: f64 = 1.5;

/// The bounds of one IQR outlier filter, and what it removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutlierBounds {
    pub column: String,
    /// Rows the quartiles were computed on.
    pub rows: usize,
    pub q1: f64,
    pub q3: f64,
    pub lower: f64,
    pub upper: f64,
    /// The removed values, ascending (at most 50 listed).
    pub removed_values: Vec<f64>,
    pub removed: usize,
}

impl OutlierBounds {
    /// The bounds of `column` from its quartiles on `rows` rows (Tukey's fences), with the
    /// values they remove (`removed` in all, the first ones ascending in `removed_values`).
    pub fn new(
        column: &str,
        rows: usize,
        (q1, q3): (f64, f64),
        removed: usize,
        removed_values: Vec<f64>,
    ) -> Self {
        let (lower, upper) = whiskers(q1, q3);
        Self {
            column: column.to_string(),
            rows,
            q1,
            q3,
            lower,
            upper,
            removed_values,
            removed,
        }
    }
}

/// One scalar f64 from a single-value query.
fn scalar_f64(lf: LazyFrame, expr: Expr, what: &str) -> Result<f64> {
    let df = lf
        .select([expr.cast(DataType::Float64).alias("v")])
        .collect()
        .ctx(|| what.to_string())?;
    df.column("v")
        .ok()
        .and_then(|c| c.f64().ok()?.get(0))
        .ok_or_else(|| Error::Invalid(format!("{what}: no value (no rows?)")))
}

/// IQR bounds of `column` with pandas' linear-interpolation quartiles, and the removed values.
/// Tukey's fences of the quartiles `q1`, `q3`: (q1 − 1.5·IQR, q3 + 1.5·IQR).
pub fn whiskers(q1: f64, q3: f64) -> (f64, f64) {
    let iqr = q3 - q1;
    (q1 - IQR_WHISKER * iqr, q3 + IQR_WHISKER * iqr)
}

pub fn iqr_bounds(lf: &LazyFrame, column: &str) -> Result<OutlierBounds> {
    let what = format!("quartiles of {column}");
    let q = |p: f64| {
        scalar_f64(
            lf.clone(),
            col(column).quantile(lit(p), QuantileMethod::Linear),
            &what,
        )
    };
    let (q1, q3) = (q(0.25)?, q(0.75)?);
    let (lower, upper) = whiskers(q1, q3);
    let outside = col(column).lt(lit(lower)).or(col(column).gt(lit(upper)));
    let removed_df = lf
        .clone()
        .filter(outside)
        .select([col(column).cast(DataType::Float64)])
        .sort([column], SortMultipleOptions::default())
        .collect()
        .ctx(|| format!("outliers of {column}"))?;
    let removed = removed_df.height();
    let removed_values = removed_df
        .column(column)
        .ok()
        .and_then(|c| {
            c.f64()
                .ok()
                .map(|ca| ca.into_no_null_iter().take(50).collect())
        })
        .unwrap_or_default();
    let rows = scalar_f64(lf.clone(), len(), &what)? as usize;
    Ok(OutlierBounds::new(
        column,
        rows,
        (q1, q3),
        removed,
        removed_values,
    ))
}

pub fn is_numeric(dt: &DataType) -> bool {
    dt.is_primitive_numeric()
}

/// Summary statistics of one numeric column (pandas `describe`: sample std, linear quartiles).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnStats {
    pub column: String,
    pub count: usize,
    pub mean: f64,
    pub std: f64,
    pub min: f64,
    pub q25: f64,
    pub median: f64,
    pub q75: f64,
    pub max: f64,
}

/// `describe` for every numeric column, computed in one lazy query.
pub fn describe(lf: LazyFrame) -> Result<Vec<ColumnStats>> {
    let schema = lf
        .clone()
        .collect_schema()
        .ctx(|| "reading the schema".to_string())?;
    let numeric: Vec<String> = schema
        .iter()
        .filter(|(_, dt)| is_numeric(dt))
        .map(|(n, _)| n.to_string())
        .collect();
    let mut aggs = Vec::new();
    for n in &numeric {
        let x = col(n.as_str()).cast(DataType::Float64);
        aggs.extend([
            x.clone()
                .count()
                .cast(DataType::Float64)
                .alias(format!("{n}|count")),
            x.clone().mean().alias(format!("{n}|mean")),
            x.clone().std(1).alias(format!("{n}|std")),
            x.clone().min().alias(format!("{n}|min")),
            x.clone()
                .quantile(lit(0.25), QuantileMethod::Linear)
                .alias(format!("{n}|q25")),
            x.clone().median().alias(format!("{n}|median")),
            x.clone()
                .quantile(lit(0.75), QuantileMethod::Linear)
                .alias(format!("{n}|q75")),
            x.clone().max().alias(format!("{n}|max")),
        ]);
    }
    let df = lf.select(aggs).collect().ctx(|| "describing".to_string())?;
    let get = |name: String| -> f64 {
        df.column(&name)
            .ok()
            .and_then(|c| c.f64().ok()?.get(0))
            .unwrap_or(f64::NAN)
    };
    Ok(numeric
        .iter()
        .map(|n| ColumnStats {
            column: n.clone(),
            count: get(format!("{n}|count")) as usize,
            mean: get(format!("{n}|mean")),
            std: get(format!("{n}|std")),
            min: get(format!("{n}|min")),
            q25: get(format!("{n}|q25")),
            median: get(format!("{n}|median")),
            q75: get(format!("{n}|q75")),
            max: get(format!("{n}|max")),
        })
        .collect())
}

/// [`describe`] as a table, one row per column.
pub fn describe_table(stats: &[ColumnStats]) -> Table {
    let columns = [
        "column", "count", "mean", "std", "min", "25%", "50%", "75%", "max",
    ];
    let round2 = |x: f64| fmt_num((x * 100.0).round() / 100.0);
    let rows = stats
        .iter()
        .map(|s| {
            vec![
                s.column.clone(),
                s.count.to_string(),
                round2(s.mean),
                round2(s.std),
                fmt_num(s.min),
                fmt_num(s.q25),
                fmt_num(s.median),
                fmt_num(s.q75),
                fmt_num(s.max),
            ]
        })
        .collect();
    Table::new(columns.iter().map(|s| s.to_string()).collect(), rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iqr_bounds_use_linear_quartiles_like_pandas() {
        let df = df!("x" => [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 100.0]).unwrap();
        let b = iqr_bounds(&df.lazy(), "x").unwrap();
        // positions 0.25·8 = 2 and 0.75·8 = 6: Q1 = 3, Q3 = 7, IQR 4
        assert_eq!((b.q1, b.q3, b.lower, b.upper), (3.0, 7.0, -3.0, 13.0));
        assert_eq!((b.removed, b.removed_values.clone()), (1, vec![100.0]));
        let df = df!("x" => [1.0, 2.0, 4.0, 7.0]).unwrap();
        let b = iqr_bounds(&df.lazy(), "x").unwrap();
        // positions 0.75 and 2.25: Q1 = 1.75, Q3 = 4.75
        assert_eq!((b.q1, b.q3), (1.75, 4.75));
    }
}
