//! Probability calibration: reliability curve, Brier score and log loss, Platt scaling and
//! isotonic regression (fitted on out-of-fold scores, inside the training folds), and the
//! correction of probabilities distorted by undersampling. Hand-written: linfa and smartcore
//! have no calibrators and no reliability curve (linfa-svm's Platt is internal to the SVM).

use serde::{Deserialize, Serialize};

/// One bin of a reliability curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    pub lower: f64,
    pub upper: f64,
    pub count: usize,
    /// Mean predicted probability of the bin's rows.
    pub mean_predicted: f64,
    /// Observed share of responders among them.
    pub observed: f64,
}

/// Reliability curve on `bins` equal-width bins of [0, 1] (1.0 falls in the last bin); empty
/// bins are left out. Every row is counted in exactly one bin.
pub fn reliability(truth: &[u8], p: &[f64], bins: usize) -> Vec<ReliabilityBin> {
    let bins = bins.max(1);
    let mut acc = vec![(0usize, 0.0, 0usize); bins];
    for (t, p) in truth.iter().zip(p) {
        let b = ((p.clamp(0.0, 1.0) * bins as f64) as usize).min(bins - 1);
        acc[b].0 += 1;
        acc[b].1 += p;
        acc[b].2 += usize::from(*t == 1);
    }
    acc.iter()
        .enumerate()
        .filter(|(_, a)| a.0 > 0)
        .map(|(b, (n, sum, pos))| ReliabilityBin {
            lower: b as f64 / bins as f64,
            upper: (b + 1) as f64 / bins as f64,
            count: *n,
            mean_predicted: sum / *n as f64,
            observed: *pos as f64 / *n as f64,
        })
        .collect()
}

/// Mean squared difference between probability and outcome.
pub fn brier(truth: &[u8], p: &[f64]) -> f64 {
    let n = truth.len().max(1) as f64;
    truth
        .iter()
        .zip(p)
        .map(|(t, p)| (p - f64::from(*t)).powi(2))
        .sum::<f64>()
        / n
}

/// Mean negative log-likelihood (probabilities clipped to [1e-15, 1 − 1e-15]).
pub fn log_loss(truth: &[u8], p: &[f64]) -> f64 {
    let n = truth.len().max(1) as f64;
    truth
        .iter()
        .zip(p)
        .map(|(t, p)| {
            let p = p.clamp(1e-15, 1.0 - 1e-15);
            if *t == 1 {
                -p.ln()
            } else {
                -(1.0 - p).ln()
            }
        })
        .sum::<f64>()
        / n
}

/// Undo the prior shift of undersampling: a model fitted after keeping each negative with
/// probability `beta` (= positives / negatives of its training rows) over-predicts class 1;
/// p = β·pₛ / (β·pₛ − pₛ + 1) (Dal Pozzolo et al., 2015).
pub fn correct_undersampling(p: f64, beta: f64) -> f64 {
    (beta * p / (beta * p - p + 1.0)).clamp(0.0, 1.0)
}

/// Platt scaling: p = σ(a·s + b), fitted by Newton's method on the log loss with Platt's
/// smoothed targets ((N₊ + 1)/(N₊ + 2) and 1/(N₋ + 2)), as scikit-learn's sigmoid calibration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Platt {
    pub a: f64,
    pub b: f64,
}

/// The log-odds of a probability, clipped away from 0 and 1 (Platt scaling's input for a
/// model that outputs probabilities).
pub fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    (p / (1.0 - p)).ln()
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

impl Platt {
    pub fn fit(scores: &[f64], truth: &[u8]) -> Self {
        let pos = truth.iter().filter(|t| **t == 1).count() as f64;
        let neg = truth.len() as f64 - pos;
        let (hi, lo) = ((pos + 1.0) / (pos + 2.0), 1.0 / (neg + 2.0));
        let targets: Vec<f64> = truth
            .iter()
            .map(|t| if *t == 1 { hi } else { lo })
            .collect();
        let loss = |a: f64, b: f64| -> f64 {
            scores
                .iter()
                .zip(&targets)
                .map(|(s, t)| {
                    let z = a * s + b;
                    // log(1 + e^z) − t·z, stable for large |z|
                    z.max(0.0) + (-z.abs()).exp().ln_1p() - t * z
                })
                .sum()
        };
        let (mut a, mut b) = (1.0, 0.0);
        for _ in 0..200 {
            let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-12, 0.0, 1e-12);
            for (s, t) in scores.iter().zip(&targets) {
                let p = sigmoid(a * s + b);
                let w = p * (1.0 - p);
                ga += (p - t) * s;
                gb += p - t;
                haa += w * s * s;
                hab += w * s;
                hbb += w;
            }
            let det = haa * hbb - hab * hab;
            if det.abs() < 1e-300 {
                break;
            }
            let (da, db) = ((hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det);
            // backtracking: never accept a step that raises the loss
            let (mut step, base) = (1.0, loss(a, b));
            while step > 1e-10 && loss(a - step * da, b - step * db) > base {
                step /= 2.0;
            }
            a -= step * da;
            b -= step * db;
            if (step * da).abs() < 1e-12 && (step * db).abs() < 1e-12 {
                break;
            }
        }
        Self { a, b }
    }

    pub fn apply(&self, s: f64) -> f64 {
        sigmoid(self.a * s + self.b)
    }
}

/// Isotonic regression of outcomes on scores (pool-adjacent-violators), predicting by linear
/// interpolation between the fitted points and clipping outside them, as scikit-learn's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Isotonic {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

