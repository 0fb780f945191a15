//! Ensembles of trees: the random forest (scikit-learn's, over [`DecisionTree`]), AdaBoost
//! (linfa-ensemble's boosting of smartcore's CART stumps) and the hand-written extra trees.

use super::extra_trees::ExtraTrees;
use super::tree::{forest_scores, grow_forest, DecisionTree, TreeParams};
use super::{dense, labels_usize, model_err, Classifier};
use crate::error::Result;
use linfa::prelude::*;
use ndarray::{Array1, Array2};
use rand_xoshiro::rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;
use serde::{Deserialize, Serialize};
use smartcore::linalg::basic::matrix::DenseMatrix;

impl Classifier for ExtraTrees {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        Ok(self.score(x))
    }
}

/// Random forest, as scikit-learn's `RandomForestClassifier`: every tree a
/// [`DecisionTree`] on a bootstrap sample (row weights = draw counts) with ⌊√p⌋ candidate
/// features drawn at every split, the trees' seeds and bootstrap rows drawn from NumPy's
/// `RandomState` as scikit-learn draws them; score = mean of the trees' leaf shares of class 1
/// (soft voting). Trees grow in parallel, each from its own seed: the same forest at any thread
/// count.
#[derive(Debug, Serialize, Deserialize)]
pub struct ForestModel {
    trees: Vec<DecisionTree>,
}

impl ForestModel {
    pub(super) fn fit(
        x: &Array2<f64>,
        y: &[u8],
        trees: usize,
        max_depth: Option<usize>,
        seed: u64,
    ) -> Result<Self> {
        let params = TreeParams {
            max_depth,
            max_features: Some(((x.ncols() as f64).sqrt() as usize).max(1)),
            ..TreeParams::default()
        };
        let trees = grow_forest(x, y, trees, &params, true, seed);
        Ok(Self { trees })
    }
}

impl Classifier for ForestModel {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        Ok(forest_scores(&self.trees, x))
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

type SmartTree = smartcore::tree::decision_tree_classifier::DecisionTreeClassifier<
    f64,
    u32,
    DenseMatrix<f64>,
    Vec<u32>,
>;

/// Parameters of smartcore's CART tree as a linfa learner, so that linfa-ensemble can boost it
/// (AdaBoost's stumps). linfa-trees' own tree is not used: it breaks class-count ties through a
/// `HashMap` and sums impurities in f32 in hash order, so its ensembles differ from run to run.
#[derive(Debug, Clone, PartialEq)]
pub struct CartParams {
    /// Levels of splits, as scikit-learn counts them (a stump has depth 1; smartcore counts
    /// the root as level 1, so it is given depth + 1).
    pub max_depth: Option<u16>,
    pub seed: u64,
}

impl Fit<Array2<f64>, Array1<usize>, linfa::Error> for CartParams {
    type Object = Cart;

    fn fit(
        &self,
        ds: &DatasetBase<Array2<f64>, Array1<usize>>,
    ) -> std::result::Result<Cart, linfa::Error> {
        let p = smartcore::tree::decision_tree_classifier::DecisionTreeClassifierParameters {
            max_depth: self.max_depth.map(|d| d.saturating_add(1)),
            seed: Some(self.seed),
            ..Default::default()
        };
        let y: Vec<u32> = ds.targets.iter().map(|c| *c as u32).collect();
        let x = dense(&ds.records).map_err(|e| linfa::Error::Parameters(e.to_string()))?;
        let tree =
            SmartTree::fit(&x, &y, p).map_err(|e| linfa::Error::Parameters(e.to_string()))?;
        Ok(Cart { tree })
    }
}

/// A fitted smartcore CART tree (AdaBoost's stump).
#[derive(Debug, Serialize, Deserialize)]
pub struct Cart {
    tree: SmartTree,
}

impl Cart {
    fn labels(&self, x: &Array2<f64>) -> Result<Vec<u32>> {
        self.tree
            .predict(&dense(x)?)
            .map_err(|e| model_err("AdaBoostClassifier", e))
    }
}

impl PredictInplace<Array2<f64>, Array1<usize>> for Cart {
    fn predict_inplace(&self, x: &Array2<f64>, y: &mut Array1<usize>) {
        // only called by linfa-ensemble, on matrices shaped as the ones it fitted on
        let labels = self
            .labels(x)
            .expect("a fitted tree predicts its own features");
        for (t, l) in y.iter_mut().zip(labels) {
            *t = l as usize;
        }
    }

    fn default_target(&self, x: &Array2<f64>) -> Array1<usize> {
        Array1::zeros(x.nrows())
    }
}
