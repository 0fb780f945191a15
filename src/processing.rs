//! Stage 3 — data processing: bronze → silver, the cleaning and feature rules of SEED_STUDY.md §4,
//! step by step, with a lineage record of every step (rule, rows in and out, outlier bounds).

use crate::config::StudyConfig;
use crate::error::{PolarsContext, Result, StudyError};
use crate::io::{scan_layer, write_json, write_parquet};
use crate::table::{fmt_num, Table};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

/// The 22 silver columns, in the stored order of §2.3.
pub const SILVER_COLUMNS: [&str; 22] = [
    "Education",
    "Marital_Status",
    "Children",
    "HasChildren",
    "Age",
    "AgeGroup",
    "Income",
    "Recency",
    "Complain",
    "Dt_Customer_Month",
    "Dt_Customer_Quarter",
    "Days_Since_Enrolled",
    "Years_Since_Enrolled",
    "NumDealsPurchases",
    "NumWebVisitsMonth",
    "NumTotalPurchases",
    "MntRegularProds",
    "MntGoldProds",
    "MntTotal",
    "AcceptedCmpTotal",
    "HasAcceptedCmp",
    "Response",
];

/// The text (categorical) silver columns; every other silver column is numeric.
pub const TEXT_COLUMNS: [&str; 3] = ["Education", "Marital_Status", "AgeGroup"];

/// Raw Marital_Status values grouped as Partner (§4 step 5); every other known status is Single.
pub const PARTNER_STATUSES: [&str; 2] = ["Married", "Together"];

/// Tukey's whisker: a value is an outlier outside [Q1 − 1.5·IQR, Q3 + 1.5·IQR].
pub const IQR_WHISKER: f64 = 1.5;

/// Age bins of §4 step 4 (right-closed, lowest edge included): upper edge and label.
pub const AGE_GROUPS: [(i64, &str); 4] = [
    (30, "18-30"),
    (45, "31-45"),
    (60, "46-60"),
    (i64::MAX, "61+"),
];

/// One cleaning step: its rule and the rows before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub step: String,
    pub rule: String,
    pub rows_in: usize,
    pub rows_out: usize,
    /// Responders (Response = 1) left after the step.
    pub responders_out: usize,
}

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

/// Lineage of the silver layer: where it came from and what every step did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lineage {
    /// Bronze file the silver layer was built from (relative to the data directory).
    pub source: String,
    /// Reference date: the latest enrolment date among customers with a known income.
    pub reference_date: String,
    pub steps: Vec<Step>,
    pub outliers: Vec<OutlierBounds>,
    pub columns: Vec<String>,
}

/// Marital_Status → Partner/Single. Unknown values are an error (see [`check_marital_status`]).
fn marital_group() -> Expr {
    let s = col("Marital_Status");
    let partner = PARTNER_STATUSES
        .iter()
        .map(|v| s.clone().eq(lit(*v)))
        .reduce(|a, b| a.or(b))
        .expect("non-empty");
    when(partner)
        .then(lit("Partner"))
        .otherwise(lit("Single"))
        .alias("Marital_Status")
}

/// AgeGroup as pandas `cut(Age, [18, 30, 45, 60, max], include_lowest=True)`; below 18 → null.
fn age_group() -> Expr {
    let age = col("Age");
    let (last, bins) = AGE_GROUPS.split_last().expect("non-empty");
    // Nested when/then from the top bin down: the first matching bin wins.
    let by_bin = bins
        .iter()
        .rev()
        .fold(lit(last.1), |otherwise, (upper, label)| {
            when(age.clone().lt_eq(lit(*upper)))
                .then(lit(*label))
                .otherwise(otherwise)
        });
    when(age.lt(lit(18i64)))
        .then(lit(NULL).cast(DataType::String))
        .otherwise(by_bin)
        .alias("AgeGroup")
}

fn sum_of(columns: &[&str]) -> Expr {
    columns
        .iter()
        .map(|c| col(*c))
        .reduce(|a, b| a + b)
        .expect("non-empty")
}

