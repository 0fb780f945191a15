//! Extremely randomised trees (Geurts, Ernst & Wehenkel 2006), the classifier scikit-learn calls
//! `ExtraTreesClassifier`. Hand-written: no Rust crate has an extra-trees classifier (smartcore
//! has only the regressor). Defaults as scikit-learn's: 100 trees, each on every training row
//! (no bootstrap), √p candidate features per split, one uniform random threshold per candidate,
//! Gini impurity, grown until leaves are pure or hold one row. A leaf predicts its share of
//! class 1; the forest averages the leaves.

use ndarray::{Array2, ArrayView1};
use rand::Rng;
use rand_xoshiro::rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Node {
    Leaf(f64),
    /// rows with x[feature] <= threshold go left
    Split {
        feature: usize,
        threshold: f64,
        left: usize,
        right: usize,
    },
}

/// One fitted tree, nodes in depth-first order (root first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    nodes: Vec<Node>,
}

impl Tree {
    fn score(&self, row: ArrayView1<f64>) -> f64 {
        let mut i = 0;
        loop {
            match self.nodes[i] {
                Node::Leaf(p) => return p,
                Node::Split {
                    feature,
                    threshold,
                    left,
                    right,
                } => {
                    i = if row[feature] <= threshold {
                        left
                    } else {
                        right
                    }
                }
            }
        }
    }
}

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
    pub trees: Vec<Tree>,
}

fn gini(pos: f64, n: f64) -> f64 {
    if n == 0.0 {
        0.0
    } else {
        let p = pos / n;
        2.0 * p * (1.0 - p)
    }
}

struct Grower<'a> {
    x: &'a Array2<f64>,
    y: &'a [u8],
    params: &'a ExtraTreesParams,
    max_features: usize,
    rng: Xoshiro256Plus,
    nodes: Vec<Node>,
    features: Vec<usize>,
}

impl Grower<'_> {
    fn grow(&mut self, rows: &mut [usize], depth: usize) -> usize {
        let n = rows.len();
        let pos = rows.iter().filter(|&&r| self.y[r] == 1).count();
        let id = self.nodes.len();
        self.nodes.push(Node::Leaf(pos as f64 / n.max(1) as f64));
        let deep = self.params.max_depth.is_some_and(|d| depth >= d);
        if n < self.params.min_samples_split || pos == 0 || pos == n || deep {
            return id;
        }
        // draw features without replacement until max_features non-constant ones were tried
        let mut best: Option<(f64, usize, f64)> = None;
        let mut tried = 0;
        let mut left_features = self.features.len();
        while tried < self.max_features && left_features > 0 {
            let j = self.rng.gen_range(0..left_features);
            left_features -= 1;
            self.features.swap(j, left_features);
            let f = self.features[left_features];
            let (lo, hi) = rows
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &r| {
                    (lo.min(self.x[[r, f]]), hi.max(self.x[[r, f]]))
                });
            if hi <= lo {
                continue;
            }
            tried += 1;
            let t = lo + (hi - lo) * self.rng.gen::<f64>();
            let (mut nl, mut pl) = (0.0, 0.0);
            for &r in rows.iter() {
                if self.x[[r, f]] <= t {
                    nl += 1.0;
                    pl += f64::from(self.y[r]);
                }
            }
            let nr = n as f64 - nl;
            let pr = pos as f64 - pl;
            let impurity = nl * gini(pl, nl) + nr * gini(pr, nr);
            if best.is_none_or(|(b, _, _)| impurity < b) {
                best = Some((impurity, f, t));
            }
        }
        let Some((_, feature, threshold)) = best else {
            return id;
        };
        // partition rows in place: left part first
        let mut split = 0;
        for i in 0..n {
            if self.x[[rows[i], feature]] <= threshold {
                rows.swap(i, split);
                split += 1;
            }
        }
        if split == 0 || split == n {
            return id;
        }
        let (l, r) = rows.split_at_mut(split);
        let left = self.grow(l, depth + 1);
        let right = self.grow(r, depth + 1);
        self.nodes[id] = Node::Split {
            feature,
            threshold,
            left,
            right,
        };
        id
    }
}

impl ExtraTrees {
    /// Fit on rows of `x` with labels `y` (0/1); every tree draws from one seeded stream.
    pub fn fit(params: &ExtraTreesParams, x: &Array2<f64>, y: &[u8], seed: u64) -> Self {
        let p = x.ncols();
        let max_features = params
            .max_features
            .unwrap_or(((p as f64).sqrt().floor() as usize).max(1))
            .clamp(1, p.max(1));
        let mut grower = Grower {
            x,
            y,
            params,
            max_features,
            rng: Xoshiro256Plus::seed_from_u64(seed),
            nodes: Vec::new(),
            features: (0..p).collect(),
        };
        let trees = (0..params.trees)
            .map(|_| {
                grower.nodes = Vec::new();
                let mut rows: Vec<usize> = (0..x.nrows()).collect();
                grower.grow(&mut rows, 0);
                Tree {
                    nodes: std::mem::take(&mut grower.nodes),
                }
            })
            .collect();
        Self { trees }
    }

    /// Mean over the trees of the leaf share of class 1.
    pub fn score(&self, x: &Array2<f64>) -> Vec<f64> {
        let n = self.trees.len().max(1) as f64;
        x.rows()
            .into_iter()
            .map(|row| self.trees.iter().map(|t| t.score(row)).sum::<f64>() / n)
            .collect()
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
