//! scikit-learn's stratified dummy classifier, the leaderboard's floor. Hand-written: no crate
//! has one, and it is five lines.

use super::Classifier;
use crate::error::Result;
use ndarray::Array2;
use rand::Rng;
use rand_xoshiro::rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;
use serde::{Deserialize, Serialize};

/// scikit-learn's `DummyClassifier(strategy='stratified')`: each row's label is drawn at random
/// with the training share of class 1; the score is that 0/1 draw. The same seed gives the same
/// draws at every call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DummyModel {
    pub prior: f64,
    pub seed: u64,
}

impl DummyModel {
    /// Remember the training share of class 1 and the seed of the draws.
    pub(super) fn fit(y: &[u8], seed: u64) -> Self {
        Self {
            prior: y.iter().filter(|c| **c == 1).count() as f64 / y.len() as f64,
            seed,
        }
    }
}

impl Classifier for DummyModel {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        let mut rng = Xoshiro256Plus::seed_from_u64(self.seed);
        Ok((0..x.nrows())
            .map(|_| f64::from(u8::from(rng.gen::<f64>() < self.prior)))
            .collect())
    }
}