/// Error on a Marital_Status value outside the known raw categories.
fn check_marital_status(lf: &LazyFrame) -> Result<()> {
    let known = crate::schema::MARITAL_STATUSES;
    let s = col("Marital_Status");
    let is_known = known
        .iter()
        .map(|v| s.clone().eq(lit(*v)))
        .reduce(|a, b| a.or(b))
        .expect("non-empty");
    let bad = lf
        .clone()
        .filter(is_known.not())
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

/// One scalar f64 from a single-value query.
fn scalar_f64(lf: LazyFrame, expr: Expr, what: &str) -> Result<f64> {
    let df = lf
        .select([expr.cast(DataType::Float64).alias("v")])
        .collect()
        .ctx(|| what.to_string())?;
    df.column("v")
        .ok()
        .and_then(|c| c.f64().ok()?.get(0))
        .ok_or_else(|| StudyError::Invalid(format!("{what}: no value (no rows?)")))
}

/// IQR bounds of `column` with pandas' linear-interpolation quartiles, and the removed values.
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
    let iqr = q3 - q1;
    let (lower, upper) = (q1 - IQR_WHISKER * iqr, q3 + IQR_WHISKER * iqr);
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
    Ok(OutlierBounds {
        column: column.to_string(),
        rows,
        q1,
        q3,
        lower,
        upper,
        removed_values,
        removed,
    })
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
    let mut steps = Vec::new();
    let mut step = |name: &str, rule: String, before: (usize, usize), after: (usize, usize)| {
        steps.push(Step {
            step: name.to_string(),
            rule,
            rows_in: before.0,
            rows_out: after.0,
            responders_out: after.1,
        })
    };
    let c0 = counts(&bronze)?;
    step("read bronze", "the typed raw table".into(), c0, c0);

    check_marital_status(&bronze)?;

    let lf = bronze.filter(col("Income").is_not_null());
    let c1 = counts(&lf)?;
    step(
        "missing Income",
        "drop rows whose Income is missing".into(),
        c0,
        c1,
    );

    // Reference date: latest enrolment among the remaining rows (independent of the run date).
    let refs = lf
        .clone()
        .select([
            col("Dt_Customer").max().cast(DataType::Int32).alias("days"),
            col("Dt_Customer")
                .max()
                .dt()
                .year()
                .cast(DataType::Int64)
                .alias("year"),
            col("Dt_Customer")
                .max()
                .cast(DataType::String)
                .alias("text"),
        ])
        .collect()
        .ctx(|| "computing the reference date".to_string())?;
    let ref_days = refs.column("days").ok().and_then(|c| c.i32().ok()?.get(0));
    let ref_year = refs.column("year").ok().and_then(|c| c.i64().ok()?.get(0));
    let ref_text = refs
        .column("text")
        .ok()
        .and_then(|c| c.str().ok()?.get(0).map(str::to_string));
    let (Some(ref_days), Some(ref_year), Some(ref_text)) = (ref_days, ref_year, ref_text) else {
        return Err(StudyError::Invalid(
            "no customer with a known Income: cannot compute the reference date".into(),
        ));
    };

    let days = (lit(ref_days as i64)
        - col("Dt_Customer")
            .cast(DataType::Int32)
            .cast(DataType::Int64))
    .alias("Days_Since_Enrolled");
    let lf = lf
        .with_columns([
            days,
            (lit(ref_year) - col("Year_Birth")).alias("Age"),
            col("Dt_Customer")
                .dt()
                .month()
                .cast(DataType::Int64)
                .alias("Dt_Customer_Month"),
            col("Dt_Customer")
                .dt()
                .quarter()
                .cast(DataType::Int64)
                .alias("Dt_Customer_Quarter"),
            (col("Kidhome") + col("Teenhome")).alias("Children"),
            sum_of(&[
                "MntWines",
                "MntFruits",
                "MntMeatProducts",
                "MntFishProducts",
                "MntSweetProducts",
                "MntGoldProds",
            ])
            .alias("MntTotal"),
            sum_of(&[
                "AcceptedCmp1",
                "AcceptedCmp2",
                "AcceptedCmp3",
                "AcceptedCmp4",
                "AcceptedCmp5",
            ])
            .alias("AcceptedCmpTotal"),
            sum_of(&[
                "NumWebPurchases",
                "NumCatalogPurchases",
                "NumStorePurchases",
            ])
            .alias("NumTotalPurchases"),
            marital_group(),
        ])
        .with_columns([
            col("Days_Since_Enrolled")
                .floor_div(lit(365i64))
                .alias("Years_Since_Enrolled"),
            age_group(),
            col("Children")
                .gt(lit(0i64))
                .cast(DataType::Int64)
                .alias("HasChildren"),
            (col("MntTotal") - col("MntGoldProds")).alias("MntRegularProds"),
            col("AcceptedCmpTotal")
                .gt(lit(0i64))
                .cast(DataType::Int64)
                .alias("HasAcceptedCmp"),
        ]);
    step(
        "features",
        format!(
            "reference date {ref_text}; Age = {ref_year} − Year_Birth; Days_Since_Enrolled = reference − Dt_Customer; \
             Years_Since_Enrolled = Days // 365; month and quarter of Dt_Customer; AgeGroup 18-30/31-45/46-60/61+; \
             Marital_Status → Partner (Married, Together) or Single; Children, MntTotal, MntRegularProds, \
             AcceptedCmpTotal (Cmp1-5, not Response), NumTotalPurchases (web+catalogue+store), HasChildren, HasAcceptedCmp"
        ),
        c1,
        c1,
    );

    let mut outliers = Vec::new();
    let mut lf = lf;
    let mut before = c1;
    for column in ["Age", "Income"] {
        let b = iqr_bounds(&lf, column)?;
        lf = lf.filter(
            col(column)
                .gt_eq(lit(b.lower))
                .and(col(column).lt_eq(lit(b.upper))),
        );
        let after = counts(&lf)?;
        step(
            &format!("{column} outliers"),
            format!(
                "keep {lower} ≤ {column} ≤ {upper} (Q1 {q1}, Q3 {q3}, whisker {IQR_WHISKER}·IQR, quartiles on {rows} rows)",
                lower = b.lower,
                upper = b.upper,
                q1 = b.q1,
                q3 = b.q3,
                rows = b.rows
            ),
            before,
            after,
        );
        before = after;
        outliers.push(b);
    }

    let wide = lf
        .select([all().exclude_cols(["Z_CostContact", "Z_Revenue"]).as_expr()])
        .collect()
        .ctx(|| "building the silver table".to_string())?;
    let df = wide
        .select(SILVER_COLUMNS)
        .ctx(|| "selecting the silver columns".to_string())?;
    step(
        "select columns",
        "drop ID, constants Z_CostContact/Z_Revenue and helper columns; keep the 22 silver columns in order".into(),
        before,
        before,
    );
    let lineage = Lineage {
        source: source.to_string(),
        reference_date: ref_text,
        steps,
        outliers,
        columns: SILVER_COLUMNS.iter().map(|s| s.to_string()).collect(),
    };
    Ok((df, wide, lineage))
}

