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
        drop(df);
        crate::io::release_freed_memory();
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
///
/// A 64-bit hash of each row's values, built one column at a time, finds each row's candidate
/// (the first row with its hash); a row and its candidate are then compared value by value, so
/// equal hashes of different rows (odds about 1e-6 at 10 million rows) cannot merge profiles:
/// such a row gets a profile of its own. Memory stays at a few vectors of n whatever the number
/// of columns (polars' window over ~50 key columns took gigabytes at 10 million rows).
fn profiles(df: &DataFrame) -> Result<Vec<usize>> {
    let ctx = || "finding identical customer profiles".to_string();
    let keys: Vec<&Column> = df
        .columns()
        .iter()
        .filter(|c| c.name().as_str() != "ID" && c.name().as_str() != "Response")
        .collect();
    let n = df.height();
    // splitmix64's finaliser: every input bit moves every output bit
    let mix = |mut z: u64| {
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut hashes = vec![0x9E37_79B9_7F4A_7C15_u64; n];
    for c in &keys {
        let values: Vec<u64> = if c.dtype() == &DataType::String {
            c.str()
                .ctx(ctx)?
                .iter()
                .map(|v| {
                    v.map_or(u64::MAX, |t| {
                        t.bytes().fold(0xCBF2_9CE4_8422_2325_u64, |h, b| {
                            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
                        })
                    })
                })
                .collect()
        } else {
            let f = c.cast(&DataType::Float64).ctx(ctx)?;
            f.f64()
                .ctx(ctx)?
                .iter()
                .map(|v| v.map_or(u64::MAX - 1, f64::to_bits))
                .collect()
        };
        for (h, v) in hashes.iter_mut().zip(values) {
            *h = mix(*h ^ v);
        }
    }
    let mut first_of_hash: std::collections::HashMap<u64, usize> = Default::default();
    let candidate: Vec<usize> = hashes
        .iter()
        .enumerate()
        .map(|(i, h)| *first_of_hash.entry(*h).or_insert(i))
        .collect();
    drop(first_of_hash);
    // check each row against its candidate, value by value
    let mut same: Vec<bool> = candidate.iter().enumerate().map(|(i, c)| *c != i).collect();
    for c in &keys {
        for i in 0..n {
            if same[i] {
                same[i] = c.get(i).ctx(ctx)? == c.get(candidate[i]).ctx(ctx)?;
            }
        }
    }
    let mut profile = vec![0usize; n];
    let mut next = 0;
    for i in 0..n {
        profile[i] = if same[i] {
            profile[candidate[i]]
        } else {
            next += 1;
            next - 1
        };
    }
    Ok(profile)
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

    #[test]
    fn profiles_group_rows_equal_but_for_id_and_response() {
        let df = df!(
            "ID" => [10, 11, 12, 13, 14, 15],
            "Response" => [0, 1, 1, 0, 0, 1],
            "Income" => [Some(5.0), Some(6.0), Some(5.0), Some(5.0), None, None],
            "Education" => ["PhD", "PhD", "PhD", "Basic", "PhD", "PhD"],
        )
        .unwrap();
        // rows 0 and 2 are one profile, 4 and 5 another (missing income both), 3 differs by text
        assert_eq!(profiles(&df).unwrap(), [0, 1, 0, 2, 3, 3]);
    }
}
