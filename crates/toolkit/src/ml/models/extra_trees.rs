//! Extremely randomised trees (Geurts, Ernst & Wehenkel 2006), scikit-learn's
//! `ExtraTreesClassifier`. No Rust crate has an extra-trees classifier (smartcore has only the
//! regressor): the trees are scikit-learn's own ([`DecisionTree`] with random splits), seeded as
//! scikit-learn seeds them, so `random_state=42` gives its forest. Defaults as scikit-learn's:
//! 100 trees, each on every training row (no bootstrap), ⌊√p⌋ candidate features per split, one
//! uniform random threshold per candidate, Gini impurity, grown until leaves are pure. A leaf
//! predicts its share of class 1; the forest averages the leaves.

use super::tree::{forest_scores, grow_forest, DecisionTree, Splitter, TreeParams};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// Extra-trees hyper-parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtraTreesParams {
    pub trees: usize,
    /// Candidate features per split; `None` = ⌊√p⌋ (at least 1).
    pub max_features: Option<usize>,
    /// A node with fewer rows than this becomes a leaf.
    pub min_samples_split: usize,
    /// `None` = grow until pure.
    pub max_depth: Option<usize>,
}

impl Default for ExtraTreesParams {
    fn default() -> Self {
        Self {
            trees: 100,
            max_features: None,
            min_samples_split: 2,
            max_depth: None,
        }
    }
}

/// A fitted extra-trees forest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtraTrees {
    pub trees: Vec<DecisionTree>,
}

impl ExtraTrees {
    /// Fit on rows of `x` with labels `y` (0/1), every tree on every row ([`grow_forest`]).
    pub fn fit(params: &ExtraTreesParams, x: &Array2<f64>, y: &[u8], seed: u64) -> Self {
        let p = x.ncols();
        let tree = TreeParams {
            max_depth: params.max_depth,
            max_features: Some(
                params
                    .max_features
                    .unwrap_or(((p as f64).sqrt() as usize).max(1)),
            ),
            min_samples_split: params.min_samples_split,
            splitter: Splitter::Random,
        };
        Self {
            trees: grow_forest(x, y, params.trees, &tree, false, seed),
        }
    }

    /// Mean over the trees of the leaf share of class 1.
    pub fn score(&self, x: &Array2<f64>) -> Vec<f64> {
        forest_scores(&self.trees, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separable_data_is_learned_and_scores_are_probabilities() {
        // class 1 when x0 > 0.5; x1 is noise
        let n = 200;
        let x = Array2::from_shape_fn((n, 2), |(i, j)| {
            if j == 0 {
                i as f64 / n as f64
            } else {
                ((i * 7919) % 101) as f64
            }
        });
        let y: Vec<u8> = (0..n).map(|i| u8::from(i * 2 > n)).collect();
        let f = ExtraTrees::fit(&ExtraTreesParams::default(), &x, &y, 1);
        let s = f.score(&x);
        assert!(s.iter().all(|p| (0.0..=1.0).contains(p)));
        // grown to purity: the training rows are fitted exactly
        let wrong = s
            .iter()
            .zip(&y)
            .filter(|(p, t)| (**p >= 0.5) != (**t == 1))
            .count();
        assert_eq!(wrong, 0);
        assert_eq!(f, ExtraTrees::fit(&ExtraTreesParams::default(), &x, &y, 1));
        assert_ne!(f, ExtraTrees::fit(&ExtraTreesParams::default(), &x, &y, 2));
    }

    #[test]
    fn constant_features_give_a_single_leaf() {
        let x = Array2::from_elem((10, 3), 1.0);
        let y: Vec<u8> = (0..10).map(|i| u8::from(i < 3)).collect();
        let params = ExtraTreesParams {
            trees: 3,
            ..Default::default()
        };
        let f = ExtraTrees::fit(&params, &x, &y, 0);
        assert!(f.score(&x).iter().all(|p| (p - 0.3).abs() < 1e-12));
    }
}
