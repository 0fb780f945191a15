//! Stage 4 — exploratory data analysis on the silver layer (SEED_STUDY.md §5): the chart families
//! of the original (histograms, hue analyses, box plots, scatters, correlations), the univariate
//! response rates, the two median-split personas, and a target analysis (response rate per bin
//! or category with a 95 % interval, features ranked by strength of association).

use crate::config::StudyConfig;
use crate::data::layers::scan_silver;
use crate::data::schema::SILVER_COLUMNS;
use crate::error::{PolarsContext, Result, StudyError};
use crate::ml::preprocessing::sorted_categories;
use crate::report::charts::{self, Chart, Group};
use crate::report::table::{fmt_num, Table};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

/// The hue columns of the original's hue analyses (§5.1).
pub const HUES: [&str; 7] = [
    "AgeGroup",
    "Education",
    "HasAcceptedCmp",
    "HasChildren",
    "Marital_Status",
    "Response",
    "Years_Since_Enrolled",
];

/// Text (categorical) silver columns; every other silver column is numeric.
pub use crate::data::schema::TEXT_COLUMNS as CATEGORICAL;

/// Continuous silver columns (scatter plots, binned target analysis).
pub const CONTINUOUS: [&str; 10] = [
    "Income",
    "Age",
    "Recency",
    "Days_Since_Enrolled",
    "NumDealsPurchases",
    "NumWebVisitsMonth",
    "NumTotalPurchases",
    "MntRegularProds",
    "MntGoldProds",
    "MntTotal",
];

/// The silver table, in memory (2,205 rows: charts need every point).
fn silver(config: &StudyConfig) -> Result<DataFrame> {
    Ok(scan_silver(config)?
        .collect()
        .ctx(|| "reading the silver layer".to_string())?)
}

/// A column as f64 (nulls become NaN).
fn f64s(df: &DataFrame, name: &str) -> Result<Vec<f64>> {
    let c = df
        .column(name)
        .and_then(|c| c.cast(&DataType::Float64))
        .ctx(|| format!("column {name}"))?;
    let ca = c.f64().ctx(|| format!("column {name}"))?.clone();
    Ok(ca.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
}

/// A column as text.
fn strings(df: &DataFrame, name: &str) -> Result<Vec<String>> {
    let c = df
        .column(name)
        .and_then(|c| c.cast(&DataType::String))
        .ctx(|| format!("column {name}"))?;
    let ca = c.str().ctx(|| format!("column {name}"))?.clone();
    Ok(ca
        .iter()
        .map(|v| v.unwrap_or("(missing)").to_string())
        .collect())
}

/// Numeric silver columns, in silver order.
pub fn numeric_columns() -> Vec<&'static str> {
    SILVER_COLUMNS
        .iter()
        .copied()
        .filter(|c| !CATEGORICAL.contains(c))
        .collect()
}

/// Split `values` into one group per level of `hue`.
fn split(values: &[f64], hue: &[String], levels: &[String]) -> Vec<Group> {
    levels
        .iter()
        .map(|l| {
            Group::new(
                l.clone(),
                values
                    .iter()
                    .zip(hue)
                    .filter(|(_, h)| *h == l)
                    .map(|(v, _)| *v)
                    .collect(),
            )
        })
        .collect()
}

/// Histograms of every numeric silver column (§5.1 `nb04_histplot`).
pub fn histograms(config: &StudyConfig) -> Result<Chart> {
    let df = silver(config)?;
    let columns = numeric_columns()
        .into_iter()
        .map(|c| Ok((c.to_string(), vec![Group::new(c, f64s(&df, c)?)])))
        .collect::<Result<Vec<_>>>()?;
    Ok(charts::histogram_grid(
        "Numeric columns of the silver layer",
        columns,
        20,
        4,
    ))
}

