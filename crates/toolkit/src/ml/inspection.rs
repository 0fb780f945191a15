//! Model inspection: permutation importance (scikit-learn's `inspection.permutation_importance`),
//! hand-written because no Rust crate has it.

use crate::error::Result;
use crate::ml::metrics::roc_auc;
use crate::ml::models::{Classifier, FittedModel};
use crate::ml::resampling::permutation;
use rand_xoshiro::rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;

/// Permutation importance: the drop in test ROC AUC when
/// one model input is shuffled, `repeats` times; (feature, mean drop, std).
pub fn permutation_importance(
    model: &FittedModel,
    x: &ndarray::Array2<f64>,
    truth: &[u8],
    names: &[String],
    repeats: usize,
    seed: u64,
) -> Result<Vec<(String, f64, f64)>> {
    let base = roc_auc(truth, &model.scores(x)?).unwrap_or(f64::NAN);
    let mut rng = Xoshiro256Plus::seed_from_u64(seed);
    let mut out = Vec::new();
    for (j, name) in names.iter().enumerate() {
        let mut drops = Vec::with_capacity(repeats);
        for _ in 0..repeats {
            let mut xp = x.clone();
            let perm = permutation(&mut rng, x.nrows());
            xp.column_mut(j)
                .assign(&x.column(j).select(ndarray::Axis(0), &perm));
            drops.push(base - roc_auc(truth, &model.scores(&xp)?).unwrap_or(f64::NAN));
        }
        let m = drops.iter().sum::<f64>() / repeats as f64;
        let sd = (drops.iter().map(|d| (d - m) * (d - m)).sum::<f64>()
            / (repeats.max(2) - 1) as f64)
            .sqrt();
        out.push((name.clone(), m, sd));
    }
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    Ok(out)
}
