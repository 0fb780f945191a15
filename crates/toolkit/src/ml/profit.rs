//! Campaign economics: a contact costs `cost` and a responder brings `revenue`, so contacting
//! pays when the response probability exceeds cost / revenue. Profit over thresholds and
//! campaign sizes, the best threshold, cumulative gains and lift by decile. Hand-written: no Rust crate has profit or lift curves.

use serde::{Deserialize, Serialize};

/// Cost of a contact and revenue of a responder, in monetary units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Economics {
    pub cost: f64,
    pub revenue: f64,
}

impl Economics {
    /// 3 per contact and 11 per response: the example of the docs and tests (break-even 3/11).
    pub const THREE_ELEVEN: Self = Self {
        cost: 3.0,
        revenue: 11.0,
    };

    /// Profit of contacting `contacted` customers of whom `responders` respond.
    pub fn profit(&self, contacted: usize, responders: usize) -> f64 {
        responders as f64 * self.revenue - contacted as f64 * self.cost
    }

    /// The probability above which a contact pays for itself: cost / revenue (3/11 ≈ 0.273).
    pub fn break_even(&self) -> f64 {
        self.cost / self.revenue
    }

    /// Expected profit of contacting customers with calibrated probabilities `p`:
    /// Σ (revenue · p − cost).
    pub fn expected_profit(&self, p: &[f64]) -> f64 {
        p.iter().map(|p| self.revenue * p - self.cost).sum()
    }
}

/// One campaign: everyone scored at or above `threshold` is contacted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProfitPoint {
    pub threshold: f64,
    pub contacted: usize,
    pub responders: usize,
    pub profit: f64,
}

/// Profit of every distinct threshold, from contacting nobody (threshold +∞) to everyone; tied
/// scores are contacted together.
pub fn profit_curve(truth: &[u8], scores: &[f64], econ: &Economics) -> Vec<ProfitPoint> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]));
    let mut out = vec![ProfitPoint {
        threshold: f64::INFINITY,
        contacted: 0,
        responders: 0,
        profit: 0.0,
    }];
    let (mut contacted, mut responders) = (0, 0);
    for (k, &i) in order.iter().enumerate() {
        contacted += 1;
        responders += usize::from(truth[i] == 1);
        let last_of_tie = order.get(k + 1).is_none_or(|&j| scores[j] != scores[i]);
        if last_of_tie {
            out.push(ProfitPoint {
                threshold: scores[i],
                contacted,
                responders,
                profit: econ.profit(contacted, responders),
            });
        }
    }
    out
}

/// The most profitable point of a profit curve (on a tie, the smaller campaign).
pub fn best(curve: &[ProfitPoint]) -> ProfitPoint {
    curve
        .iter()
        .copied()
        .reduce(|b, p| if p.profit > b.profit { p } else { b })
        .unwrap_or(ProfitPoint {
            threshold: f64::INFINITY,
            contacted: 0,
            responders: 0,
            profit: 0.0,
        })
}

/// Profit of contacting everyone scored ≥ `threshold`.
pub fn profit_at(truth: &[u8], scores: &[f64], threshold: f64, econ: &Economics) -> ProfitPoint {
    let (mut contacted, mut responders) = (0, 0);
    for (t, s) in truth.iter().zip(scores) {
        if *s >= threshold {
            contacted += 1;
            responders += usize::from(*t == 1);
        }
    }
    ProfitPoint {
        threshold,
        contacted,
        responders,
        profit: econ.profit(contacted, responders),
    }
}

/// One decile of a ranking (customers sorted by descending score).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Decile {
    /// 1 = the top-scored tenth.
    pub decile: usize,
    pub customers: usize,
    pub responders: usize,
    /// Share of all responders found in deciles 1..=this one (cumulative gain).
    pub gain: f64,
    /// Response rate in this decile over the base rate.
    pub lift: f64,
    /// Response rate in deciles 1..=this one over the base rate.
    pub cumulative_lift: f64,
}

