//! scikit-learn's `MLPClassifier` for two classes: ReLU hidden layers, a logistic output unit,
//! log loss with an L2 penalty, Adam on shuffled minibatches, stopping when the training loss has
//! not improved by `tol` for more than `n_iter_no_change` epochs. Written by hand: no crate in
//! the pinned graph has a multilayer perceptron (linfa has none; smartcore has none), and one
//! hidden layer needs only two matrix products each way (written out: see `forward`). Its random
//! steps draw from NumPy's `RandomState` exactly as scikit-learn draws them (Glorot-uniform
//! weights, then one shuffle of the rows per epoch), so `random_state=42` starts from
//! scikit-learn's weights and visits the rows in its order; the products sum in another order
//! than NumPy's BLAS, so the fitted weights agree to rounding, not bit for bit (on the original's
//! folds every probability within 4e-16 of scikit-learn's).

use super::Classifier;
use crate::error::Result;
use crate::ml::kernels::{self, Lanes, Terms, WithLanes};
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

/// ReLU as a select (f64::max's NaN rule kept it from vectorising; written in place, the
/// compiler stored the zeros with a masked store, slow on AMD's cores).
#[inline(always)]
fn relu(v: f64) -> f64 {
    if v > 0.0 {
        v
    } else {
        0.0
    }
}

#[inline(always)]
fn expit(v: f64) -> f64 {
    1.0 / (1.0 + (-v).exp())
}

/// `act` extended by the activations of `out`: ReLU on a hidden layer, the logistic function on
/// the output (the choice made once, outside the loop: a choice per value kept ReLU from
/// vectorising, `train` 2.60 → 2.72 s).
#[inline(always)]
fn activate(act: &mut Vec<f64>, out: &[f64], hidden: bool) {
    if hidden {
        act.extend(out.iter().map(|&v| relu(v)));
    } else {
        act.extend(out.iter().map(|&v| expit(v)));
    }
}

/// `out[k] += Σ_t a_t · src[o_t + k]` over the terms `(o_t, a_t)` in order, for every k: 32 sums
/// at a time with AVX-512 ([`Lanes::wide`]), then sixteen, kept in registers over all the terms
/// (instead of a load and a store of each sum per term), then four at a time, then one by one:
/// every sum the same additions in the same order whichever part holds it.
#[inline(always)]
fn scaled_sums<L: Lanes>(lanes: L, out: &mut [f64], terms: &[(usize, f64)], src: &[f64]) {
    scaled_sums_at(lanes, out, terms, src, 0)
}

/// [`scaled_sums`] of `src` from `base` on: `out[k] += Σ_t a_t · src[o_t + base + k]`.
#[inline(always)]
fn scaled_sums_at<L: Lanes>(
    lanes: L,
    out: &mut [f64],
    terms: &[(usize, f64)],
    src: &[f64],
    base: usize,
) {
    let (quads, tail) = out.as_chunks_mut::<4>();
    let (mut quads, mut at) = (quads, base);
    if lanes.wide() {
        (quads, at) = groups_of::<_, 8>(lanes, quads, terms, src, at);
    }
    let (quads, at) = groups_of::<_, 4>(lanes, quads, terms, src, at);
    let (_, at) = groups_of::<_, 1>(lanes, quads, terms, src, at);
    for (k, acc) in tail.iter_mut().enumerate() {
        for &(o, a) in terms {
            *acc += a * src[o + at + k];
        }
    }
}

/// [`Lanes::axpys`] over each group of `G` quads at the front of `quads`, from `src` at `base`:
/// the quads left over, and where in `src` they start.
#[inline(always)]
fn groups_of<'q, L: Lanes, const G: usize>(
    lanes: L,
    quads: &'q mut [[f64; 4]],
    terms: &[(usize, f64)],
    src: &[f64],
    base: usize,
) -> (&'q mut [[f64; 4]], usize) {
    let (groups, rest) = quads.as_chunks_mut::<G>();
    for (g, acc) in groups.iter_mut().enumerate() {
        let offset = base + 4 * G * g;
        lanes.axpys(acc, Terms { terms, src, offset });
    }
    (rest, base + 4 * G * groups.len())
}

