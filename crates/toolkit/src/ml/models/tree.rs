//! scikit-learn's decision tree (`DecisionTreeClassifier`, best splitter, Gini), the member of
//! the random forest too. Hand-written: an unpruned tree is decided by its ties (equal-gain
//! splits, which the one-hot features make common), and no crate breaks them as scikit-learn
//! does — smartcore's CART scored 0.681 mean CV ROC AUC against the original's 0.703 here,
//! linfa-trees' breaks class ties through a `HashMap`. scikit-learn visits the features in an
//! order drawn from its own xorshift generator (`our_rand_r`, seeded from NumPy's
//! `RandomState`), keeps the first of equal-gain splits, compares `float32` copies of the
//! features against `float64` mid-points and keeps known-constant features aside from node to
//! node; all of it is reproduced here, so the same seed gives scikit-learn's tree, split for
//! split (tested against trees fitted by scikit-learn 1.7).

use super::Classifier;
use crate::error::Result;
use crate::ml::numpy_rng::RandomState;
use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// Values closer than this count as equal (scikit-learn's `FEATURE_THRESHOLD`).
const FEATURE_THRESHOLD: f64 = 1e-7;
/// scikit-learn's `RAND_R_MAX` (2³¹ − 1).
pub(crate) const RAND_R_MAX: u64 = 0x7FFF_FFFF;

/// scikit-learn's `our_rand_r`: xorshift32, reduced below 2³¹.
struct RandR(u32);

impl RandR {
    fn next(&mut self) -> u32 {
        if self.0 == 0 {
            self.0 = 1;
        }
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0 % (RAND_R_MAX as u32 + 1)
    }

    /// `rand_int(low, high)`: an integer in [low, high).
    fn int(&mut self, low: usize, high: usize) -> usize {
        low + self.next() as usize % (high - low)
    }
}

/// How a node's split is chosen among its candidate features.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Splitter {
    /// The best threshold of every candidate (CART; scikit-learn's `splitter="best"`).
    #[default]
    Best,
    /// One uniform random threshold per candidate, the best of those (extremely randomised
    /// trees; `splitter="random"`).
    Random,
}

/// How a tree grows (scikit-learn's defaults: unlimited depth, every feature, split nodes of 2
/// rows or more, best splits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeParams {
    /// Levels of splits (a stump has depth 1); `None` grows until the leaves are pure.
    pub max_depth: Option<usize>,
    /// Candidate features per split; `None` = every feature (the forest passes ⌊√p⌋).
    pub max_features: Option<usize>,
    /// A node with fewer (distinct) rows than this is a leaf.
    pub min_samples_split: usize,
    pub splitter: Splitter,
}

impl Default for TreeParams {
    fn default() -> Self {
        Self {
            max_depth: None,
            max_features: None,
            min_samples_split: 2,
            splitter: Splitter::Best,
        }
    }
}

/// The trees of a scikit-learn forest with `random_state=seed`, grown in parallel: one
/// `randint(2³¹ − 1)` per tree from `RandomState(seed)` seeds the tree (its splitter state and,
/// with `bootstrap`, its rows: `randint(0, n, n)` from a fresh `RandomState(tree seed)`, drawn
/// counts as row weights). Each tree from its own seed: the same forest at any thread count.
pub fn grow_forest(
    x: &Array2<f64>,
    y: &[u8],
    trees: usize,
    params: &TreeParams,
    bootstrap: bool,
    seed: u64,
) -> Vec<DecisionTree> {
    use rayon::prelude::*;
    let n = x.nrows();
    let mut rs = RandomState::new(seed as u32);
    let seeds: Vec<u32> = (0..trees)
        .map(|_| rs.randint(i32::MAX as u64) as u32)
        .collect();
    seeds
        .into_par_iter()
        .map(|s| {
            let counts = bootstrap.then(|| {
                let mut draws = RandomState::new(s);
                let mut counts = vec![0.0; n];
                for _ in 0..n {
                    counts[draws.randint(n as u64) as usize] += 1.0;
                }
                counts
            });
            DecisionTree::fit_seeded(x, y, counts.as_deref(), params, s)
        })
        .collect()
}

/// A forest's score: the mean over its trees of the leaf share of class 1 (summed in the trees'
/// order, as scikit-learn's `predict_proba`).
pub fn forest_scores(trees: &[DecisionTree], x: &Array2<f64>) -> Vec<f64> {
    let mut votes = vec![0.0; x.nrows()];
    for tree in trees {
        for (v, p) in votes.iter_mut().zip(tree.scores(x)) {
            *v += p;
        }
    }
    let n = trees.len().max(1) as f64;
    votes.into_iter().map(|v| v / n).collect()
}