/// Run the processing stage: bronze → `03_silver/customers.parquet` (22 lean columns),
/// `03_silver/customers_wide.parquet` (with ID and every column) and `03_silver/lineage.json`.
pub fn run(config: &StudyConfig) -> Result<Lineage> {
    let bronze = scan_layer(&config.bronze_parquet(), "layers")?;
    let (mut df, mut wide, lineage) = clean_wide(bronze, "02_bronze/customers.parquet")?;
    write_parquet(&mut df, &config.silver_parquet())?;
    write_parquet(&mut wide, &config.silver_wide_parquet())?;
    write_json(&lineage, &config.silver_lineage())?;
    Ok(lineage)
}

/// Lazily scan the silver layer.
pub fn scan_silver(config: &StudyConfig) -> Result<LazyFrame> {
    scan_layer(&config.silver_parquet(), "layers")
}

/// Read the silver lineage record.
pub fn read_lineage(config: &StudyConfig) -> Result<Lineage> {
    if !config.silver_lineage().exists() {
        return Err(StudyError::MissingLayer {
            path: config.silver_lineage(),
            stage: "layers",
        });
    }
    crate::io::read_json(&config.silver_lineage())
}

impl Lineage {
    /// Every step with its rule and row counts.
    pub fn steps_table(&self) -> Table {
        let rows = self
            .steps
            .iter()
            .map(|s| {
                vec![
                    s.step.clone(),
                    s.rows_in.to_string(),
                    s.rows_out.to_string(),
                    (s.rows_in as i64 - s.rows_out as i64).to_string(),
                    s.responders_out.to_string(),
                    s.rule.clone(),
                ]
            })
            .collect();
        Table::new(
            [
                "step",
                "rows in",
                "rows out",
                "removed",
                "responders",
                "rule",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            rows,
        )
        .with_caption(format!(
            "Silver lineage (reference date {})",
            self.reference_date
        ))
    }

    /// The IQR bounds of each outlier filter.
    pub fn outliers_table(&self) -> Table {
        let rows = self
            .outliers
            .iter()
            .map(|b| {
                vec![
                    b.column.clone(),
                    b.rows.to_string(),
                    fmt_num(b.q1),
                    fmt_num(b.q3),
                    fmt_num(b.lower),
                    fmt_num(b.upper),
                    b.removed.to_string(),
                    b.removed_values
                        .iter()
                        .map(|v| fmt_num(*v))
                        .collect::<Vec<_>>()
                        .join(", "),
                ]
            })
            .collect();
        Table::new(
            [
                "column",
                "rows",
                "Q1",
                "Q3",
                "lower",
                "upper",
                "removed",
                "removed values",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            rows,
        )
        .with_caption("Tukey IQR outlier bounds, applied in order")
    }
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
    let stats = crate::understanding::describe(scan_silver(config)?)?;
    Ok(crate::understanding::describe_table(&stats).with_caption("Silver summary statistics"))
}

impl Lineage {
    /// Rows and responders of the silver table (its class balance).
    pub fn class_balance(&self) -> Table {
        let last = self.steps.last();
        let (rows, pos) = last
            .map(|s| (s.rows_out, s.responders_out))
            .unwrap_or((0, 0));
        let share = |n: usize| fmt_num((1000.0 * n as f64 / rows.max(1) as f64).round() / 10.0);
        Table::new(
            ["Response", "customers", "%"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            vec![
                vec![
                    "0 (did not accept)".into(),
                    (rows - pos).to_string(),
                    share(rows - pos),
                ],
                vec!["1 (accepted)".into(), pos.to_string(), share(pos)],
            ],
        )
        .with_caption("Class balance of the silver layer")
    }
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

    #[test]
    fn age_groups_are_right_closed_with_the_lowest_edge_included() {
        let df = df!("Age" => [17i64, 18, 30, 31, 45, 46, 60, 61, 121]).unwrap();
        let out = df.lazy().select([age_group()]).collect().unwrap();
        let got: Vec<Option<String>> = out
            .column("AgeGroup")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.map(str::to_string))
            .collect();
        let want = [
            None,
            Some("18-30"),
            Some("18-30"),
            Some("31-45"),
            Some("31-45"),
            Some("46-60"),
            Some("46-60"),
            Some("61+"),
            Some("61+"),
        ];
        assert_eq!(got, want.map(|v| v.map(str::to_string)));
    }

    #[test]
    fn marital_status_merges_into_partner_and_single() {
        let df = df!("Marital_Status" => ["Married", "Together", "Single", "Divorced", "Widow", "Alone", "Absurd", "YOLO"]).unwrap();
        let out = df.lazy().select([marital_group()]).collect().unwrap();
        let got: Vec<&str> = out
            .column("Marital_Status")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        assert_eq!(
            got,
            ["Partner", "Partner", "Single", "Single", "Single", "Single", "Single", "Single"]
        );
    }

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
