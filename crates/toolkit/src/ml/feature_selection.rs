//! Univariate feature selection: the ANOVA F score of every feature against a binary target and
//! `SelectKBest` (scikit-learn's `f_classif` + `SelectKBest`). Hand-written: neither linfa nor
//! smartcore has univariate selection.

use ndarray::{Array2, Axis};
use serde::{Deserialize, Serialize};

/// One-way ANOVA F statistic of each column between the classes 0 and 1:
/// F = (SS_between / (g − 1)) / (SS_within / (n − g)) with g = 2 groups. A column that is
/// constant inside both classes has no within-class variance: its F is NaN (as scikit-learn's).
pub fn f_classif(x: &Array2<f64>, y: &[u8]) -> Vec<f64> {
    let n = y.len() as f64;
    x.axis_iter(Axis(1))
        .map(|col| {
            let (mut s, mut ss, mut cnt) = ([0.0; 2], [0.0; 2], [0.0; 2]);
            for (v, &c) in col.iter().zip(y) {
                let g = usize::from(c == 1);
                s[g] += v;
                ss[g] += v * v;
                cnt[g] += 1.0;
            }
            if cnt[0] == 0.0 || cnt[1] == 0.0 {
                return f64::NAN;
            }
            let total = s[0] + s[1];
            let ss_total = ss[0] + ss[1] - total * total / n;
            let ss_between = s[0] * s[0] / cnt[0] + s[1] * s[1] / cnt[1] - total * total / n;
            let ss_within = ss_total - ss_between;
            (ss_between / 1.0) / (ss_within / (n - 2.0))
        })
        .collect()
}

/// Keep the `k` columns with the highest F score (all of them when `k` ≥ their number).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectKBest {
    pub k: usize,
    /// F score of every input column (NaN when undefined).
    pub scores: Vec<f64>,
    /// Kept columns, ascending.
    pub selected: Vec<usize>,
}

impl SelectKBest {
    /// Score every column and keep the best `k`. As scikit-learn: NaN scores rank lowest, the
    /// sort is stable and the last `k` are kept, so among equal scores the later column wins.
    pub fn fit(x: &Array2<f64>, y: &[u8], k: usize) -> Self {
        let scores = f_classif(x, y);
        let key = |i: usize| {
            if scores[i].is_nan() {
                f64::MIN
            } else {
                scores[i]
            }
        };
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|a, b| key(*a).total_cmp(&key(*b)));
        let k = k.min(order.len());
        let mut selected = order[order.len() - k..].to_vec();
        selected.sort_unstable();
        Self {
            k,
            scores,
            selected,
        }
    }

    /// The kept columns of `x`.
    pub fn transform(&self, x: &Array2<f64>) -> Array2<f64> {
        x.select(Axis(1), &self.selected)
    }

    /// The kept columns of `x`, taking it: `x` itself when every column is kept (no copy).
    pub fn apply(&self, x: Array2<f64>) -> Array2<f64> {
        if self.selected.len() == x.ncols() {
            x
        } else {
            self.transform(&x)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn f_score_matches_the_anova_definition() {
        // class 0: 1, 2, 3 (mean 2); class 1: 5, 6, 7 (mean 6); grand mean 4
        // SSB = 3·4 + 3·4 = 24; SSW = 2 + 2 = 4; F = 24 / (4 / 4) = 24
        let x = array![[1.0], [2.0], [3.0], [5.0], [6.0], [7.0]];
        let f = f_classif(&x, &[0, 0, 0, 1, 1, 1]);
        assert!((f[0] - 24.0).abs() < 1e-9, "{f:?}");
    }

    #[test]
    fn constant_columns_score_nan_and_rank_last() {
        let x = array![
            [1.0, 0.0, 1.0],
            [1.0, 1.0, 2.0],
            [1.0, 0.0, 5.0],
            [1.0, 1.0, 4.0]
        ];
        let y = [0, 0, 1, 1];
        let s = SelectKBest::fit(&x, &y, 2);
        assert!(s.scores[0].is_nan());
        assert_eq!(s.selected, vec![1, 2]);
        assert_eq!(s.transform(&x).ncols(), 2);
    }

    #[test]
    fn ties_go_to_the_later_column_as_scikit_learn() {
        // columns 0 and 1 identical, column 2 weaker: k = 1 keeps column 1
        let x = array![
            [0.0, 0.0, 0.0],
            [0.0, 0.0, 1.0],
            [1.0, 1.0, 0.0],
            [1.0, 1.0, 1.0]
        ];
        let s = SelectKBest::fit(&x, &[0, 0, 1, 1], 1);
        assert_eq!(s.selected, vec![1]);
        assert_eq!(
            SelectKBest::fit(&x, &[0, 0, 1, 1], 10).selected,
            vec![0, 1, 2]
        );
    }
}