/// One node: a leaf (`feature` is `None`) or a split sending `x[feature] <= threshold` left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub feature: Option<usize>,
    pub threshold: f64,
    pub left: usize,
    pub right: usize,
    /// Weighted share of class 1 among the node's training rows.
    pub p1: f64,
}

/// A fitted tree, nodes numbered as scikit-learn numbers them (depth first, left first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionTree {
    pub nodes: Vec<Node>,
}

/// A node waiting on the builder's stack (scikit-learn's `StackRecord`).
struct Pending {
    start: usize,
    end: usize,
    depth: usize,
    parent: Option<(usize, bool)>,
    n_constant: usize,
}

struct Split {
    feature: usize,
    threshold: f64,
    pos: usize,
}

/// Gini impurity of a node from its class weights, in scikit-learn's order of operations.
fn gini(c0: f64, c1: f64) -> f64 {
    let w = c0 + c1;
    1.0 - (c0 * c0 + c1 * c1) / (w * w)
}

/// scikit-learn's `proxy_impurity_improvement` for Gini: −(w_r·gini_r + w_l·gini_l), from the
/// node's class weights and the left child's (weights are counts: every sum here is exact).
fn proxy(c0: f64, c1: f64, l0: f64, l1: f64) -> f64 {
    let wl = l0 + l1;
    let wr = (c0 + c1) - wl;
    let (r0, r1) = (c0 - l0, c1 - l1);
    let gl = 1.0 - (l0 * l0 + l1 * l1) / (wl * wl);
    let gr = 1.0 - (r0 * r0 + r1 * r1) / (wr * wr);
    -wr * gr - wl * gl
}

struct Builder<'a> {
    /// Features as float32, feature-major (scikit-learn fits trees on `float32`).
    xf: Vec<f32>,
    n: usize,
    y: &'a [u8],
    w: Vec<f64>,
    samples: Vec<usize>,
    features: Vec<usize>,
    constant: Vec<usize>,
    max_features: usize,
    splitter: Splitter,
    rng: RandR,
    values: Vec<(f32, usize)>,
}

impl Builder<'_> {
    fn counts(&self, start: usize, end: usize) -> (f64, f64) {
        let mut c = [0.0; 2];
        for &s in &self.samples[start..end] {
            c[usize::from(self.y[s])] += self.w[s];
        }
        (c[0], c[1])
    }

    /// scikit-learn's `node_split_best` (or `node_split_random`): the features are drawn
    /// Fisher-Yates from `rand_r`, known-constant ones kept at the front; the first best split
    /// wins. Returns the split
    /// (`None` if no feature varies) and the node's number of constant features.
    /// `(c0, c1)`: the node's class weights.
    fn split(
        &mut self,
        start: usize,
        end: usize,
        (c0, c1): (f64, f64),
        n_known: usize,
    ) -> (Option<Split>, usize) {
        let p = self.features.len();
        let mut f_i = p;
        let (mut n_visited, mut n_found, mut n_drawn) = (0, 0, 0);
        let mut n_total = n_known;
        let mut best: Option<Split> = None;
        let mut best_proxy = f64::NEG_INFINITY;
        while f_i > n_total && (n_visited < self.max_features || n_visited <= n_found + n_drawn) {
            n_visited += 1;
            let mut f_j = self.rng.int(n_drawn, f_i - n_found);
            if f_j < n_known {
                self.features.swap(n_drawn, f_j);
                n_drawn += 1;
                continue;
            }
            f_j += n_found;
            let f = self.features[f_j];
            let col = &self.xf[f * self.n..(f + 1) * self.n];
            // the node's extremes: by a pass for random splits, from the sorted values for best ones
            let (lo, hi) = if self.splitter == Splitter::Random {
                let (lo, hi) = self.samples[start..end]
                    .iter()
                    .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &s| {
                        (lo.min(col[s]), hi.max(col[s]))
                    });
                (f64::from(lo), f64::from(hi))
            } else {
                self.values.clear();
                self.values
                    .extend(self.samples[start..end].iter().map(|&s| (col[s], s)));
                self.values.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
                let v = &self.values;
                (f64::from(v[0].0), f64::from(v[v.len() - 1].0))
            };
            if hi <= lo + FEATURE_THRESHOLD {
                // constant in this node: kept aside for the node's descendants
                self.features.swap(f_j, n_total);
                n_found += 1;
                n_total += 1;
                continue;
            }
            f_i -= 1;
            self.features.swap(f_i, f_j);
            if self.splitter == Splitter::Random {
                // node_split_random: one threshold drawn uniformly between the extremes
                let mut threshold = (hi - lo) * f64::from(self.rng.next()) / RAND_R_MAX as f64 + lo;
                if threshold == hi {
                    threshold = lo;
                }
                let (mut l0, mut l1, mut nl) = (0.0, 0.0, 0);
                for &s in &self.samples[start..end] {
                    if f64::from(col[s]) <= threshold {
                        nl += 1;
                        if self.y[s] == 1 {
                            l1 += self.w[s];
                        } else {
                            l0 += self.w[s];
                        }
                    }
                }
                if nl == 0 || nl == end - start {
                    continue;
                }
                let proxy = proxy(c0, c1, l0, l1);
                if proxy > best_proxy {
                    best_proxy = proxy;
                    best = Some(Split {
                        feature: f,
                        threshold,
                        pos: start + nl,
                    });
                }
                continue;
            }
            let v = &self.values;
            let m = v.len();
            let (mut l0, mut l1) = (0.0, 0.0);
            let (mut q, mut counted) = (0, 0);
            while q < m {
                while q + 1 < m && f64::from(v[q + 1].0) <= f64::from(v[q].0) + FEATURE_THRESHOLD {
                    q += 1;
                }
                let prev = q;
                q += 1;
                if q >= m {
                    continue;
                }
                for &(_, s) in &v[counted..q] {
                    if self.y[s] == 1 {
                        l1 += self.w[s];
                    } else {
                        l0 += self.w[s];
                    }
                }
                counted = q;
                let proxy = proxy(c0, c1, l0, l1);
                if proxy > best_proxy {
                    best_proxy = proxy;
                    let (a, b) = (f64::from(v[prev].0), f64::from(v[q].0));
                    let mut threshold = a / 2.0 + b / 2.0;
                    if threshold == b || threshold.is_infinite() {
                        threshold = a;
                    }
                    best = Some(Split {
                        feature: f,
                        threshold,
                        pos: start + q,
                    });
                }
            }
        }
        if let Some(b) = &best {
            // rows at or below the threshold first (the order within a side does not matter)
            let col = &self.xf[b.feature * self.n..(b.feature + 1) * self.n];
            let rows = &mut self.samples[start..end];
            let mut left = 0;
            for i in 0..rows.len() {
                if f64::from(col[rows[i]]) <= b.threshold {
                    rows.swap(i, left);
                    left += 1;
                }
            }
            debug_assert_eq!(start + left, b.pos);
        }
        // the known constants back in their order, the newly found ones recorded after them
        self.features[..n_known].copy_from_slice(&self.constant[..n_known]);
        self.constant[n_known..n_total].copy_from_slice(&self.features[n_known..n_total]);
        (best, n_total)
    }
}

