//! scikit-learn's stratified dummy classifier, the leaderboard's floor. Hand-written: no crate
//! has one; its draws are NumPy's (`RandomState(seed).multinomial(1, prior)` per row), so seed
//! 42 gives the original's labels.

use super::Classifier;
use crate::error::Result;
use crate::ml::numpy_rng::RandomState;
use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// scikit-learn's `DummyClassifier(strategy='stratified')`: each row's label is drawn at random
/// with the training class shares; the score is that 0/1 draw. Every call draws from a fresh
/// `RandomState(seed)`, as scikit-learn's, so the same rows get the same labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DummyModel {
    /// Training shares of class 0 and class 1 (scikit-learn's `class_prior_`: count / n).
    pub prior: [f64; 2],
    pub seed: u64,
}

impl DummyModel {
    /// Remember the training share of class 1 and the seed of the draws.
    pub(super) fn fit(y: &[u8], seed: u64) -> Self {
        Self {
            prior: [0, 1].map(|c| y.iter().filter(|v| **v == c).count() as f64 / y.len() as f64),
            seed,
        }
    }
}

impl Classifier for DummyModel {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        let mut rng = RandomState::new(self.seed as u32);
        Ok((0..x.nrows())
            .map(|_| rng.multinomial_one(&self.prior) as f64)
            .collect())
    }
}
