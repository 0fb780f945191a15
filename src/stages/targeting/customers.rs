//! The honest model's customers and features: the wide silver table (the lean rows with `ID` and
//! the raw spends and campaigns the lean table aggregates away), features engineered from it,
//! their column roles, and the candidate models.

use crate::config::StudyConfig;
use crate::error::{PolarsContext, Result};
use crate::ml::classifier::{ClassifierData, PipelineSpec};
use crate::ml::models::ModelSpec;
use crate::ml::preprocessing::{Columns, Roles};
use polars::prelude::*;

pub use crate::data::features::{engineered_exprs, feature_names, ENGINEERED, RAW_FEATURES};

/// Customers of the wide silver table: their IDs and the honest model's features and target.
#[derive(Debug, Clone, PartialEq)]
pub struct Customers {
    pub ids: Vec<i64>,
    pub data: ClassifierData,
    /// Profile of every customer (0, 1, …): customers identical in every column but `ID` and
    /// `Response` share one; grouped cross-validation keeps each profile in one fold.
    pub profiles: Vec<usize>,
}

impl Customers {
    /// Read the wide silver layer and engineer the features (one lazy query).
    pub fn load(config: &StudyConfig) -> Result<Self> {
        let df = crate::data::layers::scan_silver_wide(config)?
            .with_columns(engineered_exprs())
            .collect()
            .ctx(|| "engineering the targeting features".to_string())?;
        let x = Columns::from_frame(&df, &feature_names(), &["Education", "Marital_Status"])?;
        let read_i64 = |name: &str| -> Result<Vec<i64>> {
            let c = df
                .column(name)
                .and_then(|c| c.cast(&DataType::Int64))
                .ctx(|| format!("column {name}"))?;
            Ok(c.i64()
                .ctx(|| format!("column {name}"))?
                .iter()
                .map(|v| v.unwrap_or(-1))
                .collect())
        };
        let ids = read_i64("ID")?;
        let profiles = profiles(&df)?;
        let y = read_i64("Response")?
            .into_iter()
            .map(|v| u8::from(v == 1))
            .collect();
        Ok(Self {
            ids,
            data: ClassifierData { x, y },
            profiles,
        })
    }

    /// (rows that copy another customer's profile, profiles with copies, of those profiles the
    /// ones whose copies disagree on `Response`).
    pub fn duplicates(&self) -> (usize, usize, usize) {
        let n = self.profiles.iter().max().map_or(0, |m| m + 1);
        let mut size = vec![0usize; n];
        let mut pos = vec![0usize; n];
        for (g, y) in self.profiles.iter().zip(&self.data.y) {
            size[*g] += 1;
            pos[*g] += usize::from(*y == 1);
        }
        let copies = size.iter().filter(|s| **s > 1).map(|s| s - 1).sum();
        let shared = size.iter().filter(|s| **s > 1).count();
        let disagree = (0..n)
            .filter(|g| size[*g] > 1 && pos[*g] > 0 && pos[*g] < size[*g])
            .count();
        (copies, shared, disagree)
    }
}

/// Profile index of every row: the first row (in table order) with the same values in every
/// column but `ID` and `Response`, renumbered 0, 1, … in order of first appearance.
fn profiles(df: &DataFrame) -> Result<Vec<usize>> {
    let keys: Vec<PlSmallStr> = df
        .get_column_names()
        .into_iter()
        .filter(|c| c.as_str() != "ID" && c.as_str() != "Response")
        .cloned()
        .collect();
    let key_cols: Vec<Expr> = keys.iter().map(|k| col(k.clone())).collect();
    let first_row = col("__row")
        .min()
        .over(key_cols.clone())
        .ctx(|| "finding identical customer profiles".to_string())?;
    let first = df
        .clone()
        .lazy()
        .select(key_cols.clone())
        .with_row_index("__row", None)
        .with_column(first_row.alias("__first"))
        .select([col("__first").cast(DataType::Int64)])
        .collect()
        .ctx(|| "finding identical customer profiles".to_string())?;
    let first: Vec<i64> = first
        .column("__first")
        .and_then(|c| c.i64().cloned())
        .ctx(|| "finding identical customer profiles".to_string())?
        .into_no_null_iter()
        .collect();
    let mut index = std::collections::HashMap::new();
    Ok(first
        .iter()
        .map(|f| {
            let next = index.len();
            *index.entry(*f).or_insert(next)
        })
        .collect())
}

/// Column roles of the honest model: education and marital status one-hot; 0/1 flags min-max
/// (they stay 0/1); income, age, recency and tenure standardised; counts, amounts and ratios
/// Yeo-Johnson (they are skewed).
pub fn honest_roles() -> Roles {
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let flags = [
        "AcceptedCmp1",
        "AcceptedCmp2",
        "AcceptedCmp3",
        "AcceptedCmp4",
        "AcceptedCmp5",
        "Complain",
    ];
    let standard = ["Income", "Age", "Recency", "Days_Since_Enrolled"];
    let power: Vec<&str> = RAW_FEATURES
        .iter()
        .chain(ENGINEERED.iter().map(|e| &e.0))
        .copied()
        .filter(|c| !flags.contains(c) && !standard.contains(c))
        .collect();
    Roles {
        one_hot: names(&["Education", "Marital_Status"]),
        standard: names(&standard),
        power: names(&power),
        min_max: names(&flags),
    }
}

/// The honest pipeline around `model`: every feature kept, no undersampling (probabilities keep
/// the real base rate).
pub fn honest_spec(model: ModelSpec) -> PipelineSpec {
    PipelineSpec {
        roles: honest_roles(),
        k: usize::MAX,
        undersample: false,
        model,
    }
}

/// Candidates of the honest model, chosen by out-of-fold log loss.
pub fn honest_candidates() -> Vec<ModelSpec> {
    let mut v: Vec<ModelSpec> = [0.3, 1.0, 3.0]
        .into_iter()
        .map(|c| ModelSpec::LogisticRegression {
            c: Some(c),
            max_iter: 1000,
        })
        .collect();
    v.extend([
        ModelSpec::GradientBoosting {
            stages: 300,
            learning_rate: 0.05,
            max_depth: 2,
        },
        ModelSpec::XGBoost {
            rounds: 300,
            max_depth: 2,
            eta: 0.05,
        },
    ]);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_honest_roles_cover_every_feature_once() {
        let r = honest_roles();
        let mut all: Vec<String> = [r.one_hot, r.standard, r.power, r.min_max].concat();
        assert_eq!(all.len(), feature_names().len());
        all.sort();
        all.dedup();
        assert_eq!(all.len(), feature_names().len());
    }
}