/// `terms[..k]` ← the `(offset, value)` pairs of `values` whose value is nonzero, in order, and
/// k returned, without a branch per value (one-hot inputs are zero or not at random: a branch
/// mispredicted often). `terms` only grows: no zeros written for what is overwritten next.
#[inline(always)]
fn nonzero(
    terms: &mut Vec<(usize, f64)>,
    values: impl ExactSizeIterator<Item = (usize, f64)>,
) -> usize {
    if terms.len() < values.len() {
        terms.resize(values.len(), (0, 0.0));
    }
    let mut k = 0;
    for (o, a) in values {
        terms[k] = (o, a);
        k += usize::from(a != 0.0);
    }
    k
}

/// Activations of every layer for `m` rows (`input`: m × fan_in of the first layer, row-major),
/// the input first: ReLU on the hidden layers, the logistic function on the output unit. Each
/// hidden output is its bias plus its row's nonzero inputs times their weights, added in input
/// order (zero inputs skipped: ReLU and one-hot columns make them common); the output unit's
/// dot products (from −0.0, as `Iterator::sum`) run four rows side by side, each in its own
/// order. (For these shapes, one output unit and a batch of 200, matrixmultiply spent most of
/// its time packing operands.)
#[inline(always)]
fn forward<L: Lanes>(lanes: L, layers: &[Layer], ws: &mut Workspace, m: usize) {
    let Workspace {
        acts,
        pre,
        terms,
        block,
        ..
    } = ws;
    acts.resize_with(layers.len() + 1, Vec::new);
    for (l, layer) in layers.iter().enumerate() {
        let (fi, fo) = (layer.fan_in, layer.fan_out);
        let hidden = l + 1 < layers.len();
        let (earlier, later) = acts.split_at_mut(l + 1);
        let (inp, act) = (&earlier[l], &mut later[0]);
        act.clear();
        if fo > 1 {
            // a row's outputs in one scratch row, which stays in the first-level cache, then
            // their activations straight into `act`, not in a second pass through the whole
            // batch's outputs (160 KB: the MLP grids 0.757 → 0.734-0.745 s)
            if pre.len() < fo {
                pre.resize(fo, 0.0);
            }
            let o = &mut pre[..fo];
            for i in 0..m {
                let row = &inp[i * fi..(i + 1) * fi];
                let k = nonzero(terms, row.iter().enumerate().map(|(j, a)| (j * fo, *a)));
                o.copy_from_slice(&layer.bias);
                scaled_sums(lanes, o, &terms[..k], &layer.weights);
                activate(act, o, hidden);
            }
            continue;
        }
        // one unit (the output): four rows' inputs transposed, so that input j of the four lies
        // side by side, times weight j. Every value of `out` is written below: the buffer is
        // grown, never cleared (the layers' sizes alternate: a buffer resized to each would be
        // zeroed again every batch)
        if pre.len() < m {
            pre.resize(m, 0.0);
        }
        let out = &mut pre[..m];
        terms.clear();
        terms.extend(layer.weights.iter().enumerate().map(|(j, w)| (4 * j, *w)));
        let mut rows = inp.chunks_exact(4 * fi.max(1));
        let mut outs = out.as_chunks_mut::<4>().0.iter_mut();
        for (four, o) in (&mut rows).zip(&mut outs) {
            block.resize(4 * fi, 0.0);
            for (j, b) in block.as_chunks_mut::<4>().0.iter_mut().enumerate() {
                *b = [four[j], four[fi + j], four[2 * fi + j], four[3 * fi + j]];
            }
            let mut acc = [[-0.0f64; 4]];
            let t = Terms {
                terms,
                src: block,
                offset: 0,
            };
            lanes.axpys(&mut acc, t);
            *o = acc[0].map(|s| layer.bias[0] + s);
        }
        let done = 4 * (m / 4);
        for (o, row) in out[done..]
            .iter_mut()
            .zip(rows.remainder().chunks_exact(fi.max(1)))
        {
            *o = layer.bias[0] + dot(row, &layer.weights);
        }
        activate(act, out, hidden);
    }
}