impl DecisionTree {
    /// Fit on rows of `x` with labels `y` (0/1) and optional row weights (a forest's bootstrap
    /// counts; rows of weight 0 are left out), drawing the feature order from scikit-learn's
    /// generator seeded with `rand_r_state` (what `RandomState(seed).randint(0, 2³¹ − 1)`
    /// gives: see [`DecisionTree::fit_seeded`]).
    pub fn fit(
        x: &Array2<f64>,
        y: &[u8],
        weights: Option<&[f64]>,
        params: &TreeParams,
        rand_r_state: u32,
    ) -> Self {
        let (n, p) = x.dim();
        let mut xf = vec![0f32; n * p];
        for ((i, j), v) in x.indexed_iter() {
            xf[j * n + i] = *v as f32;
        }
        let w = weights.map_or_else(|| vec![1.0; n], <[f64]>::to_vec);
        let samples: Vec<usize> = (0..n).filter(|&i| w[i] != 0.0).collect();
        let max_features = params.max_features.unwrap_or(p).clamp(1, p.max(1));
        let mut b = Builder {
            xf,
            n,
            y,
            w,
            samples,
            features: (0..p).collect(),
            constant: vec![0; p],
            max_features,
            splitter: params.splitter,
            rng: RandR(rand_r_state),
            values: Vec::new(),
        };
        let max_depth = params.max_depth.unwrap_or(usize::MAX);
        let mut nodes: Vec<Node> = Vec::new();
        let mut stack = vec![Pending {
            start: 0,
            end: b.samples.len(),
            depth: 0,
            parent: None,
            n_constant: 0,
        }];
        while let Some(r) = stack.pop() {
            let n_node = r.end - r.start;
            let (c0, c1) = b.counts(r.start, r.end);
            let wn = c0 + c1;
            let mut is_leaf = r.depth >= max_depth
                || n_node < params.min_samples_split
                || n_node < 2
                || gini(c0, c1) <= f64::EPSILON;
            let mut split = None;
            let mut n_constant = r.n_constant;
            if !is_leaf {
                let (s, nc) = b.split(r.start, r.end, (c0, c1), r.n_constant);
                n_constant = nc;
                is_leaf = s.is_none();
                split = s;
            }
            let id = nodes.len();
            // scikit-learn stores class shares and normalises them again to predict
            let (v0, v1) = (c0 / wn, c1 / wn);
            nodes.push(Node {
                feature: None,
                threshold: -2.0,
                left: 0,
                right: 0,
                p1: v1 / (v0 + v1),
            });
            match r.parent {
                Some((parent, true)) => nodes[parent].left = id,
                Some((parent, false)) => nodes[parent].right = id,
                None => {}
            }
            if let (false, Some(s)) = (is_leaf, split) {
                nodes[id].feature = Some(s.feature);
                nodes[id].threshold = s.threshold;
                for (start, end, left) in [(s.pos, r.end, false), (r.start, s.pos, true)] {
                    stack.push(Pending {
                        start,
                        end,
                        depth: r.depth + 1,
                        parent: Some((id, left)),
                        n_constant,
                    });
                }
            }
        }
        Self { nodes }
    }