impl Isotonic {
    pub fn fit(scores: &[f64], truth: &[u8]) -> Self {
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|a, b| scores[*a].total_cmp(&scores[*b]));
        // blocks of (x, weighted mean y, weight); equal scores pooled first
        let mut blocks: Vec<(f64, f64, f64)> = Vec::new();
        for i in order {
            let (x, y) = (scores[i], f64::from(truth[i]));
            match blocks.last_mut() {
                Some(last) if last.0 == x => {
                    last.1 = (last.1 * last.2 + y) / (last.2 + 1.0);
                    last.2 += 1.0;
                }
                _ => blocks.push((x, y, 1.0)),
            }
        }
        // pool adjacent violators: merge while a block's mean falls below its predecessor's
        let mut pooled: Vec<(Vec<f64>, f64, f64)> = Vec::new();
        for (x, y, w) in blocks {
            pooled.push((vec![x], y, w));
            while pooled.len() > 1 {
                let n = pooled.len();
                if pooled[n - 2].1 <= pooled[n - 1].1 {
                    break;
                }
                let (xs, y2, w2) = pooled.pop().unwrap_or_default();
                let last = pooled.last_mut().expect("two blocks");
                last.1 = (last.1 * last.2 + y2 * w2) / (last.2 + w2);
                last.2 += w2;
                last.0.extend(xs);
            }
        }
        let mut x = Vec::new();
        let mut y = Vec::new();
        for (xs, v, _) in pooled {
            // a block is flat: its first and last score are enough for interpolation
            let (first, last) = (xs[0], xs[xs.len() - 1]);
            x.push(first);
            y.push(v);
            if last != first {
                x.push(last);
                y.push(v);
            }
        }
        Self { x, y }
    }

    pub fn apply(&self, s: f64) -> f64 {
        let n = self.x.len();
        if n == 0 {
            return 0.5;
        }
        if s <= self.x[0] {
            return self.y[0];
        }
        if s >= self.x[n - 1] {
            return self.y[n - 1];
        }
        let j = self.x.partition_point(|x| *x <= s);
        let (x0, x1, y0, y1) = (self.x[j - 1], self.x[j], self.y[j - 1], self.y[j]);
        if x1 == x0 {
            y1
        } else {
            y0 + (y1 - y0) * (s - x0) / (x1 - x0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reliability_counts_every_row_once() {
        let p = [0.0, 0.05, 0.1, 0.5, 0.95, 1.0, 1.0];
        let t = [0, 0, 1, 1, 1, 1, 0];
        let r = reliability(&t, &p, 10);
        assert_eq!(r.iter().map(|b| b.count).sum::<usize>(), 7);
        let last = r.last().unwrap();
        assert_eq!(
            (last.count, last.lower),
            (3, 0.9),
            "1.0 falls in the last bin"
        );
        assert!((last.observed - 2.0 / 3.0).abs() < 1e-12);
        assert!((brier(&[1, 0], &[0.8, 0.4]) - (0.04 + 0.16) / 2.0).abs() < 1e-12);
        assert!((log_loss(&[1], &[0.5]) - 2f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn undersampling_correction_restores_the_prior() {
        // balanced training (β = 0.2): a customer at the base rate of 1/6 was predicted 0.5
        let p = correct_undersampling(0.5, 0.2);
        assert!((p - 1.0 / 6.0).abs() < 1e-12);
        assert_eq!(correct_undersampling(0.0, 0.2), 0.0);
        assert_eq!(correct_undersampling(1.0, 0.2), 1.0);
    }

    #[test]
    fn calibrators_are_monotone_and_stay_in_0_1() {
        // outcomes drawn as σ(2s − 1) of scores in [−3, 3], deterministically
        let scores: Vec<f64> = (0..600).map(|i| -3.0 + 6.0 * i as f64 / 599.0).collect();
        let truth: Vec<u8> = scores
            .iter()
            .enumerate()
            .map(|(i, s)| u8::from(((i * 7919) % 1000) as f64 / 1000.0 < sigmoid(2.0 * s - 1.0)))
            .collect();
        let platt = Platt::fit(&scores, &truth);
        assert!(
            (platt.a - 2.0).abs() < 0.4 && (platt.b + 1.0).abs() < 0.4,
            "{platt:?}"
        );
        let iso = Isotonic::fit(&scores, &truth);
        let grid: Vec<f64> = (-50..=50).map(|i| i as f64 / 10.0).collect();
        let curves: [Vec<f64>; 2] = [
            grid.iter().map(|s| platt.apply(*s)).collect(),
            grid.iter().map(|s| iso.apply(*s)).collect(),
        ];
        for v in curves {
            assert!(v.iter().all(|p| (0.0..=1.0).contains(p)));
            assert!(v.windows(2).all(|w| w[0] <= w[1] + 1e-15), "monotone");
        }
    }

    #[test]
    fn isotonic_pools_violators() {
        // y by x: 0, 1, 0, 1 → blocks 0 | (1, 0 → 0.5) | 1
        let iso = Isotonic::fit(&[1.0, 2.0, 3.0, 4.0], &[0, 1, 0, 1]);
        assert_eq!(iso.apply(1.0), 0.0);
        assert_eq!(iso.apply(2.5), 0.5);
        assert_eq!(iso.apply(4.0), 1.0);
        assert_eq!(iso.apply(9.0), 1.0);
    }
}