/// Cumulative gains and lift by `bins` equal parts of the ranking (row counts differ by at most
/// one between parts).
pub fn gains(truth: &[u8], scores: &[f64], bins: usize) -> Vec<Decile> {
    let n = truth.len();
    let bins = bins.clamp(1, n.max(1));
    let total = truth.iter().filter(|t| **t == 1).count();
    let base = total as f64 / n.max(1) as f64;
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]));
    let mut out = Vec::with_capacity(bins);
    let (mut seen, mut found) = (0, 0);
    for d in 0..bins {
        let end = (d + 1) * n / bins;
        let part = &order[seen..end];
        let responders = part.iter().filter(|&&i| truth[i] == 1).count();
        seen = end;
        found += responders;
        let rate = |r: usize, c: usize| if c == 0 { 0.0 } else { r as f64 / c as f64 };
        out.push(Decile {
            decile: d + 1,
            customers: part.len(),
            responders,
            gain: rate(found, total),
            lift: rate(responders, part.len()) / base,
            cumulative_lift: rate(found, seen) / base,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pilot_lost_3046_mu() {
        // 2,240 customers contacted, 334 responded
        assert_eq!(Economics::THREE_ELEVEN.profit(2240, 334), -3046.0);
        assert!((Economics::THREE_ELEVEN.break_even() - 3.0 / 11.0).abs() < 1e-15);
        // §7.13: the original's 116 predicted positives of the test split, 48 responders
        assert_eq!(Economics::THREE_ELEVEN.profit(116, 48), 180.0);
        assert_eq!(Economics::THREE_ELEVEN.profit(441, 67), -586.0);
    }

    #[test]
    fn profit_curve_steps_through_thresholds_with_ties_together() {
        let truth = [1, 0, 1, 0, 0];
        let scores = [0.9, 0.8, 0.8, 0.3, 0.1];
        let e = Economics::THREE_ELEVEN;
        let c = profit_curve(&truth, &scores, &e);
        let pts: Vec<(usize, usize, f64)> = c
            .iter()
            .map(|p| (p.contacted, p.responders, p.profit))
            .collect();
        assert_eq!(
            pts,
            vec![
                (0, 0, 0.0),
                (1, 1, 8.0),
                (3, 2, 13.0),
                (4, 2, 10.0),
                (5, 2, 7.0)
            ]
        );
        let b = best(&c);
        assert_eq!((b.threshold, b.profit), (0.8, 13.0));
        assert_eq!(profit_at(&truth, &scores, 0.8, &e), b);
        assert!((e.expected_profit(&[0.5, 0.1]) - (5.5 - 3.0 + 1.1 - 3.0)).abs() < 1e-12);
    }

    #[test]
    fn a_perfect_ranking_lifts_by_one_over_the_base_rate() {
        // 100 customers, 10 responders scored highest: decile 1 holds all of them
        let truth: Vec<u8> = (0..100).map(|i| u8::from(i < 10)).collect();
        let scores: Vec<f64> = (0..100).map(|i| 1.0 - i as f64 / 100.0).collect();
        let g = gains(&truth, &scores, 10);
        assert_eq!(g.len(), 10);
        assert!((g[0].lift - 10.0).abs() < 1e-12, "1 / base rate 0.1");
        assert!((g[0].gain - 1.0).abs() < 1e-12);
        assert!((g[9].cumulative_lift - 1.0).abs() < 1e-12);
        assert_eq!(g.iter().map(|d| d.customers).sum::<usize>(), 100);
        // a random-looking ranking of the same rows ends at gain 1 too
        let rev: Vec<f64> = scores.iter().map(|s| -s).collect();
        let w = gains(&truth, &rev, 10);
        assert_eq!(w[0].responders, 0);
        assert!((w[9].gain - 1.0).abs() < 1e-12);
    }
}
