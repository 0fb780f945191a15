//! Logistic regression: linfa-logistic's problem (the log loss summed over the rows plus an L2
//! penalty α/2 ‖w‖², α = 1/C, intercept unpenalised), solved with argmin. Penalised fits use
//! argmin's Newton-CG (Newton steps from conjugate gradients on the exact Hessian, Moré-Thuente
//! line search): the problem is strictly convex, Newton reaches its one optimum in a handful of
//! iterations at any number of rows, and the Hessian is only (p + 1)² for p features. (linfa's
//! L-BFGS needs ~250 iterations on the case file and 700 to the cap at 100,000 rows: one-hot
//! columns are collinear with the intercept, so only the penalty, fixed while the loss grows
//! with the rows, holds one direction, and the problem's condition number grows with n.)
//! Unpenalised fits (`c: None`) have no unique optimum; they keep linfa-logistic's solver
//! (L-BFGS, memory 10, gradient tolerance 1e-4, from zeros), whose path decides where they stop.
//! Every sum over rows runs over fixed blocks of rows (`kernels`): parallel, the same at any
//! thread count.

use super::{model_err, sigmoid, Classifier};
use crate::error::Result;
use crate::ml::kernels::{dot, per_block};
use ndarray::{s, Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};

/// Logistic regression: probability = σ(coef · x + intercept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticModel {
    pub coef: Vec<f64>,
    pub intercept: f64,
}

/// The penalised log loss of labels ±1, −Σ log σ(yᵢ zᵢ) + α/2 ‖w‖² (intercept unpenalised),
/// as linfa-logistic defines it. Parameters: the p weights, then the intercept.
struct Problem<'a> {
    /// Standard (row-major) layout.
    x: ArrayView2<'a, f64>,
    y: Vec<f64>,
    alpha: f64,
    /// The last parameters and their margins: the line search asks for the cost and the
    /// gradient at the same point, and the product is the expensive part of both.
    last: Mutex<Option<(Array1<f64>, Arc<Vec<f64>>)>>,
}

impl Problem<'_> {
    fn rows(&self) -> std::result::Result<&[f64], argmin::core::Error> {
        self.x
            .to_slice()
            .ok_or_else(|| argmin::core::Error::msg("features not in standard layout"))
    }

    /// zᵢ = xᵢ·w + b for every row.
    fn margins(&self, w: &Array1<f64>) -> std::result::Result<Arc<Vec<f64>>, argmin::core::Error> {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((lw, z)) = last.as_ref() {
            if lw.iter().zip(w).all(|(a, b)| a.to_bits() == b.to_bits()) {
                return Ok(z.clone());
            }
        }
        let (xs, p) = (self.rows()?, self.x.ncols());
        let (wp, b) = (&w.as_slice().unwrap_or(&[])[..p], w[p]);
        let z: Vec<f64> = per_block(self.y.len(), |r| {
            r.map(|i| dot(&xs[i * p..(i + 1) * p], wp) + b)
                .collect::<Vec<_>>()
        })
        .concat();
        let z = Arc::new(z);
        *last = Some((w.clone(), z.clone()));
        Ok(z)
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
        let z = self.margins(w)?;
        let loss: f64 = per_block(z.len(), |r| {
            r.map(|i| -log_logistic(self.y[i] * z[i])).sum::<f64>()
        })
        .iter()
        .sum();
        let wp = w.slice(s![..p]);
        Ok(loss + 0.5 * self.alpha * wp.dot(&wp))
    }
}

impl argmin::core::Gradient for Problem<'_> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;
    fn gradient(&self, w: &Array1<f64>) -> std::result::Result<Array1<f64>, argmin::core::Error> {
        let (xs, p) = (self.rows()?, self.x.ncols());
        let z = self.margins(w)?;
        // rᵢ = (σ(yᵢ zᵢ) − 1) yᵢ; ∇w = Xᵀr + αw, ∇b = Σ r: each block's Xᵀr and Σ r
        // (the last entry), as a sum of scaled rows over contiguous data, added in block order
        let parts = per_block(z.len(), |r| {
            let mut g = vec![0.0; p + 1];
            for i in r {
                let ri = (sigmoid(self.y[i] * z[i]) - 1.0) * self.y[i];
                for (gj, xj) in g.iter_mut().zip(&xs[i * p..(i + 1) * p]) {
                    *gj += ri * xj;
                }
                g[p] += ri;
            }
            g
        });
        let mut grad = Array1::<f64>::zeros(p + 1);
        for part in parts {
            grad += &Array1::from(part);
        }
        for j in 0..p {
            grad[j] += self.alpha * w[j];
        }
        Ok(grad)
    }
}