/// Every other numeric column, split into one group per level of `hue`.
fn columns_by_hue(config: &StudyConfig, hue: &str) -> Result<Vec<(String, Vec<Group>)>> {
    let df = silver(config)?;
    let h = strings(&df, hue)?;
    let lv = sorted_categories(&h);
    numeric_columns()
        .into_iter()
        .filter(|c| *c != hue)
        .map(|c| Ok((c.to_string(), split(&f64s(&df, c)?, &h, &lv))))
        .collect()
}

/// Histograms of every other numeric column, overlaid by the levels of `hue`.
pub fn histograms_by(config: &StudyConfig, hue: &str) -> Result<Chart> {
    Ok(charts::histogram_grid(
        &format!("Numeric columns by {hue}"),
        columns_by_hue(config, hue)?,
        20,
        4,
    ))
}

/// Box plots of every other numeric column split by `hue`, means marked.
pub fn boxplots_by(config: &StudyConfig, hue: &str) -> Result<Chart> {
    Ok(charts::box_grid(
        &format!("Numeric columns by {hue} (triangle: mean)"),
        hue,
        columns_by_hue(config, hue)?,
        4,
    ))
}

/// `y` against every other continuous column, coloured by `hue`.
pub fn scatters(config: &StudyConfig, y: &str, hue: &str) -> Result<Chart> {
    let df = silver(config)?;
    let h = strings(&df, hue)?;
    let lv = sorted_categories(&h);
    let ys = f64s(&df, y)?;
    let panels = CONTINUOUS
        .iter()
        .filter(|c| **c != y)
        .map(|c| {
            let xs = f64s(&df, c)?;
            let groups = lv
                .iter()
                .map(|l| {
                    let pts = xs
                        .iter()
                        .zip(&ys)
                        .zip(&h)
                        .filter(|(_, hv)| *hv == l)
                        .map(|((x, y), _)| (*x, *y))
                        .collect();
                    (format!("{hue} {l}"), pts)
                })
                .collect();
            Ok((c.to_string(), groups))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(charts::scatter_grid(
        &format!("{y} against the other continuous columns, by {hue}"),
        y,
        panels,
        3,
    ))
}

/// Pearson correlation of two equally long vectors (NaN when one is constant).
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    sxy / (sxx * syy).sqrt()
}

/// The silver table with its text columns one-hot encoded (pandas `get_dummies`: one 0/1 column
/// per level, named `<column>_<level>`), as named f64 columns.
pub fn one_hot_columns(config: &StudyConfig) -> Result<Vec<(String, Vec<f64>)>> {
    let df = silver(config)?;
    let mut out = Vec::new();
    for c in numeric_columns() {
        out.push((c.to_string(), f64s(&df, c)?));
    }
    for c in CATEGORICAL {
        let v = strings(&df, c)?;
        for l in sorted_categories(&v) {
            out.push((
                format!("{c}_{l}"),
                v.iter().map(|x| f64::from(*x == l)).collect(),
            ));
        }
    }
    Ok(out)
}

/// Correlation matrix of the one-hot encoded silver table.
pub fn correlations(config: &StudyConfig) -> Result<(Vec<String>, Vec<Vec<f64>>)> {
    let cols = one_hot_columns(config)?;
    let names = cols.iter().map(|c| c.0.clone()).collect();
    let m = cols
        .iter()
        .map(|a| cols.iter().map(|b| pearson(&a.1, &b.1)).collect())
        .collect();
    Ok((names, m))
}

/// Annotated correlation heatmap of the one-hot encoded silver table.
pub fn correlation_heatmap(config: &StudyConfig) -> Result<Chart> {
    let (names, m) = correlations(config)?;
    Ok(charts::heatmap(
        "Pearson correlations (silver, one-hot encoded)",
        names,
        m,
    ))
}

/// Correlations of every column with `target`, strongest positive first.
pub fn correlations_with(config: &StudyConfig, target: &str) -> Result<Vec<(String, f64)>> {
    let cols = one_hot_columns(config)?;
    let t = cols
        .iter()
        .find(|c| c.0 == target)
        .ok_or_else(|| StudyError::Invalid(format!("no column {target}")))?
        .1
        .clone();
    let mut out: Vec<(String, f64)> = cols
        .iter()
        .filter(|c| c.0 != target)
        .map(|c| (c.0.clone(), pearson(&c.1, &t)))
        .filter(|c| c.1.is_finite())
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    Ok(out)
}

/// Bar chart of [`correlations_with`].
pub fn correlation_bars(config: &StudyConfig, target: &str) -> Result<Chart> {
    let c = correlations_with(config, target)?;
    Ok(charts::correlation_bars(
        &format!("Correlation with {target}"),
        "Pearson r",
        c.iter().map(|x| x.0.clone()).collect(),
        c.iter().map(|x| x.1).collect(),
    ))
}

/// Wilson score interval of a proportion k/n at 95 % (z = 1.96).
pub fn wilson(k: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (k, n, z) = (k as f64, n as f64, 1.959_963_984_540_054);
    let p = k / n;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// The response rate of one bin or category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateRow {
    pub feature: String,
    pub value: String,
    pub customers: usize,
    pub responders: usize,
    pub rate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// Response rate per level of `column` (as text), ascending by level.
pub fn response_rates(config: &StudyConfig, column: &str) -> Result<Vec<RateRow>> {
    rates_by(
        scan_silver(config)?,
        column,
        col(column).cast(DataType::String),
    )
}

/// Response rate per value of `key` (an expression giving the bin or category label).
fn rates_by(lf: LazyFrame, feature: &str, key: Expr) -> Result<Vec<RateRow>> {
    let df = lf
        .select([key.alias("value"), col("Response")])
        .group_by([col("value")])
        .agg([
            len().cast(DataType::Int64).alias("n"),
            col("Response").sum().cast(DataType::Int64).alias("k"),
        ])
        .collect()
        .ctx(|| format!("response rates by {feature}"))?;
    let values = strings(&df, "value")?;
    let n = f64s(&df, "n")?;
    let k = f64s(&df, "k")?;
    let order = sorted_categories(&values);
    Ok(order
        .iter()
        .filter_map(|v| {
            let i = values.iter().position(|x| x == v)?;
            let (n, k) = (n[i] as usize, k[i] as usize);
            let (lo, hi) = wilson(k, n);
            Some(RateRow {
                feature: feature.to_string(),
                value: v.clone(),
                customers: n,
                responders: k,
                rate: k as f64 / n.max(1) as f64,
                ci_low: lo,
                ci_high: hi,
            })
        })
        .collect())
}

/// Rows of rates as a table (rates in %).
pub fn rates_table(rows: &[RateRow]) -> Table {
    let pct = |x: f64| fmt_num((x * 1000.0).round() / 10.0);
    Table::new(
        [
            "feature",
            "value",
            "customers",
            "responders",
            "response %",
            "95 % CI",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        rows.iter()
            .map(|r| {
                vec![
                    r.feature.clone(),
                    r.value.clone(),
                    r.customers.to_string(),
                    r.responders.to_string(),
                    pct(r.rate),
                    format!("{} – {}", pct(r.ci_low), pct(r.ci_high)),
                ]
            })
            .collect(),
    )
}

/// The univariate response rates of §5.3.
pub const RATE_COLUMNS: [&str; 6] = [
    "HasAcceptedCmp",
    "AcceptedCmpTotal",
    "HasChildren",
    "Marital_Status",
    "Education",
    "Years_Since_Enrolled",
];

/// §5.3 response rates as one table.
pub fn univariate_rates(config: &StudyConfig) -> Result<Table> {
    let mut rows = Vec::new();
    for c in RATE_COLUMNS {
        rows.extend(response_rates(config, c)?);
    }
    Ok(rates_table(&rows).with_caption("Response rate by value (Wilson 95 % interval)"))
}

/// §5.3 response rates as bar panels (rate in % per value).
pub fn univariate_rates_chart(config: &StudyConfig) -> Result<Chart> {
    let panels = RATE_COLUMNS
        .iter()
        .map(|c| {
            let rows = response_rates(config, c)?;
            Ok(charts::Panel {
                title: c.to_string(),
                x_label: c.to_string(),
                y_label: "response %".into(),
                kind: charts::PanelKind::Bars {
                    labels: rows.iter().map(|r| r.value.clone()).collect(),
                    values: rows
                        .iter()
                        .map(|r| (r.rate * 1000.0).round() / 10.0)
                        .collect(),
                    annotate: true,
                    diverging: false,
                },
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Chart::grid("Response rate (%) by value", panels, 3).with_panel_size(340, 260))
}

/// Target analysis of one feature: its bins or categories and its association with Response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureAssociation {
    pub feature: String,
    /// Cramér's V of the feature's bins against Response (0: none, 1: perfect).
    pub cramers_v: f64,
    pub rows: Vec<RateRow>,
}

/// Cramér's V of a 2-column contingency table given as (count, positives) per row.
pub fn cramers_v(rows: &[(usize, usize)]) -> f64 {
    let n: f64 = rows.iter().map(|r| r.0 as f64).sum();
    let k: f64 = rows.iter().map(|r| r.1 as f64).sum();
    if n == 0.0 || k == 0.0 || k == n || rows.len() < 2 {
        return 0.0;
    }
    let mut chi2 = 0.0;
    for (m, p) in rows {
        let (m, p) = (*m as f64, *p as f64);
        for (obs, share) in [(p, k / n), (m - p, 1.0 - k / n)] {
            let exp = m * share;
            if exp > 0.0 {
                chi2 += (obs - exp).powi(2) / exp;
            }
        }
    }
    // min(rows − 1, columns − 1) = 1 for a binary target
    (chi2 / n).sqrt()
}

/// Response rate by quintile bin (continuous features) or by value (the rest) for every silver
/// feature, ranked by Cramér's V. Bins are closed on the right, edges from linear quantiles.
pub fn target_analysis(config: &StudyConfig) -> Result<Vec<FeatureAssociation>> {
    let lf = scan_silver(config)?;
    let mut out = Vec::new();
    for feature in SILVER_COLUMNS.iter().filter(|c| **c != "Response") {
        let key = if CONTINUOUS.contains(feature) {
            let qs = [0.2, 0.4, 0.6, 0.8];
            let df = lf
                .clone()
                .select(
                    qs.iter()
                        .enumerate()
                        .map(|(i, q)| {
                            col(*feature)
                                .cast(DataType::Float64)
                                .quantile(lit(*q), QuantileMethod::Linear)
                                .alias(format!("q{i}"))
                        })
                        .collect::<Vec<_>>(),
                )
                .collect()
                .ctx(|| format!("quantiles of {feature}"))?;
            let mut edges: Vec<f64> = (0..qs.len())
                .filter_map(|i| df.column(&format!("q{i}")).ok()?.f64().ok()?.get(0))
                .collect();
            edges.dedup();
            bin_expr(feature, &edges)
        } else {
            col(*feature).cast(DataType::String)
        };
        let rows = rates_by(lf.clone(), feature, key)?;
        let v = cramers_v(
            &rows
                .iter()
                .map(|r| (r.customers, r.responders))
                .collect::<Vec<_>>(),
        );
        out.push(FeatureAssociation {
            feature: feature.to_string(),
            cramers_v: v,
            rows,
        });
    }
    out.sort_by(|a, b| b.cramers_v.total_cmp(&a.cramers_v));
    Ok(out)
}

/// Bin label expression: "1. ≤ e0", "2. (e0, e1]", ..., "k. > e_last" (numbered so they sort).
fn bin_expr(feature: &str, edges: &[f64]) -> Expr {
    let x = col(feature).cast(DataType::Float64);
    let label = |i: usize| -> String {
        if i == 0 {
            format!("1. ≤ {}", fmt_num(edges[0]))
        } else if i == edges.len() {
            format!("{}. > {}", i + 1, fmt_num(edges[i - 1]))
        } else {
            format!(
                "{}. ({}, {}]",
                i + 1,
                fmt_num(edges[i - 1]),
                fmt_num(edges[i])
            )
        }
    };
    edges
        .iter()
        .enumerate()
        .rev()
        .fold(lit(label(edges.len())), |otherwise, (i, e)| {
            when(x.clone().lt_eq(lit(*e)))
                .then(lit(label(i)))
                .otherwise(otherwise)
        })
}

/// The ranking of the target analysis: one row per feature.
pub fn association_table(assoc: &[FeatureAssociation]) -> Table {
    Table::new(
        [
            "rank",
            "feature",
            "Cramér's V",
            "bins",
            "lowest rate %",
            "highest rate %",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        assoc
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let rates = a.rows.iter().map(|r| r.rate);
                let lo = rates.clone().fold(f64::INFINITY, f64::min);
                let hi = rates.fold(f64::NEG_INFINITY, f64::max);
                vec![
                    (i + 1).to_string(),
                    a.feature.clone(),
                    format!("{:.3}", a.cramers_v),
                    a.rows.len().to_string(),
                    fmt_num((lo * 1000.0).round() / 10.0),
                    fmt_num((hi * 1000.0).round() / 10.0),
                ]
            })
            .collect(),
    )
    .with_caption("Features ranked by association with Response (Cramér's V of bins × Response)")
}

/// The bins of the `top` most associated features, with rates and intervals.
pub fn association_details(assoc: &[FeatureAssociation], top: usize) -> Table {
    let rows: Vec<RateRow> = assoc
        .iter()
        .take(top)
        .flat_map(|a| a.rows.clone())
        .collect();
    rates_table(&rows).with_caption(format!("Response rate by bin, top {top} features"))
}

/// Cramér's V of every feature as a bar chart.
pub fn association_chart(assoc: &[FeatureAssociation]) -> Chart {
    charts::correlation_bars(
        "Association with Response (Cramér's V)",
        "Cramér's V",
        assoc.iter().map(|a| a.feature.clone()).collect(),
        assoc.iter().map(|a| a.cramers_v).collect(),
    )
}

/// One dimension of the two personas of §5.2: group 1 ("likely to accept") against group 2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonaRule {
    pub dimension: String,
    /// Group 1's condition, with the median it uses.
    pub group1: String,
    pub group1_customers: usize,
    pub group1_responders: usize,
    pub group2_customers: usize,
    pub group2_responders: usize,
}

/// The median-split personas and the original's "impact estimate".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Personas {
    pub rules: Vec<PersonaRule>,
    pub customers: usize,
    pub responders: usize,
    /// Customers meeting all group-1 conditions at once, and how many of them responded.
    pub all_conditions_customers: usize,
    pub all_conditions_responders: usize,
}

/// Build the two personas by median split (§5.2) and apply all group-1 conditions at once.
pub fn personas(config: &StudyConfig) -> Result<Personas> {
    let lf = scan_silver(config)?;
    let med_cols = [
        "Income",
        "NumTotalPurchases",
        "MntTotal",
        "NumDealsPurchases",
        "NumWebVisitsMonth",
        "Recency",
        "Days_Since_Enrolled",
    ];
    let meds = lf
        .clone()
        .select(
            med_cols
                .iter()
                .map(|c| col(*c).cast(DataType::Float64).median().alias(*c))
                .collect::<Vec<_>>(),
        )
        .collect()
        .ctx(|| "medians".to_string())?;
    let med = |c: &str| -> f64 {
        meds.column(c)
            .ok()
            .and_then(|s| s.f64().ok()?.get(0))
            .unwrap_or(f64::NAN)
    };
    let ge = |dim: &str, c: &str| {
        (
            dim.to_string(),
            format!("{c} ≥ {}", fmt_num(med(c))),
            col(c).gt_eq(lit(med(c))),
        )
    };
    let le = |dim: &str, c: &str| {
        (
            dim.to_string(),
            format!("{c} ≤ {}", fmt_num(med(c))),
            col(c).lt_eq(lit(med(c))),
        )
    };
    let rules: Vec<(String, String, Expr)> = vec![
        ge("Income", "Income"),
        ge("Purchases", "NumTotalPurchases"),
        ge("Spending", "MntTotal"),
        (
            "Children".into(),
            "Children = 0".into(),
            col("Children").eq(lit(0i64)),
        ),
        le("Discount purchases", "NumDealsPurchases"),
        le("Web visits per month", "NumWebVisitsMonth"),
        (
            "Education".into(),
            "Education ≠ Basic".into(),
            col("Education").neq(lit("Basic")),
        ),
        (
            "Accepted campaigns".into(),
            "HasAcceptedCmp = 1".into(),
            col("HasAcceptedCmp").eq(lit(1i64)),
        ),
        le("Days since last purchase", "Recency"),
        ge("Days as customer", "Days_Since_Enrolled"),
        (
            "Marital status".into(),
            "Marital_Status = Single".into(),
            col("Marital_Status").eq(lit("Single")),
        ),
    ];
    let resp = col("Response").eq(lit(1i64));
    let count = |e: Expr, name: String| e.cast(DataType::Int64).sum().alias(name);
    let mut aggs = vec![
        len().cast(DataType::Int64).alias("n"),
        count(resp.clone(), "k".into()),
    ];
    for (i, (_, _, e)) in rules.iter().enumerate() {
        aggs.push(count(e.clone(), format!("n{i}")));
        aggs.push(count(e.clone().and(resp.clone()), format!("k{i}")));
    }
    let all = rules
        .iter()
        .map(|r| r.2.clone())
        .reduce(|a, b| a.and(b))
        .expect("rules");
    aggs.push(count(all.clone(), "n_all".into()));
    aggs.push(count(all.and(resp), "k_all".into()));
    let df = lf.select(aggs).collect().ctx(|| "personas".to_string())?;
    let get = |c: &str| -> usize {
        df.column(c)
            .ok()
            .and_then(|s| s.i64().ok()?.get(0))
            .unwrap_or(0) as usize
    };
    let (n, k) = (get("n"), get("k"));
    Ok(Personas {
        rules: rules
            .iter()
            .enumerate()
            .map(|(i, (dim, rule, _))| {
                let (n1, k1) = (get(&format!("n{i}")), get(&format!("k{i}")));
                PersonaRule {
                    dimension: dim.clone(),
                    group1: rule.clone(),
                    group1_customers: n1,
                    group1_responders: k1,
                    group2_customers: n - n1,
                    group2_responders: k - k1,
                }
            })
            .collect(),
        customers: n,
        responders: k,
        all_conditions_customers: get("n_all"),
        all_conditions_responders: get("k_all"),
    })
}

impl Personas {
    /// Each dimension with the response rate of group 1 and group 2.
    pub fn table(&self) -> Table {
        let pct =
            |k: usize, n: usize| fmt_num((1000.0 * k as f64 / n.max(1) as f64).round() / 10.0);
        Table::new(
            [
                "dimension",
                "group 1 (likely)",
                "group 1 customers",
                "group 1 response %",
                "group 2 customers",
                "group 2 response %",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            self.rules
                .iter()
                .map(|r| {
                    vec![
                        r.dimension.clone(),
                        r.group1.clone(),
                        r.group1_customers.to_string(),
                        pct(r.group1_responders, r.group1_customers),
                        r.group2_customers.to_string(),
                        pct(r.group2_responders, r.group2_customers),
                    ]
                })
                .collect(),
        )
        .with_caption("Personas by median split: response rate of each side")
    }

    /// The original's "impact estimate": all group-1 conditions at once.
    pub fn impact_table(&self) -> Table {
        let pct =
            |k: usize, n: usize| fmt_num((1000.0 * k as f64 / n.max(1) as f64).round() / 10.0);
        Table::new(
            [
                "customers",
                "count",
                "responders",
                "response %",
                "share of all responders %",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            vec![
                vec![
                    "all".into(),
                    self.customers.to_string(),
                    self.responders.to_string(),
                    pct(self.responders, self.customers),
                    "100".into(),
                ],
                vec![
                    "meeting all 11 group-1 conditions".into(),
                    self.all_conditions_customers.to_string(),
                    self.all_conditions_responders.to_string(),
                    pct(
                        self.all_conditions_responders,
                        self.all_conditions_customers,
                    ),
                    pct(self.all_conditions_responders, self.responders),
                ],
            ],
        )
        .with_caption("The original's impact estimate, in sample")
    }
}

/// Every chart of notebooks 04 and 05, with its file name (without extension).
pub fn figures(config: &StudyConfig) -> Result<Vec<(String, Chart)>> {
    let mut out = vec![("nb04_histplot".to_string(), histograms(config)?)];
    for hue in HUES {
        out.push((
            format!("nb04_histplot_{}", hue.to_lowercase()),
            histograms_by(config, hue)?,
        ));
    }
    for hue in [
        "Response",
        "HasAcceptedCmp",
        "AgeGroup",
        "Education",
        "HasChildren",
    ] {
        out.push((
            format!("nb04_boxplot_{}", hue.to_lowercase()),
            boxplots_by(config, hue)?,
        ));
    }
    for y in ["Income", "MntTotal", "Age"] {
        out.push((
            format!("nb04_scatterplot_{}", y.to_lowercase()),
            scatters(config, y, "Response")?,
        ));
    }
    out.push(("nb04_heatmap".into(), correlation_heatmap(config)?));
    out.push((
        "nb04_barplot_correlation_response".into(),
        correlation_bars(config, "Response")?,
    ));
    out.push((
        "nb04_barplot_response_rates".into(),
        univariate_rates_chart(config)?,
    ));
    out.push((
        "nb04_barplot_association".into(),
        association_chart(&target_analysis(config)?),
    ));
    Ok(out)
}

/// Write every chart of [`figures`] to `dir` as SVG and PNG; returns the files written.
pub fn write_figures(
    config: &StudyConfig,
    dir: &std::path::Path,
) -> Result<Vec<std::path::PathBuf>> {
    Ok(charts::save_all(&figures(config)?, dir)?)
}

/// Median of every other numeric column per level of `hue` (the numbers behind the box plots).
pub fn medians_by(config: &StudyConfig, hue: &str) -> Result<Table> {
    let columns: Vec<&str> = numeric_columns()
        .into_iter()
        .filter(|c| *c != hue)
        .collect();
    let df = scan_silver(config)?
        .group_by([col(hue).cast(DataType::String).alias("level")])
        .agg(
            columns
                .iter()
                .map(|c| col(*c).cast(DataType::Float64).median().alias(*c))
                .collect::<Vec<_>>(),
        )
        .sort(["level"], Default::default())
        .collect()
        .ctx(|| format!("medians by {hue}"))?;
    let levels = strings(&df, "level")?;
    let mut header = vec!["column".to_string()];
    header.extend(levels.iter().map(|l| format!("median, {hue} = {l}")));
    let rows = columns
        .iter()
        .map(|c| {
            let v = f64s(&df, c)?;
            let mut row = vec![c.to_string()];
            row.extend(v.iter().map(|x| fmt_num(*x)));
            Ok(row)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Table::new(header, rows).with_caption(format!("Medians by {hue}")))
}

/// [`correlations_with`] as a table.
pub fn correlations_table(config: &StudyConfig, target: &str) -> Result<Table> {
    Ok(Table::new(
        vec!["column".into(), format!("r with {target}")],
        correlations_with(config, target)?
            .iter()
            .map(|(c, r)| vec![c.clone(), format!("{r:.3}")])
            .collect(),
    )
    .with_caption(format!("Pearson correlation with {target}")))
}