    /// [`fit`](Self::fit) as `DecisionTreeClassifier(random_state=seed)` seeds itself.
    pub fn fit_seeded(
        x: &Array2<f64>,
        y: &[u8],
        weights: Option<&[f64]>,
        params: &TreeParams,
        seed: u32,
    ) -> Self {
        let state = RandomState::new(seed).randint(RAND_R_MAX) as u32;
        Self::fit(x, y, weights, params, state)
    }

    /// The leaf share of class 1 for every row (rows compared as `float32`, as scikit-learn).
    pub fn scores(&self, x: &Array2<f64>) -> Vec<f64> {
        x.rows()
            .into_iter()
            .map(|row| {
                let mut i = 0;
                while let Some(f) = self.nodes[i].feature {
                    let v = f64::from(row[f] as f32);
                    i = if v <= self.nodes[i].threshold {
                        self.nodes[i].left
                    } else {
                        self.nodes[i].right
                    };
                }
                self.nodes[i].p1
            })
            .collect()
    }

    /// Number of levels of splits.
    pub fn depth(&self) -> usize {
        fn depth(nodes: &[Node], i: usize) -> usize {
            match nodes[i].feature {
                None => 0,
                Some(_) => 1 + depth(nodes, nodes[i].left).max(depth(nodes, nodes[i].right)),
            }
        }
        depth(&self.nodes, 0)
    }
}

impl Classifier for DecisionTree {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        Ok(DecisionTree::scores(self, x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rand_r_is_scikit_learns_xorshift() {
        // seed 1: 1 ^ 1<<13 = 8193; ^ >>17 = 8193; ^ <<5 = 8193 ^ 262176 = 270369
        let mut r = RandR(1);
        assert_eq!(r.next(), 270_369);
        // a zero state is replaced by 1, as scikit-learn's DEFAULT_SEED
        assert_eq!(RandR(0).next(), 270_369);
    }

    #[test]
    fn a_pure_split_is_found_and_leaves_hold_their_shares() {
        // class 1 iff x0 > 0.5; x1 constant
        let x = Array2::from_shape_fn((8, 2), |(i, j)| if j == 0 { i as f64 / 8.0 } else { 3.0 });
        let y: Vec<u8> = (0..8).map(|i| u8::from(i >= 4)).collect();
        let t = DecisionTree::fit_seeded(&x, &y, None, &TreeParams::default(), 42);
        assert_eq!(t.nodes.len(), 3);
        assert_eq!(t.nodes[0].feature, Some(0));
        // the mid-point of 3/8 and 4/8, in float32 halves
        assert_eq!(t.nodes[0].threshold, 0.4375);
        assert_eq!(
            t.scores(&x),
            y.iter().map(|c| f64::from(*c)).collect::<Vec<_>>()
        );
        assert_eq!(t.depth(), 1);
    }

    #[test]
    fn conflicting_duplicates_make_an_impure_leaf() {
        let x = Array2::from_shape_vec((4, 1), vec![1.0, 1.0, 1.0, 2.0]).unwrap();
        let y = [0, 1, 1, 0];
        let t = DecisionTree::fit_seeded(&x, &y, None, &TreeParams::default(), 0);
        let s = t.scores(&x);
        assert!((s[0] - 2.0 / 3.0).abs() < 1e-15, "{s:?}");
        assert_eq!(s[3], 0.0);
        // weights count rows: a weight of 3 on the 0 at x = 1 makes that leaf 2/5
        let w = [3.0, 1.0, 1.0, 1.0];
        let t = DecisionTree::fit_seeded(&x, &y, Some(&w), &TreeParams::default(), 0);
        assert!((t.scores(&x)[0] - 0.4).abs() < 1e-15);
    }
}
