//! Logistic regression: linfa-logistic's problem (L2 penalty α = 1/C) and solver (argmin's
//! L-BFGS), written against argmin directly so its matrix-vector products run as such.

use super::{model_err, sigmoid, Classifier};
use crate::error::Result;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

/// Logistic regression: probability = σ(coef · x + intercept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticModel {
    pub coef: Vec<f64>,
    pub intercept: f64,
}

/// The penalised log loss of labels ±1, −Σ log σ(yᵢ zᵢ) + α/2 ‖w‖² (intercept unpenalised),
/// as linfa-logistic defines it.
struct Problem<'a> {
    /// Standard (row-major) layout.
    x: &'a Array2<f64>,
    y: Vec<f64>,
    alpha: f64,
    /// The last parameters and their margins: the line search asks for the cost and the
    /// gradient at the same point, and the product is the expensive part of both.
    last: std::sync::Mutex<Option<(Array1<f64>, std::sync::Arc<Array1<f64>>)>>,
}

impl Problem<'_> {
    /// zᵢ = xᵢ·w + b: one matrix-vector product over contiguous rows. (linfa-logistic reshapes
    /// w into a p × 1 matrix, so every product runs as a matrix-matrix product that repacks
    /// x: profiled, 64 % of the profit stage.)
    fn margins(&self, w: &Array1<f64>) -> std::sync::Arc<Array1<f64>> {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((lw, z)) = last.as_ref() {
            if lw.iter().zip(w).all(|(a, b)| a.to_bits() == b.to_bits()) {
                return z.clone();
            }
        }
        let p = self.x.ncols();
        let z = std::sync::Arc::new(self.x.dot(&w.slice(ndarray::s![..p])) + w[p]);
        *last = Some((w.clone(), z.clone()));
        z
    }
}

/// log σ(t), stable for large |t|.
fn log_logistic(t: f64) -> f64 {
    if t > 0.0 {
        -(-t).exp().ln_1p()
    } else {
        t - t.exp().ln_1p()
    }
}

impl argmin::core::CostFunction for Problem<'_> {
    type Param = Array1<f64>;
    type Output = f64;
    fn cost(&self, w: &Array1<f64>) -> std::result::Result<f64, argmin::core::Error> {
        let p = self.x.ncols();
        let z = self.margins(w);
        let loss: f64 = z
            .iter()
            .zip(&self.y)
            .map(|(z, y)| -log_logistic(y * z))
            .sum();
        let wp = w.slice(ndarray::s![..p]);
        Ok(loss + 0.5 * self.alpha * wp.dot(&wp))
    }
}

impl argmin::core::Gradient for Problem<'_> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;
    fn gradient(&self, w: &Array1<f64>) -> std::result::Result<Array1<f64>, argmin::core::Error> {
        let p = self.x.ncols();
        let z = self.margins(w);
        // rᵢ = (σ(yᵢ zᵢ) − 1) yᵢ; ∇w = Xᵀr + αw, ∇b = Σ r
        let r: Vec<f64> = z
            .iter()
            .zip(&self.y)
            .map(|(z, y)| (sigmoid(y * z) - 1.0) * y)
            .collect();
        // Xᵀr as a sum of scaled rows, over the contiguous data (vectorised)
        let mut g = vec![0.0; p];
        let xs = self
            .x
            .as_slice()
            .ok_or_else(|| argmin::core::Error::msg("features not in standard layout"))?;
        for (row, ri) in xs.chunks_exact(p.max(1)).zip(&r) {
            for (gj, xj) in g.iter_mut().zip(row) {
                *gj += ri * xj;
            }
        }
        let mut grad = Array1::<f64>::zeros(p + 1);
        for j in 0..p {
            grad[j] = g[j] + self.alpha * w[j];
        }
        grad[p] = r.iter().sum();
        Ok(grad)
    }
}

impl LogisticModel {
    /// Fit with penalty 1/C (`c: None`: no penalty) and at most `max_iter` iterations of
    /// L-BFGS (memory 10, Moré-Thuente line search, gradient tolerance 1e-4, from zeros):
    /// linfa-logistic's problem and solver, called directly on argmin with faster products.
    pub(super) fn fit(x: &Array2<f64>, y: &[u8], c: Option<f64>, max_iter: u64) -> Result<Self> {
        use argmin::core::Executor;
        use argmin::solver::linesearch::MoreThuenteLineSearch;
        use argmin::solver::quasinewton::LBFGS;
        let err = |e: argmin::core::Error| model_err("LogisticRegression", e);
        if x.iter().any(|v| !v.is_finite()) {
            return Err(model_err("LogisticRegression", "non-finite feature values"));
        }
        let p = x.ncols();
        let x = x.as_standard_layout().into_owned();
        let problem = Problem {
            x: &x,
            y: y.iter().map(|c| if *c == 1 { 1.0 } else { -1.0 }).collect(),
            alpha: c.map_or(0.0, |c| 1.0 / c),
            last: std::sync::Mutex::new(None),
        };
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
            .with_tolerance_grad(1e-4)
            .map_err(err)?;
        let result = Executor::new(problem, solver)
            .configure(|state| state.param(Array1::zeros(p + 1)).max_iters(max_iter))
            .run()
            .map_err(err)?;
        let w = result
            .state
            .best_param
            .unwrap_or_else(|| Array1::zeros(p + 1));
        Ok(Self {
            coef: w.iter().take(p).copied().collect(),
            intercept: w[p],
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
        let coef = Array1::from(self.coef.clone());
        Ok(x.rows()
            .into_iter()
            .map(|r| sigmoid(r.dot(&coef) + self.intercept))
            .collect())
    }
}