/// The buffers of a fit, kept from batch to batch: allocated afresh, a batch's activations
/// (160 KB a layer) were above the allocator's threshold for mapping new pages, so every batch
/// paid page faults and zeroing (perf: a sixth of a fit in the kernel).
#[derive(Default)]
struct Workspace {
    /// Each layer's activations, the input first.
    acts: Vec<Vec<f64>>,
    /// A layer's outputs before its activation function.
    pre: Vec<f64>,
    terms: Vec<(usize, f64)>,
    /// Every input's nonzero terms one after another, and where each input's end.
    col_terms: Vec<(usize, f64)>,
    col_ends: Vec<usize>,
    block: Vec<f64>,
    delta: Vec<f64>,
    prev: Vec<f64>,
    /// Each layer's gradients.
    grads: Vec<Gradient>,
}

impl Workspace {
    /// The first layer's input, to be filled: m × fan_in, row-major.
    fn input(&mut self) -> &mut Vec<f64> {
        if self.acts.is_empty() {
            self.acts.push(Vec::new());
        }
        self.acts[0].clear();
        &mut self.acts[0]
    }
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
fn backprop<L: Lanes>(
    lanes: L,
    layers: &[Layer],
    ws: &mut Workspace,
    y: &[f64],
    alpha: f64,
) -> f64 {
    let m = y.len();
    forward(lanes, layers, ws, m);
    let Workspace {
        acts,
        terms,
        col_terms,
        col_ends,
        delta,
        prev,
        grads,
        ..
    } = ws;
    let out = acts.last().expect("an output layer");
    let squares: f64 = layers
        .iter()
        .map(|l| l.weights.iter().map(|v| v * v).sum::<f64>())
        .sum();
    let mf = m as f64;
    let loss = log_loss(y, out) + 0.5 * alpha * squares / mf;
    delta.clear();
    delta.extend(out.iter().zip(y).map(|(p, t)| p - t));
    grads.resize_with(layers.len(), || Gradient {
        weights: Vec::new(),
        bias: Vec::new(),
    });
    for (l, layer) in layers.iter().enumerate().rev() {
        let (fi, fo) = (layer.fan_in, layer.fan_out);
        let inp = &acts[l];
        let Gradient {
            weights: gw,
            bias: gb,
        } = &mut grads[l];
        gw.clear();
        gw.extend(layer.weights.iter().map(|w| alpha * w));
        gb.clear();
        gb.resize(fo, 0.0);
        if fo == 1 {
            for (row, &d0) in inp.chunks_exact(fi.max(1)).zip(delta.iter()) {
                gb[0] += d0;
                for (g, a) in gw.iter_mut().zip(row) {
                    *g += a * d0;
                }
            }
        } else {
            // every gradient summed over the rows in row order: the biases' as the rows' deltas
            // times 1 (exact), each weight row's over the rows whose input is nonzero
            terms.clear();
            terms.extend((0..m).map(|i| (i * fo, 1.0)));
            scaled_sums(lanes, gb, terms, delta);
            // each input's nonzero rows once, then the sums tile by tile of TILE units: a
            // tile of the deltas (m rows × TILE) stays in the first-level cache for every input,
            // where all m × fo of them came from the second level once an input (the AVX grids
            // 0.91 → 0.88 s; each sum the same terms in the same order)
            col_terms.clear();
            col_ends.clear();
            for j in 0..fi {
                let k = nonzero(terms, (0..m).map(|i| (i * fo, inp[i * fi + j])));
                col_terms.extend_from_slice(&terms[..k]);
                col_ends.push(col_terms.len());
            }
            const TILE: usize = 16;
            for t0 in (0..fo).step_by(TILE) {
                let t1 = (t0 + TILE).min(fo);
                let mut from = 0;
                for (j, &end) in col_ends.iter().enumerate() {
                    let cols = &col_terms[from..end];
                    from = end;
                    scaled_sums_at(lanes, &mut gw[j * fo + t0..j * fo + t1], cols, delta, t0);
                }
            }
        }
        gw.iter_mut().for_each(|g| *g /= mf);
        gb.iter_mut().for_each(|g| *g /= mf);
        if l > 0 {
            // δ·Wᵀ, zero where the layer's ReLU was off
            prev.clear();
            for i in 0..m {
                let d = &delta[i * fo..(i + 1) * fo];
                let row = &inp[i * fi..(i + 1) * fi];
                if fo == 1 {
                    let d0 = d[0];
                    prev.extend(layer.weights.iter().zip(row).map(|(w, a)| {
                        if *a != 0.0 {
                            d0 * w
                        } else {
                            0.0
                        }
                    }));
                } else {
                    prev.extend(row.iter().enumerate().map(|(j, a)| {
                        if *a != 0.0 {
                            dot(d, &layer.weights[j * fo..(j + 1) * fo])
                        } else {
                            0.0
                        }
                    }));
                }
            }
            std::mem::swap(delta, prev);
        }
    }
    loss
}

impl MlpModel {
    /// Fit on rows of `x` with labels `y` (0/1), drawing from `RandomState(seed)`. The whole fit
    /// is compiled for the widest products the CPU has, AVX-512 or AVX ([`kernels::widest`]):
    /// the same operations in the same order, no fused multiply-add, so the same weights to the
    /// bit (tested).
    pub fn fit(x: &Array2<f64>, y: &[u8], params: &MlpParams, seed: u32) -> Self {
        struct Fit<'a>(&'a Array2<f64>, &'a [u8], &'a MlpParams, u32);
        impl WithLanes for Fit<'_> {
            type Output = MlpModel;
            #[inline(always)]
            fn run<L: Lanes>(self, lanes: L) -> MlpModel {
                MlpModel::fit_with(lanes, self.0, self.1, self.2, self.3)
            }
        }
        kernels::widest(Fit(x, y, params, seed))
    }

    #[inline(always)]
    fn fit_with<L: Lanes>(
        lanes: L,
        x: &Array2<f64>,
        y: &[u8],
        params: &MlpParams,
        seed: u32,
    ) -> Self {
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
        let xs = x.as_standard_layout();
        let xs = xs
            .as_slice()
            .expect("a standard-layout matrix is one slice");
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
        let mut ws = Workspace::default();
        let mut yb: Vec<f64> = Vec::with_capacity(batch);
        for _ in 0..params.max_iter {
            // sklearn.utils.shuffle: the index array re-indexed by a fresh permutation
            let perm = rs.permutation(n);
            order = perm.iter().map(|&k| order[k]).collect();
            let mut accumulated = 0.0;
            for rows in order.chunks(batch) {
                let input = ws.input();
                for &r in rows {
                    input.extend_from_slice(&xs[r * p..(r + 1) * p]);
                }
                yb.clear();
                yb.extend(rows.iter().map(|&r| yf[r]));
                let loss = backprop(lanes, &layers, &mut ws, &yb, params.alpha);
                let grads = &ws.grads;
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
                    layers.iter_mut().zip(grads.iter()).zip(&mut moments)
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
        struct Forward<'a>(&'a [Layer], &'a Array2<f64>);
        impl WithLanes for Forward<'_> {
            type Output = Vec<f64>;
            #[inline(always)]
            fn run<L: Lanes>(self, lanes: L) -> Vec<f64> {
                let mut ws = Workspace::default();
                ws.input().extend(self.1.as_standard_layout().iter());
                forward(lanes, self.0, &mut ws, self.1.nrows());
                ws.acts.pop().expect("an output layer")
            }
        }
        kernels::widest(Forward(&self.layers, x))
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

    /// [`backprop`] of one batch in a fresh workspace: its loss and gradients.
    fn batch<L: Lanes>(
        lanes: L,
        layers: &[Layer],
        input: &[f64],
        y: &[f64],
        alpha: f64,
    ) -> (f64, Vec<Gradient>) {
        let mut ws = Workspace::default();
        ws.input().extend_from_slice(input);
        let loss = backprop(lanes, layers, &mut ws, y, alpha);
        (loss, ws.grads)
    }
    use crate::ml::kernels::Base;

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
        let loss = |layers: &[Layer]| batch(Base, layers, &input, &y, params.alpha).0;
        let (_, grads) = batch(Base, &m.layers, &input, &y, params.alpha);
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

    /// The layers' sums written one output at a time, in the order `forward` and `backprop`
    /// promise: the reference of their grouped, side-by-side versions.
    fn reference(layers: &[Layer], input: &[f64], y: &[f64], alpha: f64) -> Vec<Vec<f64>> {
        let m = y.len();
        let mut acts = vec![input.to_vec()];
        for (l, layer) in layers.iter().enumerate() {
            let (fi, fo) = (layer.fan_in, layer.fan_out);
            let mut out = vec![0.0; m * fo];
            for i in 0..m {
                for k in 0..fo {
                    let a = &acts[l][i * fi..(i + 1) * fi];
                    out[i * fo + k] = if fo == 1 {
                        let s: f64 = a.iter().zip(&layer.weights).map(|(a, w)| a * w).sum();
                        layer.bias[0] + s
                    } else {
                        let mut s = layer.bias[k];
                        for (j, a) in a.iter().enumerate().filter(|(_, a)| **a != 0.0) {
                            s += a * layer.weights[j * fo + k];
                        }
                        if l + 1 < layers.len() && !(s > 0.0) {
                            0.0
                        } else {
                            s
                        }
                    };
                }
            }
            if l + 1 == layers.len() {
                out.iter_mut().for_each(|v| *v = expit(*v));
            }
            acts.push(out);
        }
        // gradients, output layer first, each summed over the rows in row order
        let mut delta: Vec<f64> = acts[layers.len()]
            .iter()
            .zip(y)
            .map(|(p, t)| p - t)
            .collect();
        let mut flat = Vec::new();
        for (l, layer) in layers.iter().enumerate().rev() {
            let (fi, fo) = (layer.fan_in, layer.fan_out);
            let a = &acts[l];
            let mut gw: Vec<f64> = layer.weights.iter().map(|w| alpha * w).collect();
            let mut gb = vec![0.0; fo];
            for i in 0..m {
                for k in 0..fo {
                    gb[k] += delta[i * fo + k];
                    for j in 0..fi {
                        if a[i * fi + j] != 0.0 || fo == 1 {
                            gw[j * fo + k] += a[i * fi + j] * delta[i * fo + k];
                        }
                    }
                }
            }
            let mut back = vec![0.0; m * fi];
            for i in 0..m {
                for j in 0..fi {
                    if a[i * fi + j] != 0.0 {
                        let d = &delta[i * fo..(i + 1) * fo];
                        back[i * fi + j] = dot(d, &layer.weights[j * fo..(j + 1) * fo]);
                    }
                }
            }
            delta = back;
            let mf = m as f64;
            flat.push(gw.iter().chain(&gb).map(|g| g / mf).collect());
        }
        flat.push(acts.pop().unwrap());
        flat
    }

    #[test]
    fn layers_sum_as_one_output_at_a_time_to_the_bit() {
        // widths that take every path: 37 outputs (two groups of sixteen, a quad, a tail of
        // one), 4 (one quad), 1 (the output unit); 23 rows (five groups of four and three);
        // inputs with zeros (one-hot like) and negative values (ReLU off)
        let (m, p) = (23, 6);
        let x = Array2::from_shape_fn((m, p), |(i, j)| {
            if j < 2 {
                f64::from(u8::from((i * 5 + j) % 3 == 0))
            } else {
                ((i * 7 + j * 11) % 13) as f64 / 6.0 - 1.0
            }
        });
        let labels: Vec<u8> = (0..m).map(|i| u8::from(i % 3 == 1)).collect();
        let y: Vec<f64> = labels.iter().map(|c| f64::from(*c)).collect();
        let params = MlpParams {
            hidden: vec![37, 4],
            max_iter: 0,
            alpha: 0.01,
            ..MlpParams::default()
        };
        let model = MlpModel::fit(&x, &labels, &params, 11);
        let input: Vec<f64> = x.iter().copied().collect();
        let want = reference(&model.layers, &input, &y, params.alpha);
        let bits = |v: &[f64]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        let probabilities = model.probabilities(&x);
        assert_eq!(bits(&probabilities), bits(want.last().unwrap()));
        assert!(probabilities.iter().any(|p| (p - 0.5).abs() > 1e-3));
        for lanes in [true, false] {
            let (_, grads) = if lanes {
                struct Grads<'a>(&'a [Layer], Vec<f64>, &'a [f64], f64);
                impl WithLanes for Grads<'_> {
                    type Output = (f64, Vec<Gradient>);
                    fn run<L: Lanes>(self, lanes: L) -> Self::Output {
                        batch(lanes, self.0, &self.1, self.2, self.3)
                    }
                }
                kernels::widest(Grads(&model.layers, input.clone(), &y, params.alpha))
            } else {
                batch(Base, &model.layers, &input, &y, params.alpha)
            };
            for (l, g) in grads.iter().enumerate() {
                let got: Vec<f64> = g.weights.iter().chain(&g.bias).copied().collect();
                assert_eq!(bits(&got), bits(&want[2 - l]), "layer {l}");
            }
        }
    }

    #[test]
    fn the_avx_build_fits_the_same_weights_to_the_bit() {
        // fit runs the AVX build of the same code where the CPU has it; both must agree
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
            MlpModel::fit_with(Base, &x, &y, &params, 5)
        );
    }

    /// A fit with the products of each instruction set the CPU has.
    #[derive(Clone)]
    struct EveryFit<'a>(&'a Array2<f64>, &'a [u8], &'a MlpParams);

    impl kernels::WithLanes for EveryFit<'_> {
        type Output = MlpModel;
        #[inline(always)]
        fn run<L: Lanes>(self, lanes: L) -> MlpModel {
            MlpModel::fit_with(lanes, self.0, self.1, self.2, 3)
        }
    }

    #[test]
    fn every_instruction_set_fits_the_same_weights_to_the_bit() {
        // two hidden layers whose widths leave every part of the sums (37: a group of 32, a
        // group of four, one alone; 6: four and two), one-hot-like zero inputs, a last batch
        // shorter than the others
        let x = Array2::from_shape_fn((130, 5), |(i, j)| {
            if j >= 3 {
                f64::from(u8::from((i + j) % 3 == 0))
            } else {
                ((i * 7 + j * 13) % 17) as f64 / 17.0 - 0.3
            }
        });
        let y: Vec<u8> = (0..130).map(|i| u8::from((i * 7) % 17 > 8)).collect();
        let params = MlpParams {
            hidden: vec![37, 6],
            max_iter: 15,
            batch_size: 50,
            ..MlpParams::default()
        };
        let fits = kernels::every_lanes(EveryFit(&x, &y, &params));
        assert!(fits[0].epochs > 0);
        for fit in &fits[1..] {
            assert_eq!(fit, &fits[0]);
        }
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