impl Problem<'_> {
    /// The Hessian, Σ dᵢ x̃ᵢ x̃ᵢᵀ + αI (x̃ = x with a 1 for the intercept, dᵢ = σ(zᵢ)(1 − σ(zᵢ)), no penalty
    /// on the intercept): each block as one matrix product (a gemm) of its rows scaled by √dᵢ.
    fn hessian(&self, w: &Array1<f64>) -> std::result::Result<Array2<f64>, argmin::core::Error> {
        let (xs, p) = (self.rows()?, self.x.ncols());
        let z = self.margins(w)?;
        let parts = per_block(z.len(), |r| {
            let mut scaled = Array2::<f64>::zeros((r.len(), p + 1));
            for (mut row, i) in scaled.rows_mut().into_iter().zip(r) {
                let s = sigmoid(z[i]);
                let root = (s * (1.0 - s)).sqrt();
                for (v, xj) in row.iter_mut().zip(&xs[i * p..(i + 1) * p]) {
                    *v = root * xj;
                }
                row[p] = root;
            }
            scaled.t().dot(&scaled)
        });
        let mut h = Array2::<f64>::zeros((p + 1, p + 1));
        for part in parts {
            h += &part;
        }
        for j in 0..p {
            h[[j, j]] += self.alpha;
        }
        Ok(h)
    }
}

impl LogisticModel {
    /// Fit with penalty 1/C (`c: None`: no penalty) and at most `max_iter` iterations, from
    /// zeros: Newton's method when penalised, L-BFGS with linfa's settings when not.
    pub(super) fn fit(x: &Array2<f64>, y: &[u8], c: Option<f64>, max_iter: u64) -> Result<Self> {
        use argmin::core::Executor;
        use argmin::solver::linesearch::MoreThuenteLineSearch;
        use argmin::solver::quasinewton::LBFGS;
        let err = |e: argmin::core::Error| model_err("LogisticRegression", e);
        if x.iter().any(|v| !v.is_finite()) {
            return Err(model_err("LogisticRegression", "non-finite feature values"));
        }
        let p = x.ncols();
        // a view when the rows are contiguous already (no copy of the data)
        let x = x.as_standard_layout();
        let problem = Problem {
            x: x.view(),
            y: y.iter().map(|c| if *c == 1 { 1.0 } else { -1.0 }).collect(),
            alpha: c.map_or(0.0, |c| 1.0 / c),
            last: Mutex::new(None),
        };
        let start = Array1::zeros(p + 1);
        let w = match c {
            Some(_) => Some(newton(&problem, start, max_iter).map_err(err)?),
            None => {
                let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
                    .with_tolerance_grad(1e-4)
                    .map_err(err)?;
                Executor::new(problem, solver)
                    .configure(|state| state.param(start).max_iters(max_iter))
                    .run()
                    .map_err(err)?
                    .state
                    .best_param
            }
        }
        .unwrap_or_else(|| Array1::zeros(p + 1));
        Ok(Self {
            coef: w.iter().take(p).copied().collect(),
            intercept: w[p],
        })
    }
}

/// Newton stops when the decrease its next step promises (half the Newton decrement λ² =
/// −∇·d) is at most this per row: the loss is a sum over rows, so the rule is the same at any
/// number of rows, and λ² does not depend on the features' scales (a gradient tolerance does,
/// and rounding kept one of the original's unscaled pipelines above it for 1,000 iterations).
const DECREASE_TOL: f64 = 1e-12;

/// Newton's method with backtracking (Armijo) line search, from `w`: each step solves H d = −∇
/// by Cholesky on the (p + 1)² Hessian. Written here (the loop; the solve is linfa-linalg's)
/// because argmin's Newton needs a LAPACK backend and its Newton-CG crept along at ~1e-5 per
/// iteration to the cap on this problem (measured on the case file), and no other crate here
/// fits a penalised logistic regression by Newton.
fn newton(
    problem: &Problem,
    mut w: Array1<f64>,
    max_iter: u64,
) -> std::result::Result<Array1<f64>, argmin::core::Error> {
    use argmin::core::{CostFunction, Gradient};
    let tol = DECREASE_TOL * problem.y.len().max(1) as f64;
    let mut cost = problem.cost(&w)?;
    for _ in 0..max_iter {
        let g = problem.gradient(&w)?;
        let d = cholesky_solve(problem.hessian(&w)?, -&g)
            .ok_or_else(|| argmin::core::Error::msg("Hessian not positive definite"))?;
        let slope = g.dot(&d);
        if -slope / 2.0 <= tol {
            // in Newton's quadratic tail: the full step squares what is left of the gradient
            let trial = &w + &d;
            if problem.cost(&trial)? <= cost {
                w = trial;
            }
            break;
        }
        let mut t = 1.0;
        let next = loop {
            let trial = &w + &(t * &d);
            let c = problem.cost(&trial)?;
            if c <= cost + 1e-4 * t * slope {
                break Some((trial, c));
            }
            t *= 0.5;
            if t < 1e-10 {
                break None;
            }
        };
        // no decrease along the Newton direction: at the optimum to rounding
        let Some((trial, c)) = next else { break };
        w = trial;
        cost = c;
    }
    Ok(w)
}

