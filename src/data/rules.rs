//! The silver feature rules of SEED_STUDY.md §4 as polars expressions, in one place: the
//! processing stage applies them to the bronze table, and the scoring core applies them to the
//! records it scores (a file, a form, a JSON body), so a model never sees features computed by a
//! second copy of the rules.

use polars::prelude::*;
use serde::{Deserialize, Serialize};

/// Raw Marital_Status values grouped as Partner (§4 step 5); every other known status is Single.
pub const PARTNER_STATUSES: [&str; 2] = ["Married", "Together"];

/// The youngest age the age groups cover (the lower edge of 18-30).
pub const AGE_GROUPS_LOWEST_AGE: i64 = 18;

/// Age bins of §4 step 4 (right-closed, lowest edge included): upper edge and label.
pub const AGE_GROUPS: [(i64, &str); 4] = [
    (30, "18-30"),
    (45, "31-45"),
    (60, "46-60"),
    (i64::MAX, "61+"),
];

/// The date every age and tenure is measured from: the latest enrolment among the customers
/// with a known income (independent of the day the study runs). Training fixes it; scoring
/// new customers reuses the training's reference, so their features mean what the model learnt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// Days since 1970-01-01.
    pub days: i32,
    /// Its calendar year (ages are `year − Year_Birth`, as the original).
    pub year: i64,
    /// ISO date, for people.
    pub date: String,
}

/// Marital_Status → Partner/Single.
pub fn marital_group() -> Expr {
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
pub fn age_group() -> Expr {
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
    when(age.lt(lit(AGE_GROUPS_LOWEST_AGE)))
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

/// What [`derive`] computes, for the lineage record.
pub fn describe(reference: &Reference) -> String {
    format!(
        "reference date {}; Age = {} − Year_Birth; Days_Since_Enrolled = reference − Dt_Customer; \
         Years_Since_Enrolled = Days // 365; month and quarter of Dt_Customer; AgeGroup 18-30/31-45/46-60/61+; \
         Marital_Status → Partner (Married, Together) or Single; Children, MntTotal, MntRegularProds, \
         AcceptedCmpTotal (Cmp1-5, not Response), NumTotalPurchases (web+catalogue+store), HasChildren, HasAcceptedCmp",
        reference.date, reference.year
    )
}

/// The §4 feature rules over typed raw columns: ages and tenure from `reference`, the calendar
/// fields, the household and spend totals, the merged marital status and the flags.
pub fn derive(lf: LazyFrame, reference: &Reference) -> LazyFrame {
    let days = (lit(reference.days as i64)
        - col("Dt_Customer")
            .cast(DataType::Int32)
            .cast(DataType::Int64))
    .alias("Days_Since_Enrolled");
    lf.with_columns([
        days,
        (lit(reference.year) - col("Year_Birth")).alias("Age"),
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
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
