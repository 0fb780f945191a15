//! scikit-learn's `MLPClassifier` for two classes: ReLU hidden layers, a logistic output unit,
//! log loss with an L2 penalty, Adam on shuffled minibatches, stopping when the training loss has
//! not improved by `tol` for more than `n_iter_no_change` epochs. Written by hand: no crate in
//! the pinned graph has a multilayer perceptron (linfa has none; smartcore has none), and one
//! hidden layer needs only two matrix products each way (ndarray's). Its random steps draw from
//! NumPy's `RandomState` exactly as scikit-learn draws them (Glorot-uniform weights, then one
//! shuffle of the rows per epoch), so `random_state=42` starts from scikit-learn's weights and
//! visits the rows in its order; the products sum in another order than NumPy's BLAS, so the
//! fitted weights agree to rounding, not bit for bit (on the original's folds every
//! probability within 4e-16 of scikit-learn's).

use super::Classifier;
use crate::error::Result;
use crate::ml::numpy_rng::RandomState;
use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// Hyper-parameters (scikit-learn's defaults by [`Default`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlpParams {
    /// Units of each hidden layer.
    pub hidden: Vec<usize>,
    /// L2 penalty.
    pub alpha: f64,
    pub learning_rate: f64,
    /// Epochs at most.
    pub max_iter: usize,
    /// Rows per minibatch (at most the training rows).
    pub batch_size: usize,
    pub tol: f64,
    pub n_iter_no_change: usize,
}

impl Default for MlpParams {
    fn default() -> Self {
        Self {
            hidden: vec![100],
            alpha: 1e-4,
            learning_rate: 1e-3,
            max_iter: 200,
            batch_size: 200,
            tol: 1e-4,
            n_iter_no_change: 10,
        }
    }
}

const BETA_1: f64 = 0.9;
const BETA_2: f64 = 0.999;
const EPSILON: f64 = 1e-8;

/// One fully connected layer: `fan_in × fan_out` weights (row-major) and `fan_out` biases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Layer {
    fan_in: usize,
    fan_out: usize,
    weights: Vec<f64>,
    bias: Vec<f64>,
}

/// A fitted perceptron; score = the output unit's probability of class 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlpModel {
    layers: Vec<Layer>,
    /// Epochs run (scikit-learn's `n_iter_`).
    pub epochs: usize,
    /// Mean training loss of each epoch (scikit-learn's `loss_curve_`).
    pub loss_curve: Vec<f64>,
}

#[inline(always)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(a, b)| a * b).sum()
}

#[inline(always)]
fn expit(v: f64) -> f64 {
    1.0 / (1.0 + (-v).exp())
}

/// Activations of every layer for `m` rows (`input`: m × fan_in of the first layer, row-major),
/// the input first: ReLU on the hidden layers, the logistic function on the output unit. The
/// products are written out (rows of the weights are contiguous) and skip zero inputs, which
/// ReLU and one-hot columns make common: for these shapes (one output unit, a batch of 200)
/// matrixmultiply spent most of its time packing operands.
#[inline(always)]
fn forward(layers: &[Layer], input: Vec<f64>, m: usize) -> Vec<Vec<f64>> {
    let mut acts = vec![input];
    for (l, layer) in layers.iter().enumerate() {
        let (fi, fo) = (layer.fan_in, layer.fan_out);
        let inp = &acts[l];
        let mut out = vec![0.0; m * fo];
        if fo == 1 {
            // one unit (the output): a dot product per row
            for (o, row) in out.iter_mut().zip(inp.chunks_exact(fi)) {
                *o = layer.bias[0] + dot(row, &layer.weights);
            }
        } else {
            for (i, o) in out.chunks_exact_mut(fo).enumerate() {
                o.copy_from_slice(&layer.bias);
                for (j, &a) in inp[i * fi..(i + 1) * fi].iter().enumerate() {
                    if a != 0.0 {
                        for (o, w) in o.iter_mut().zip(&layer.weights[j * fo..(j + 1) * fo]) {
                            *o += a * w;
                        }
                    }
                }
            }
        }
        if l + 1 < layers.len() {
            // ReLU as a select (f64::max's NaN rule kept it from vectorising); no NaN reaches it
            out.iter_mut()
                .for_each(|v| *v = if *v > 0.0 { *v } else { 0.0 });
        } else {
            out.iter_mut().for_each(|v| *v = expit(*v));
        }
        acts.push(out);
    }
    acts
}

