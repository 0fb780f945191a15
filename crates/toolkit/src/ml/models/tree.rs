//! The CART decision tree (smartcore, with class probabilities), also the member of the random
//! forest and the stump of AdaBoost.

use super::{dense, labels_usize, model_err, Classifier};
use crate::error::Result;
use linfa::prelude::*;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};
use smartcore::linalg::basic::arrays::Array as _;
use smartcore::linalg::basic::matrix::DenseMatrix;

type SmartTree = smartcore::tree::decision_tree_classifier::DecisionTreeClassifier<
    f64,
    u32,
    DenseMatrix<f64>,
    Vec<u32>,
>;

/// Parameters of smartcore's CART decision tree, usable as a linfa learner so that
/// linfa-ensemble can bag (random forest) and boost (AdaBoost) it. linfa-trees' own tree is not
/// used: it breaks class-count ties through a `HashMap` and sums impurities in f32 in hash
/// order, so its forests differ from run to run.
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
        let mut classes = y;
        classes.sort_unstable();
        classes.dedup();
        Ok(Cart {
            tree,
            classes: classes.len(),
        })
    }
}

/// A fitted CART tree (smartcore); score = class-1 share of the leaf.
#[derive(Debug, Serialize, Deserialize)]
pub struct Cart {
    tree: SmartTree,
    /// Classes seen in training (a bootstrap sample may hold one only).
    classes: usize,
}

impl Cart {
    /// Fit one tree of at most `max_depth` levels of splits on `x`, `y`.
    pub(super) fn fit_xy(
        x: &Array2<f64>,
        y: &[u8],
        max_depth: Option<u16>,
        seed: u64,
    ) -> Result<Self> {
        CartParams { max_depth, seed }
            .fit(&Dataset::new(x.clone(), labels_usize(y)))
            .map_err(|e| model_err("DecisionTreeClassifier", e))
    }

    pub(super) fn labels(&self, x: &Array2<f64>) -> Result<Vec<u32>> {
        self.tree
            .predict(&dense(x)?)
            .map_err(|e| model_err("DecisionTreeClassifier", e))
    }
}

impl Classifier for Cart {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        if self.classes < 2 {
            return Ok(self.labels(x)?.into_iter().map(f64::from).collect());
        }
        let p = self
            .tree
            .predict_proba(&dense(x)?)
            .map_err(|e| model_err("DecisionTreeClassifier", e))?;
        Ok((0..x.nrows()).map(|i| *p.get((i, 1))).collect())
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
