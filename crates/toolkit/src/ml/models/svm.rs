//! The RBF support-vector classifier (linfa-svm).

use super::{model_err, Classifier};
use crate::error::Result;
use crate::ml::kernels::squared_distances;
use linfa::prelude::*;
use ndarray::{Array1, Array2, Axis};
use serde::{Deserialize, Serialize};

/// RBF support-vector classifier fitted by linfa-svm; score = decision value
/// Σ αᵢ K(xᵢ, x) − ρ with K(a, b) = exp(−‖a − b‖² / ε), ε = 1 / γ.
///
/// The model keeps linfa's decision function (its support vectors, their weights, ρ and ε) and
/// evaluates it itself: linfa's `weighted_sum` builds two ndarray iterators per support vector
/// and was, with the kernel matrix of the fit, most of the SVC's time. The same operations in
/// the same order, so the same scores to the bit (tested against linfa's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SvcModel {
    /// Features of a row.
    features: usize,
    /// The support vectors, row-major: the training rows whose |α| linfa counts (> 100 ε_f64).
    support: Vec<f64>,
    /// Their signed weights αᵢ, in the same order.
    weights: Vec<f64>,
    rho: f64,
    /// The kernel's width ε = 1 / γ.
    eps: f64,
}

/// The threshold below which linfa-svm drops a weight from the decision function.
fn counts(alpha: f64) -> bool {
    alpha.abs() > 100.0 * f64::EPSILON
}

impl SvcModel {
    /// Fit with penalty `c` and gamma = 1 / (p · Var(X)) (scikit-learn's 'scale').
    pub(super) fn fit(x: &Array2<f64>, y: &[u8], c: f64) -> Result<Self> {
        let n = x.len() as f64;
        let mean = x.sum() / n;
        let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        let gamma = if var > 0.0 {
            1.0 / (x.ncols() as f64 * var)
        } else {
            1.0
        };
        let eps = 1.0 / gamma;
        let ds = Dataset::new(x.clone(), Array1::from_iter(y.iter().map(|c| *c == 1)));
        let svm = linfa_svm::Svm::<f64, bool>::params()
            .pos_neg_weights(c, c)
            .gaussian_kernel(eps)
            .fit(&ds)
            .map_err(|e| model_err("SVC", e))?;
        // linfa's support vectors are the training rows with a counted weight, in row order
        let rows: Vec<usize> = (0..svm.alpha.len())
            .filter(|&i| counts(svm.alpha[i]))
            .collect();
        let support = x.select(Axis(0), &rows);
        Ok(Self {
            features: x.ncols(),
            support: support.iter().copied().collect(),
            weights: rows.iter().map(|&i| svm.alpha[i]).collect(),
            rho: svm.rho,
            eps,
        })
    }

    /// Σ αᵢ exp(−‖sᵢ − x‖² / ε) over the support vectors, summed in their order from −0.0 as
    /// linfa's `weighted_sum` (`Iterator::sum`); each squared distance summed feature by feature
    /// from −0.0, four support vectors side by side (independent sums, so the same bits).
    fn weighted_sum(&self, x: &[f64]) -> f64 {
        let p = self.features;
        let mut total = -0.0;
        let mut svs = self.support.chunks_exact(4 * p.max(1));
        let mut ws = self.weights.chunks_exact(4);
        for (sv, w) in (&mut svs).zip(&mut ws) {
            let four = std::array::from_fn(|l| &sv[l * p..(l + 1) * p]);
            for (d, w) in squared_distances(four, [x; 4]).iter().zip(w) {
                total += (-d / self.eps).exp() * w;
            }
        }
        for (sv, w) in svs.remainder().chunks_exact(p.max(1)).zip(ws.remainder()) {
            let [d] = squared_distances([sv], [x]);
            total += (-d / self.eps).exp() * w;
        }
        total
    }
}

impl Classifier for SvcModel {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        let x = x.as_standard_layout();
        Ok(x.rows()
            .into_iter()
            .map(|r| {
                let r = r.as_slice().expect("a standard-layout row is contiguous");
                self.weighted_sum(r) - self.rho
            })
            .collect())
    }
    fn threshold(&self) -> f64 {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gaussian_kernel_matrix_is_every_entry_of_linfas_definition_to_the_bit() {
        // vendor/linfa-kernel builds the matrix four pairs at a time and each pair once: every
        // entry must still be `KernelMethod::distance` of its two rows (131 rows: groups of
        // four and a remainder, more than two of the blocks the lower triangle is copied in;
        // 1 row; and a column-major copy of the rows)
        use linfa_kernel::{Kernel, KernelMethod};
        let eps = 2.7;
        let method = KernelMethod::Gaussian(eps);
        let x = Array2::from_shape_fn((131, 9), |(i, j)| {
            ((i * 37 + j * 11) % 29) as f64 / 5.0 - 2.0 + 0.01 * (i % 3) as f64
        });
        let f = x.t().as_standard_layout().t().to_owned();
        let one = x.slice(ndarray::s![..1, ..]).to_owned();
        for x in [x, f, one] {
            let k = Kernel::params().method(method.clone()).transform(x.view());
            for j in 0..x.nrows() {
                let column = k.column(j);
                for (i, v) in column.iter().enumerate() {
                    let want = method.distance(x.row(i), x.row(j));
                    assert_eq!(v.to_bits(), want.to_bits(), "({i}, {j})");
                }
            }
        }
    }

    #[test]
    fn scores_are_linfas_decision_values_to_the_bit() {
        // 61 rows (support vectors in groups of four and a remainder), 7 features, overlapping
        // classes so that many rows are support vectors, some at the bound C
        let x = Array2::from_shape_fn((61, 7), |(i, j)| {
            ((i * 31 + j * 17) % 23) as f64 / 7.0 - 1.3 + if j == 0 { 0.0 } else { 0.1 * j as f64 }
        });
        let y: Vec<u8> = (0..61).map(|i| u8::from((i * 13) % 7 > 3)).collect();
        let test =
            Array2::from_shape_fn((19, 7), |(i, j)| ((i * 5 + j * 3) % 11) as f64 / 4.0 - 1.0);
        for c in [0.1, 1.0, 10.0] {
            let model = SvcModel::fit(&x, &y, c).unwrap();
            let ds = Dataset::new(x.clone(), Array1::from_iter(y.iter().map(|c| *c == 1)));
            let svm = linfa_svm::Svm::<f64, bool>::params()
                .pos_neg_weights(c, c)
                .gaussian_kernel(model.eps)
                .fit(&ds)
                .unwrap();
            assert_eq!(model.weights.len(), svm.nsupport());
            assert!(
                model.weights.len() % 4 != 0 && model.weights.len() > 8,
                "{c}"
            );
            let ours = model.scores(&test).unwrap();
            let theirs: Vec<f64> = test
                .rows()
                .into_iter()
                .map(|r| svm.weighted_sum(&r) - svm.rho)
                .collect();
            assert_eq!(
                ours.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                theirs.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                "C = {c}"
            );
            // a column-major copy of the rows scores the same
            let f = test.t().as_standard_layout().t().to_owned();
            assert_eq!(model.scores(&f).unwrap(), ours);
        }
    }
}
