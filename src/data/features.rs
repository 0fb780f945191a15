//! The modelling features: the column roles of the segmentation (§6.2) and of the classifier
//! (§7.1), and the classifier's data (features and target of the clustered silver layer).

use crate::config::StudyConfig;
use crate::data::expr::{cases, field, float, int, text, RowExpr};
use crate::data::layers::scan_clustered;
use crate::data::schema::{SILVER_COLUMNS, TEXT_COLUMNS};
use crate::error::{PolarsContext, Result, StudyError};
use crate::ml::classifier::{ClassifierData, PipelineSpec};
use crate::ml::models::ModelSpec;
use crate::ml::preprocessing::{Columns, Roles};
use polars::prelude::*;

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

/// The original's feature columns (§7.1): silver minus `Response`, plus `Cluster`.
pub fn feature_columns() -> Vec<&'static str> {
    SILVER_COLUMNS
        .iter()
        .copied()
        .filter(|c| *c != "Response")
        .chain(["Cluster"])
        .collect()
}

/// Column roles of the classifier's column transformer (§7.1): 31 one-hot + 2 standard +
/// 6 power + 4 min-max = 43 features, or 40 without the target-derived `Cluster` (leak-free).
pub fn roles(leak_free: bool) -> Roles {
    let mut r = sound_roles();
    if !leak_free {
        r.one_hot.push("Cluster".into());
    }
    r
}

/// The original's split (§7.2): 80/20 stratified, seeded; (train/validation rows, test rows).
pub fn split(data: &ClassifierData, seed: u64) -> (Vec<usize>, Vec<usize>) {
    crate::ml::model_selection::stratified_split(&data.y, 0.2, seed)
}

/// The classifier's data: the clustered silver layer (written by the segmentation stage).
pub fn classifier_data(config: &StudyConfig) -> Result<ClassifierData> {
    let df = scan_clustered(config)?
        .collect()
        .ctx(|| "reading the clustered silver layer".to_string())?;
    let x = Columns::from_frame(&df, &feature_columns(), &TEXT_COLUMNS)?;
    let y = df
        .column("Response")
        .and_then(|c| c.cast(&polars::prelude::DataType::Int64))
        .ctx(|| "column Response".to_string())?;
    let y: Vec<i64> = y
        .i64()
        .ctx(|| "column Response".to_string())?
        .iter()
        .map(|v| v.unwrap_or(-1))
        .collect();
    if let Some(i) = y.iter().position(|v| !(0..=1).contains(v)) {
        return Err(StudyError::Invalid(format!(
            "clustered silver layer, row {}: Response must be 0 or 1, found {}",
            i + 1,
            y[i]
        )));
    }
    let y: Vec<u8> = y.into_iter().map(|v| v as u8).collect();
    Ok(ClassifierData { x, y })
}

/// The original's model-selection pipeline around `model` (§7.3): the classifier roles (with or
/// without `Cluster`), k = 10, undersampling.
pub fn original_pipeline(model: ModelSpec, leak_free: bool) -> PipelineSpec {
    PipelineSpec {
        roles: roles(leak_free),
        k: 10,
        undersample: true,
        model,
    }
}

// The honest model's features (stage 9, deployed in stage 10): raw columns of the wide silver
// table and features engineered from them, as lazy expressions both stages run.

/// Raw columns of the wide silver table the honest model uses as they are.
pub const RAW_FEATURES: [&str; 24] = [
    "Income",
    "Age",
    "Kidhome",
    "Teenhome",
    "Recency",
    "Days_Since_Enrolled",
    "MntWines",
    "MntFruits",
    "MntMeatProducts",
    "MntFishProducts",
    "MntSweetProducts",
    "MntGoldProds",
    "NumDealsPurchases",
    "NumWebPurchases",
    "NumCatalogPurchases",
    "NumStorePurchases",
    "NumWebVisitsMonth",
    "AcceptedCmp1",
    "AcceptedCmp2",
    "AcceptedCmp3",
    "AcceptedCmp4",
    "AcceptedCmp5",
    "Complain",
    "MntTotal",
];

/// Engineered features: (name, what it is).
pub const ENGINEERED: [(&str, &str); 9] = [
    (
        "AcceptedCmpTotal",
        "campaigns accepted before the pilot (1-5)",
    ),
    ("NumTotalPurchases", "web + catalogue + store purchases"),
    ("ShareWines", "share of spend on wine"),
    ("ShareMeat", "share of spend on meat"),
    ("ShareGold", "share of spend on gold products"),
    ("PurchasesPerVisit", "purchases per monthly web visit (+1)"),
    (
        "IncomePerMember",
        "income per household member (self, partner, children)",
    ),
    ("AverageTicket", "spend per purchase"),
    ("DealShare", "share of purchases made with a discount"),
];

/// num / den as floats, 0 where den ≤ 0.
fn ratio(num: RowExpr, den: RowExpr) -> RowExpr {
    let den = den.to_float64();
    cases(
        vec![(den.clone().gt(float(0.0)), num.to_float64().div(den))],
        float(0.0),
    )
}

/// The engineered features ([`ENGINEERED`] but the two silver totals) as row rules over the
/// wide silver table, for both engines.
pub fn engineered_columns() -> Vec<(&'static str, RowExpr)> {
    let members = int(1)
        .add(field("Marital_Status").eq(text("Partner")).to_int64())
        .add(field("Kidhome"))
        .add(field("Teenhome"));
    vec![
        ("ShareWines", ratio(field("MntWines"), field("MntTotal"))),
        (
            "ShareMeat",
            ratio(field("MntMeatProducts"), field("MntTotal")),
        ),
        ("ShareGold", ratio(field("MntGoldProds"), field("MntTotal"))),
        (
            "PurchasesPerVisit",
            ratio(
                field("NumTotalPurchases"),
                field("NumWebVisitsMonth").add(int(1)),
            ),
        ),
        ("IncomePerMember", ratio(field("Income"), members)),
        (
            "AverageTicket",
            ratio(field("MntTotal"), field("NumTotalPurchases")),
        ),
        (
            "DealShare",
            ratio(field("NumDealsPurchases"), field("NumTotalPurchases")),
        ),
    ]
}

/// The engineered features as lazy polars expressions over the wide silver table.
pub fn engineered_exprs() -> Vec<Expr> {
    engineered_columns()
        .into_iter()
        .map(|(name, rule)| rule.to_polars().alias(name))
        .collect()
}

/// Every feature column of the honest model (the targeting stage's, and the deployed model's), categorical ones first.
pub fn feature_names() -> Vec<&'static str> {
    ["Education", "Marital_Status"]
        .into_iter()
        .chain(RAW_FEATURES)
        .chain(ENGINEERED.iter().map(|e| e.0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_classifier_roles_give_the_original_feature_counts() {
        assert_eq!(roles(false).one_hot.len(), 10);
        assert!(roles(false).one_hot.contains(&"Cluster".to_string()));
        assert!(!roles(true).one_hot.contains(&"Cluster".to_string()));
        assert_eq!(feature_columns().len(), 22);
    }
}
