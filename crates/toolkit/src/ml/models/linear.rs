//! Logistic regression, fitted by linfa-logistic (L-BFGS, L2 penalty α = 1/C).

use super::{model_err, sigmoid, Classifier};
use crate::error::Result;
use linfa::prelude::*;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

/// Logistic regression: probability = σ(coef · x + intercept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticModel {
    pub coef: Vec<f64>,
    pub intercept: f64,
}

impl LogisticModel {
    /// Fit with penalty 1/C (`c: None`: no penalty) and at most `max_iter` L-BFGS iterations.
    pub(super) fn fit(x: &Array2<f64>, y: &[u8], c: Option<f64>, max_iter: u64) -> Result<Self> {
        let ds = Dataset::new(x.clone(), Array1::from_iter(y.iter().map(|c| *c == 1)));
        let m = linfa_logistic::LogisticRegression::default()
            .alpha(c.map_or(0.0, |c| 1.0 / c))
            .max_iterations(max_iter)
            .fit(&ds)
            .map_err(|e| model_err("LogisticRegression", e))?;
        // linfa orients the linear function towards its `pos` label
        let sign = if m.labels().pos.class { 1.0 } else { -1.0 };
        Ok(Self {
            coef: m.params().iter().map(|w| sign * w).collect(),
            intercept: sign * m.intercept(),
        })
    }
}

impl Classifier for LogisticModel {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        if x.ncols() != self.coef.len() {
            return Err(model_err(
                "LogisticRegression",
                format!("{} features, fitted on {}", x.ncols(), self.coef.len()),
            ));
        }
        Ok(x.rows()
            .into_iter()
            .map(|r| sigmoid(r.dot(&Array1::from(self.coef.clone())) + self.intercept))
            .collect())
    }
}
