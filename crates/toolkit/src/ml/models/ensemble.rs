//! Ensembles of trees: the random forest and AdaBoost (linfa-ensemble's bagging and boosting of
//! smartcore's CART), and the hand-written extra trees.

use super::extra_trees::ExtraTrees;
use super::tree::{Cart, CartParams};
use super::{labels_usize, model_err, Classifier};
use crate::error::Result;
use linfa::prelude::*;
use ndarray::{Array2, Axis};
use rand_xoshiro::rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;
use serde::{Deserialize, Serialize};

impl Classifier for ExtraTrees {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        Ok(self.score(x))
    }
}

/// Random forest (linfa-ensemble's bagging of CART trees); score = mean of the trees' leaf
/// shares of class 1 (soft voting, as scikit-learn's).
#[derive(Debug, Serialize, Deserialize)]
pub struct ForestModel {
    trees: Vec<Cart>,
    features: Vec<Vec<usize>>,
}

impl ForestModel {
    /// Bag `trees` CART trees on bootstrap rows, each on a random √p/p share of the features.
    pub(super) fn fit(
        x: &Array2<f64>,
        y: &[u8],
        trees: usize,
        max_depth: Option<usize>,
        seed: u64,
    ) -> Result<Self> {
        let ds = Dataset::new(x.clone(), labels_usize(y));
        let share = (x.ncols() as f64).sqrt() / x.ncols() as f64;
        let forest = linfa_ensemble::EnsembleLearnerParams::new_fixed_rng(
            CartParams {
                max_depth: max_depth.map(|d| d as u16),
                seed,
            },
            Xoshiro256Plus::seed_from_u64(seed),
        )
        .ensemble_size(trees)
        .bootstrap_proportion(1.0)
        .feature_proportion(share)
        .fit(&ds)
        .map_err(|e| model_err("RandomForestClassifier", e))?;
        Ok(Self {
            trees: forest.models,
            features: forest.model_features,
        })
    }
}

impl Classifier for ForestModel {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        let mut votes = vec![0.0; x.nrows()];
        for (tree, feats) in self.trees.iter().zip(&self.features) {
            for (v, p) in votes
                .iter_mut()
                .zip(tree.scores(&x.select(Axis(1), feats))?)
            {
                *v += p;
            }
        }
        let n = self.trees.len().max(1) as f64;
        Ok(votes.into_iter().map(|v| v / n).collect())
    }
}

/// AdaBoost (linfa-ensemble, CART stumps); score = weighted share of stumps voting 1.
#[derive(Debug, Serialize, Deserialize)]
pub struct AdaBoostModel {
    stumps: Vec<Cart>,
    weights: Vec<f64>,
}

impl AdaBoostModel {
    /// SAMME boosting of `stumps` depth-1 CART trees.
    pub(super) fn fit(
        x: &Array2<f64>,
        y: &[u8],
        stumps: usize,
        learning_rate: f64,
        seed: u64,
    ) -> Result<Self> {
        let ds = Dataset::new(x.clone(), labels_usize(y));
        let ada = linfa_ensemble::AdaBoostParams::new_fixed_rng(
            CartParams {
                max_depth: Some(1),
                seed,
            },
            Xoshiro256Plus::seed_from_u64(seed),
        )
        .n_estimators(stumps)
        .learning_rate(learning_rate)
        .fit(&ds)
        .map_err(|e| model_err("AdaBoostClassifier", e))?;
        Ok(Self {
            stumps: ada.models,
            weights: ada.model_weights,
        })
    }
}

impl Classifier for AdaBoostModel {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        let mut votes = vec![0.0; x.nrows()];
        for (stump, w) in self.stumps.iter().zip(&self.weights) {
            for (v, p) in votes.iter_mut().zip(stump.labels(x)?) {
                *v += w * f64::from(p);
            }
        }
        let total: f64 = self.weights.iter().sum();
        Ok(votes
            .into_iter()
            .map(|v| if total > 0.0 { v / total } else { 0.5 })
            .collect())
    }
}
