//! The RBF support-vector classifier (linfa-svm).

use super::{model_err, Classifier};
use crate::error::Result;
use linfa::prelude::*;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

/// RBF support-vector classifier (linfa-svm); score = decision value Σ αᵢ K(xᵢ, x) − ρ.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SvcModel {
    svm: linfa_svm::Svm<f64, bool>,
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
        let ds = Dataset::new(x.clone(), Array1::from_iter(y.iter().map(|c| *c == 1)));
        let svm = linfa_svm::Svm::<f64, bool>::params()
            .pos_neg_weights(c, c)
            .gaussian_kernel(1.0 / gamma)
            .fit(&ds)
            .map_err(|e| model_err("SVC", e))?;
        Ok(Self { svm })
    }
}

impl Classifier for SvcModel {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        Ok(x.rows()
            .into_iter()
            .map(|r| self.svm.weighted_sum(&r) - self.svm.rho)
            .collect())
    }
    fn threshold(&self) -> f64 {
        0.0
    }
}