/// Solve H x = b for a symmetric positive definite H (linfa-linalg's Cholesky); `None` when H
/// is not positive definite.
fn cholesky_solve(mut h: Array2<f64>, b: Array1<f64>) -> Option<Array1<f64>> {
    use linfa_linalg::cholesky::SolveCInplace;
    let n = b.len();
    let b = b.into_shape_with_order((n, 1)).ok()?;
    let x = h.solvec_into(b).ok()?;
    let x = x.into_shape_with_order(n).ok()?;
    x.iter().all(|v| v.is_finite()).then_some(x)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ml::kernels::{on_threads, ROW_BLOCK};
    use rand_xoshiro::rand_core::{RngCore, SeedableRng};
    use rand_xoshiro::Xoshiro256Plus;

    /// `n` seeded rows shaped like the study's features: two standardised numbers and a one-hot
    /// pair (collinear with the intercept), labels drawn from a logistic model; row 0 is class 1.
    fn data(n: usize) -> (Array2<f64>, Vec<u8>) {
        let mut rng = Xoshiro256Plus::seed_from_u64(11);
        let mut u = move || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let mut x = Array2::zeros((n, 4));
        let mut y = vec![0u8; n];
        for i in 0..n {
            let (a, b, hot) = (u() * 2.0 - 1.0, u() * 2.0 - 1.0, u() < 0.3);
            x[[i, 0]] = a;
            x[[i, 1]] = b;
            x[[i, 2]] = f64::from(u8::from(hot));
            x[[i, 3]] = f64::from(u8::from(!hot));
            let z = 2.0 * a - b + if hot { 1.0 } else { -1.5 };
            y[i] = u8::from(i == 0 || u() < sigmoid(z));
        }
        (x, y)
    }

    /// The gradient of −Σ log σ(±zᵢ) + α/2 ‖w‖², written out row by row.
    fn direct_gradient(x: &Array2<f64>, y: &[u8], m: &LogisticModel, alpha: f64) -> Vec<f64> {
        let p = m.coef.len();
        let mut g: Vec<f64> = m.coef.iter().map(|w| alpha * w).chain([0.0]).collect();
        for (row, yi) in x.rows().into_iter().zip(y) {
            let z = row.dot(&Array1::from(m.coef.clone())) + m.intercept;
            let r = sigmoid(z) - f64::from(*yi);
            for j in 0..p {
                g[j] += r * row[j];
            }
            g[p] += r;
        }
        g
    }

    #[test]
    fn the_penalised_fit_stops_at_its_optimum() {
        for n in [300, 3 * ROW_BLOCK + 17] {
            let (x, y) = data(n);
            let m = LogisticModel::fit(&x, &y, Some(0.5), 100).unwrap();
            let g = direct_gradient(&x, &y, &m, 2.0);
            let worst = g.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
            // at the optimum: ∇ = 0 up to rounding (L-BFGS's 1e-4 would leave 3e-7 per row at 300)
            assert!(worst <= 1e-9 * n as f64, "n = {n}: |∇| = {worst:e}");
            // the data's own signs: x0 up, x1 down, the hot category up
            assert!(
                m.coef[0] > 1.0 && m.coef[1] < -0.5 && m.coef[2] > m.coef[3],
                "{m:?}"
            );
        }
    }

    #[test]
    fn newton_agrees_with_linfa_logistic() {
        use linfa::prelude::*;
        let (x, y) = data(500);
        let m = LogisticModel::fit(&x, &y, Some(1.0), 100).unwrap();
        let labels = Array1::from(y.iter().map(|v| *v == 1).collect::<Vec<_>>());
        let linfa = linfa_logistic::LogisticRegression::default()
            .alpha(1.0)
            .gradient_tolerance(1e-8)
            .max_iterations(10_000)
            .fit(&linfa::Dataset::new(x.clone(), labels))
            .unwrap();
        // linfa-logistic's parameters are for the label it calls positive, here `false`
        for (a, b) in m.coef.iter().zip(linfa.params()) {
            assert!((a + b).abs() < 1e-5, "{:?} vs {}", m.coef, linfa.params());
        }
        assert!((m.intercept + linfa.intercept()).abs() < 1e-5);
    }

    #[test]
    fn the_fit_is_the_same_at_any_thread_count() {
        let (x, y) = data(3 * ROW_BLOCK + 17);
        let fit = || LogisticModel::fit(&x, &y, Some(1.0), 100).unwrap();
        let one = on_threads(1, fit);
        for threads in [2, 3] {
            let other = on_threads(threads, fit);
            assert_eq!(one.coef, other.coef, "{threads} threads");
            assert_eq!(one.intercept.to_bits(), other.intercept.to_bits());
        }
    }

    #[test]
    fn cholesky_solves_a_positive_definite_system_and_refuses_others() {
        let h = ndarray::array![[4.0, 2.0, 0.4], [2.0, 5.0, 1.0], [0.4, 1.0, 3.0]];
        let x = ndarray::array![1.0, -2.0, 0.5];
        let b = h.dot(&x);
        let solved = cholesky_solve(h, b).unwrap();
        for (s, e) in solved.iter().zip(&x) {
            assert!((s - e).abs() < 1e-12, "{solved} vs {x}");
        }
        assert!(cholesky_solve(
            ndarray::array![[1.0, 2.0], [2.0, 1.0]],
            ndarray::array![1.0, 1.0]
        )
        .is_none());
    }
}