/// scikit-learn's `binary_log_loss`: mean log loss, probabilities clipped to [ε, 1 − ε].
#[inline(always)]
fn log_loss(y: &[f64], p: &[f64]) -> f64 {
    let eps = f64::EPSILON;
    let sum: f64 = y
        .iter()
        .zip(p)
        .map(|(&t, &q)| {
            let q = q.clamp(eps, 1.0 - eps);
            t * q.ln() + (1.0 - t) * (1.0 - q).ln()
        })
        .sum();
    -sum / y.len() as f64
}

/// Gradients of one layer: weights (fan_in × fan_out) and biases.
struct Gradient {
    weights: Vec<f64>,
    bias: Vec<f64>,
}

/// The penalised loss of a batch and its gradients (scikit-learn's `_backprop`): log loss plus
/// α/2·Σw²/m; the output delta is p − y (log loss with a logistic unit), carried back through
/// the weights and ReLU's derivative; gradients (aᵀδ + αW)/m and Σδ/m.
#[inline(always)]
fn backprop(layers: &[Layer], input: Vec<f64>, y: &[f64], alpha: f64) -> (f64, Vec<Gradient>) {
    let m = y.len();
    let acts = forward(layers, input, m);
    let out = acts.last().expect("an output layer");
    let squares: f64 = layers
        .iter()
        .map(|l| l.weights.iter().map(|v| v * v).sum::<f64>())
        .sum();
    let mf = m as f64;
    let loss = log_loss(y, out) + 0.5 * alpha * squares / mf;
    let mut delta: Vec<f64> = out.iter().zip(y).map(|(p, t)| p - t).collect();
    let mut grads: Vec<Gradient> = Vec::with_capacity(layers.len());
    for (l, layer) in layers.iter().enumerate().rev() {
        let (fi, fo) = (layer.fan_in, layer.fan_out);
        let inp = &acts[l];
        let mut gw: Vec<f64> = layer.weights.iter().map(|w| alpha * w).collect();
        let mut gb = vec![0.0; fo];
        for i in 0..m {
            let d = &delta[i * fo..(i + 1) * fo];
            for (g, v) in gb.iter_mut().zip(d) {
                *g += v;
            }
            let row = &inp[i * fi..(i + 1) * fi];
            if fo == 1 {
                let d0 = d[0];
                for (g, a) in gw.iter_mut().zip(row) {
                    *g += a * d0;
                }
                continue;
            }
            for (j, &a) in row.iter().enumerate() {
                if a != 0.0 {
                    for (g, v) in gw[j * fo..(j + 1) * fo].iter_mut().zip(d) {
                        *g += a * v;
                    }
                }
            }
        }
        gw.iter_mut().for_each(|g| *g /= mf);
        gb.iter_mut().for_each(|g| *g /= mf);
        if l > 0 {
            // δ·Wᵀ, zero where the layer's ReLU was off
            let mut prev = vec![0.0; m * fi];
            for i in 0..m {
                let d = &delta[i * fo..(i + 1) * fo];
                let (row, back) = (&inp[i * fi..(i + 1) * fi], &mut prev[i * fi..(i + 1) * fi]);
                if fo == 1 {
                    let d0 = d[0];
                    for ((b, w), a) in back.iter_mut().zip(&layer.weights).zip(row) {
                        *b = if *a != 0.0 { d0 * w } else { 0.0 };
                    }
                    continue;
                }
                for (j, (b, a)) in back.iter_mut().zip(row).enumerate() {
                    if *a != 0.0 {
                        *b = dot(d, &layer.weights[j * fo..(j + 1) * fo]);
                    }
                }
            }
            delta = prev;
        }
        grads.push(Gradient {
            weights: gw,
            bias: gb,
        });
    }
    grads.reverse();
    (loss, grads)
}

impl MlpModel {
    /// Fit on rows of `x` with labels `y` (0/1), drawing from `RandomState(seed)`. On a CPU with
    /// AVX2 the same code is compiled for it (four doubles a vector instead of two): the same
    /// operations in the same order, no fused multiply-add, so the same weights to the bit.
    pub fn fit(x: &Array2<f64>, y: &[u8], params: &MlpParams, seed: u32) -> Self {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { Self::fit_avx2(x, y, params, seed) };
        }
        Self::fit_any(x, y, params, seed)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn fit_avx2(x: &Array2<f64>, y: &[u8], params: &MlpParams, seed: u32) -> Self {
        Self::fit_any(x, y, params, seed)
    }

