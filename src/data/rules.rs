//! The silver rules of SEED_STUDY.md §4 as row rules ([`RowExpr`], run by polars and by Spark),
//! in one place: the processing stage applies them to the bronze table (on either engine), and
//! the scoring core applies them to the records it scores (a file, a form, a JSON body), so a
//! model never sees features computed by a second copy of the rules.

use crate::data::expr::{cases, field, float, int, one_of, sum_of, text, RowExpr};
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
pub fn marital_rule() -> RowExpr {
    cases(
        vec![(
            one_of(&field("Marital_Status"), &PARTNER_STATUSES),
            text("Partner"),
        )],
        text("Single"),
    )
}

/// Marital_Status → Partner/Single, as a polars expression.
pub fn marital_group() -> Expr {
    marital_rule().to_polars().alias("Marital_Status")
}

/// AgeGroup as pandas `cut(Age, [18, 30, 45, 60, max], include_lowest=True)`; below 18 → null.
pub fn age_group_rule() -> RowExpr {
    let age = field("Age");
    let (last, bins) = AGE_GROUPS.split_last().expect("non-empty");
    let mut branches = vec![(
        age.clone().lt(int(AGE_GROUPS_LOWEST_AGE)),
        RowExpr::NullText,
    )];
    // the first matching bin wins
    branches.extend(
        bins.iter()
            .map(|(upper, label)| (age.clone().le(int(*upper)), text(label))),
    );
    cases(branches, text(last.1))
}

/// [`age_group_rule`] as a polars expression.
pub fn age_group() -> Expr {
    age_group_rule().to_polars().alias("AgeGroup")
}

/// A Marital_Status outside the raw categories (the processing stage refuses the table).
pub fn unknown_marital_status() -> RowExpr {
    one_of(
        &field("Marital_Status"),
        &crate::data::schema::MARITAL_STATUSES,
    )
    .not()
}

/// A customer kept by the cleaning whose age falls in no age group (refused: the study's
/// customers are adults).
pub fn outside_age_groups() -> RowExpr {
    field("AgeGroup").is_null()
}

/// The error of a customer younger than the age groups (line of the raw file, ID, birth year,
/// age in the reference year).
pub fn age_group_error(
    line: u64,
    id: i64,
    year: i64,
    age: i64,
    ref_year: i64,
) -> crate::error::StudyError {
    let youngest = AGE_GROUPS_LOWEST_AGE;
    crate::error::StudyError::DomainRule {
        line,
        id,
        column: "Year_Birth".into(),
        value: year.to_string(),
        rule: format!(
            "age {age} in {ref_year} (the reference year) is below {youngest}, the lowest edge of the \
             age groups; the study's customers are adults"
        ),
    }
}

/// The first cleaning rule: a customer needs a known income.
pub fn known_income() -> RowExpr {
    field("Income").is_not_null()
}

/// An outlier rule: `column` within `[lower, upper]` (the IQR bounds the engine computed).
pub fn within(column: &str, lower: f64, upper: f64) -> RowExpr {
    field(column)
        .ge(float(lower))
        .and(field(column).le(float(upper)))
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

/// The §4 feature rules as named columns, in two rounds (the second reads the first's columns):
/// ages and tenure from `reference`, the calendar fields, the household and spend totals, the
/// merged marital status and the flags.
pub fn derived_columns(reference: &Reference) -> [Vec<(&'static str, RowExpr)>; 2] {
    let enrolled = field("Dt_Customer");
    [
        vec![
            (
                "Days_Since_Enrolled",
                int(reference.days as i64).sub(enrolled.clone().epoch_days()),
            ),
            ("Age", int(reference.year).sub(field("Year_Birth"))),
            ("Dt_Customer_Month", enrolled.clone().month()),
            ("Dt_Customer_Quarter", enrolled.quarter()),
            ("Children", field("Kidhome").add(field("Teenhome"))),
            ("MntTotal", sum_of(&crate::data::schema::SPEND_COLUMNS)),
            (
                "AcceptedCmpTotal",
                sum_of(&[
                    "AcceptedCmp1",
                    "AcceptedCmp2",
                    "AcceptedCmp3",
                    "AcceptedCmp4",
                    "AcceptedCmp5",
                ]),
            ),
            (
                "NumTotalPurchases",
                sum_of(&[
                    "NumWebPurchases",
                    "NumCatalogPurchases",
                    "NumStorePurchases",
                ]),
            ),
            ("Marital_Status", marital_rule()),
        ],
        vec![
            (
                "Years_Since_Enrolled",
                field("Days_Since_Enrolled").floor_div(int(365)),
            ),
            ("AgeGroup", age_group_rule()),
            ("HasChildren", field("Children").gt(int(0)).to_int64()),
            (
                "MntRegularProds",
                field("MntTotal").sub(field("MntGoldProds")),
            ),
            (
                "HasAcceptedCmp",
                field("AcceptedCmpTotal").gt(int(0)).to_int64(),
            ),
        ],
    ]
}

/// The §4 feature rules ([`derived_columns`]) over typed raw columns, on polars.
pub fn derive(lf: LazyFrame, reference: &Reference) -> LazyFrame {
    let [first, second] = derived_columns(reference);
    let round = |columns: Vec<(&str, RowExpr)>| -> Vec<Expr> {
        columns
            .into_iter()
            .map(|(name, rule)| rule.to_polars().alias(name))
            .collect()
    };
    lf.with_columns(round(first)).with_columns(round(second))
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
