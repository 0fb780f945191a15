//! Stage 6 — segmentation (SEED_STUDY.md §6): the clustering inputs and their preprocessing.
//! This module grows with the K-Means study; for now it builds the original's 42-column
//! clustering matrix from the silver layer.

use crate::config::StudyConfig;
use crate::error::{PolarsContext, Result};
use crate::preprocessing::{Column, Columns, Roles};
use crate::processing::{scan_silver, SILVER_COLUMNS};
use polars::prelude::*;

/// The text columns of the silver layer.
const TEXT: [&str; 3] = ["Education", "Marital_Status", "AgeGroup"];

/// Every silver column, text columns as categories and the rest as numbers.
pub fn silver_columns(config: &StudyConfig) -> Result<Columns> {
    let df = scan_silver(config)?
        .collect()
        .ctx(|| "reading the silver layer".to_string())?;
    let mut out = Vec::new();
    for name in SILVER_COLUMNS {
        let c = df.column(name).ctx(|| format!("column {name}"))?;
        let column = if TEXT.contains(&name) {
            let s = c.cast(&DataType::String).ctx(|| format!("column {name}"))?;
            let ca = s.str().ctx(|| format!("column {name}"))?;
            Column::Categorical(
                ca.iter()
                    .map(|v| v.unwrap_or_default().to_string())
                    .collect(),
            )
        } else {
            let s = c
                .cast(&DataType::Float64)
                .ctx(|| format!("column {name}"))?;
            let ca = s.f64().ctx(|| format!("column {name}"))?;
            Column::Numeric(ca.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
        };
        out.push((name.to_string(), column));
    }
    Ok(Columns(out))
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The original's column roles for clustering (§6.2), `Response` among the one-hot columns:
/// 30 one-hot + 2 standard + 6 power + 4 min-max = 42 features.
pub fn faithful_roles() -> Roles {
    Roles {
        one_hot: names(&[
            "Education",
            "Marital_Status",
            "AgeGroup",
            "Children",
            "HasChildren",
            "Complain",
            "Years_Since_Enrolled",
            "AcceptedCmpTotal",
            "HasAcceptedCmp",
            "Response",
        ]),
        standard: names(&["Income", "Age"]),
        power: names(&[
            "NumDealsPurchases",
            "NumWebVisitsMonth",
            "NumTotalPurchases",
            "MntRegularProds",
            "MntGoldProds",
            "MntTotal",
        ]),
        min_max: names(&[
            "Recency",
            "Dt_Customer_Month",
            "Dt_Customer_Quarter",
            "Days_Since_Enrolled",
        ]),
    }
}

/// The same roles without `Response`: the target never enters the segmentation (41 features).
pub fn sound_roles() -> Roles {
    let mut r = faithful_roles();
    r.one_hot.retain(|c| c != "Response");
    r
}