    #[inline(always)]
    fn fit_any(x: &Array2<f64>, y: &[u8], params: &MlpParams, seed: u32) -> Self {
        let (n, p) = x.dim();
        let mut rs = RandomState::new(seed);
        let mut units = vec![p];
        units.extend(&params.hidden);
        units.push(1);
        // Glorot-uniform weights, then biases, layer by layer (`_init_coef`)
        let mut layers: Vec<Layer> = units
            .windows(2)
            .map(|pair| {
                let (fan_in, fan_out) = (pair[0], pair[1]);
                let bound = (6.0 / (fan_in + fan_out) as f64).sqrt();
                let range = bound - -bound;
                let mut draw = |k: usize| -> Vec<f64> {
                    (0..k)
                        .map(|_| -bound + range * rs.random_sample())
                        .collect()
                };
                let weights = draw(fan_in * fan_out);
                Layer {
                    fan_in,
                    fan_out,
                    weights,
                    bias: draw(fan_out),
                }
            })
            .collect();
        let yf: Vec<f64> = y.iter().map(|c| f64::from(*c)).collect();
        let batch = params.batch_size.clamp(1, n.max(1));
        // Adam's first and second moments of every weight and bias
        let mut moments: Vec<[Vec<f64>; 4]> = layers
            .iter()
            .map(|l| {
                let (w, b) = (vec![0.0; l.weights.len()], vec![0.0; l.bias.len()]);
                [w.clone(), w, b.clone(), b]
            })
            .collect();
        let mut t = 0i32;
        let mut order: Vec<usize> = (0..n).collect();
        let (mut best_loss, mut no_improvement) = (f64::INFINITY, 0);
        let mut loss_curve = Vec::new();
        for _ in 0..params.max_iter {
            // sklearn.utils.shuffle: the index array re-indexed by a fresh permutation
            let perm = rs.permutation(n);
            order = perm.iter().map(|&k| order[k]).collect();
            let mut accumulated = 0.0;
            for rows in order.chunks(batch) {
                let mut input = Vec::with_capacity(rows.len() * p);
                for &r in rows {
                    input.extend(x.row(r).iter());
                }
                let yb: Vec<f64> = rows.iter().map(|&r| yf[r]).collect();
                let (loss, grads) = backprop(&layers, input, &yb, params.alpha);
                accumulated += loss * rows.len() as f64;
                // Adam (scikit-learn's AdamOptimizer, in its order of operations)
                t += 1;
                let lr = params.learning_rate * (1.0 - BETA_2.powf(f64::from(t))).sqrt()
                    / (1.0 - BETA_1.powf(f64::from(t)));
                let step = |param: &mut [f64], g: &[f64], m1: &mut [f64], m2: &mut [f64]| {
                    for (((p, g), m1), m2) in param.iter_mut().zip(g).zip(m1).zip(m2) {
                        *m1 = BETA_1 * *m1 + (1.0 - BETA_1) * g;
                        *m2 = BETA_2 * *m2 + (1.0 - BETA_2) * (g * g);
                        *p += -lr * *m1 / (m2.sqrt() + EPSILON);
                    }
                };
                for ((layer, g), [mw, vw, mb, vb]) in
                    layers.iter_mut().zip(&grads).zip(&mut moments)
                {
                    step(&mut layer.weights, &g.weights, mw, vw);
                    step(&mut layer.bias, &g.bias, mb, vb);
                }
            }
            let epoch_loss = accumulated / n as f64;
            loss_curve.push(epoch_loss);
            if epoch_loss > best_loss - params.tol {
                no_improvement += 1;
            } else {
                no_improvement = 0;
            }
            best_loss = best_loss.min(epoch_loss);
            if no_improvement > params.n_iter_no_change {
                break;
            }
        }
        Self {
            layers,
            epochs: loss_curve.len(),
            loss_curve,
        }
    }

    /// Probability of class 1 for every row of `x`.
    pub fn probabilities(&self, x: &Array2<f64>) -> Vec<f64> {
        let input: Vec<f64> = x.rows().into_iter().flat_map(|r| r.to_vec()).collect();
        forward(&self.layers, input, x.nrows())
            .pop()
            .expect("an output layer")
    }
}

