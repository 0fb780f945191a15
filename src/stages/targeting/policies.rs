//! Contact policies, each evaluated per repeat on out-of-fold predictions: contact everyone, the
//! original's model at 0.5, the honest model at break-even, with the threshold chosen inside each
//! training fold, and the best threshold in hindsight.

use super::evaluation::{nested_oof, Calibration, NestedFold, Repeated};
use super::REPEATS;
use crate::ml::profit::{best, profit_at, profit_curve, Economics, ProfitPoint};

/// A contact policy's result in one repeat: contacted, responders, profit.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub name: String,
    pub per_repeat: Vec<ProfitPoint>,
}

impl Policy {
    pub(super) fn mean(&self, f: impl Fn(&ProfitPoint) -> f64) -> (f64, f64) {
        let v: Vec<f64> = self.per_repeat.iter().map(f).collect();
        let n = v.len().max(1) as f64;
        let m = v.iter().sum::<f64>() / n;
        let sd =
            (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len().max(2) - 1) as f64).sqrt();
        (m, sd)
    }
}

/// Every policy of the stage, in the order the report shows them.
pub fn all(
    truth: &[u8],
    original: &Repeated,
    nested: &[NestedFold],
    calibration: Calibration,
    econ: &Economics,
) -> Vec<Policy> {
    vec![
        everyone(truth, econ),
        original_at_half(truth, original, econ),
        break_even(truth, nested, calibration, econ),
        threshold_inside(truth, nested, calibration, econ),
        hindsight(truth, nested, calibration, econ),
    ]
}

fn everyone(truth: &[u8], econ: &Economics) -> Policy {
    Policy {
        name: "contact every customer".into(),
        per_repeat: vec![profit_at(truth, &vec![1.0; truth.len()], 0.0, econ); REPEATS],
    }
}

fn original_at_half(truth: &[u8], original: &Repeated, econ: &Economics) -> Policy {
    Policy {
        name: "the original's model at its default threshold (p > 0.5)".into(),
        per_repeat: (0..REPEATS)
            .map(|r| profit_at(truth, &original.oof(r), 0.5 + 1e-12, econ))
            .collect(),
    }
}

fn break_even(truth: &[u8], nested: &[NestedFold], cal: Calibration, econ: &Economics) -> Policy {
    let n = truth.len();
    Policy {
        name: format!(
            "honest model, {} probabilities, contact when p ≥ 3/11",
            cal.name()
        ),
        per_repeat: (0..REPEATS)
            .map(|r| {
                profit_at(
                    truth,
                    &nested_oof(nested, r, cal, n),
                    econ.break_even(),
                    econ,
                )
            })
            .collect(),
    }
}

fn threshold_inside(
    truth: &[u8],
    nested: &[NestedFold],
    cal: Calibration,
    econ: &Economics,
) -> Policy {
    Policy {
        name: format!(
            "honest model, {} probabilities, threshold chosen inside each training fold",
            cal.name()
        ),
        per_repeat: (0..REPEATS)
            .map(|r| {
                let (mut c, mut resp) = (0, 0);
                for f in nested.iter().filter(|f| f.repeat == r) {
                    let t = cal.threshold(f);
                    let labels: Vec<u8> = f.rows.iter().map(|&i| truth[i]).collect();
                    let p = profit_at(&labels, cal.of(f), t, econ);
                    c += p.contacted;
                    resp += p.responders;
                }
                ProfitPoint {
                    threshold: f64::NAN,
                    contacted: c,
                    responders: resp,
                    profit: econ.profit(c, resp),
                }
            })
            .collect(),
    }
}

fn hindsight(truth: &[u8], nested: &[NestedFold], cal: Calibration, econ: &Economics) -> Policy {
    let n = truth.len();
    Policy {
        name: "honest model, best threshold in hindsight (optimistic: chosen on the rows it is scored on)".into(),
        per_repeat: (0..REPEATS)
            .map(|r| best(&profit_curve(truth, &nested_oof(nested, r, cal, n), econ)))
            .collect(),
    }
}