impl Classifier for MlpModel {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        Ok(self.probabilities(x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_weights_are_numpys_glorot_uniform_draws() {
        // np.random.RandomState(42).uniform(-b, b, (2, 3)) with b = sqrt(6 / (2 + 3)): the
        // first weight is -b + 2b · 0.3745401188473625; a model with zero epochs keeps them
        let x = Array2::from_shape_vec((2, 2), vec![0.0, 1.0, 1.0, 0.0]).unwrap();
        let params = MlpParams {
            hidden: vec![3],
            max_iter: 0,
            ..MlpParams::default()
        };
        let m = MlpModel::fit(&x, &[0, 1], &params, 42);
        let b = (6.0f64 / 5.0).sqrt();
        assert_eq!(m.layers[0].weights[0], -b + 2.0 * b * 0.3745401188473625);
        assert_eq!(m.epochs, 0);
        assert_eq!((m.layers[1].fan_in, m.layers[1].fan_out), (3, 1));
    }

    #[test]
    fn gradients_match_finite_differences_of_the_loss() {
        // backprop's gradients against central differences of its own penalised loss, for every
        // weight and bias of a 2-4-3-1 net
        let x = Array2::from_shape_fn((6, 2), |(i, j)| ((i * 3 + j * 5) % 7) as f64 / 7.0 - 0.4);
        let y = [0.0, 1.0, 0.0, 1.0, 1.0, 0.0];
        let params = MlpParams {
            hidden: vec![4, 3],
            max_iter: 0,
            alpha: 0.1,
            ..MlpParams::default()
        };
        let m = MlpModel::fit(&x, &[0, 1, 0, 1, 1, 0], &params, 3);
        let input: Vec<f64> = x.iter().copied().collect();
        let loss = |layers: &[Layer]| backprop(layers, input.clone(), &y, params.alpha).0;
        let (_, grads) = backprop(&m.layers, input.clone(), &y, params.alpha);
        let h = 1e-6;
        for (l, g) in grads.iter().enumerate() {
            for (k, analytic) in g.weights.iter().chain(&g.bias).enumerate() {
                let nudge = |d: f64| {
                    let mut layers = m.layers.clone();
                    let nw = layers[l].weights.len();
                    if k < nw {
                        layers[l].weights[k] += d;
                    } else {
                        layers[l].bias[k - nw] += d;
                    }
                    loss(&layers)
                };
                let numeric = (nudge(h) - nudge(-h)) / (2.0 * h);
                assert!(
                    (numeric - analytic).abs() < 1e-7,
                    "layer {l} parameter {k}: {numeric} vs {analytic}"
                );
            }
        }
    }

    #[test]
    fn the_avx2_build_fits_the_same_weights_to_the_bit() {
        // fit dispatches to the AVX2 build of the same code where the CPU has it; both must agree
        let x = Array2::from_shape_fn((150, 4), |(i, j)| {
            ((i * 7 + j * 13) % 17) as f64 / 17.0 - 0.3
        });
        let y: Vec<u8> = (0..150).map(|i| u8::from((i * 7) % 17 > 8)).collect();
        let params = MlpParams {
            max_iter: 20,
            batch_size: 64,
            ..MlpParams::default()
        };
        assert_eq!(
            MlpModel::fit(&x, &y, &params, 5),
            MlpModel::fit_any(&x, &y, &params, 5)
        );
    }

    #[test]
    fn learns_a_separable_problem_and_stops_on_a_flat_loss() {
        let x = Array2::from_shape_fn((200, 2), |(i, j)| {
            if j == 0 {
                i as f64 / 200.0
            } else {
                ((i * 37) % 11) as f64 / 11.0
            }
        });
        let y: Vec<u8> = (0..200).map(|i| u8::from(i >= 100)).collect();
        let m = MlpModel::fit(&x, &y, &MlpParams::default(), 42);
        let p = m.probabilities(&x);
        assert!(p[10] < 0.3 && p[190] > 0.7, "{} {}", p[10], p[190]);
        assert!(m.loss_curve.last().unwrap() < &m.loss_curve[0]);
        // constant features: the loss cannot improve, training stops after 11 flat epochs
        let flat = Array2::from_elem((20, 2), 1.0);
        let y: Vec<u8> = (0..20).map(|i| u8::from(i % 2 == 0)).collect();
        let params = MlpParams {
            learning_rate: 0.0,
            ..MlpParams::default()
        };
        assert_eq!(MlpModel::fit(&flat, &y, &params, 0).epochs, 12);
    }
}
