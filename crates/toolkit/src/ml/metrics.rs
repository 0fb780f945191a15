//! Binary classification metrics for the positive class (1): confusion matrix, accuracy,
//! precision, recall, ROC AUC from scores (ties handled), and average precision as
//! scikit-learn computes it (step-wise: Σ (Rₙ − Rₙ₋₁) Pₙ, no interpolation).
//! Hand-written: linfa has ROC AUC but no average precision or precision-recall curve.

use serde::{Deserialize, Serialize};

/// Counts of a binary confusion matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Confusion {
    pub tn: usize,
    pub fp: usize,
    pub fn_: usize,
    pub tp: usize,
}

impl Confusion {
    /// Confusion matrix of predicted labels against true labels (both 0/1).
    pub fn of(truth: &[u8], predicted: &[u8]) -> Self {
        let mut c = Self::default();
        for (t, p) in truth.iter().zip(predicted) {
            match (t, p) {
                (1, 1) => c.tp += 1,
                (1, _) => c.fn_ += 1,
                (_, 1) => c.fp += 1,
                _ => c.tn += 1,
            }
        }
        c
    }

    pub fn accuracy(&self) -> f64 {
        (self.tp + self.tn) as f64 / (self.tp + self.tn + self.fp + self.fn_).max(1) as f64
    }

    /// TP / (TP + FP); 0 when nothing is predicted positive (scikit-learn's zero_division=0).
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    /// TP / (TP + FN); 0 when there are no positives.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Distinct score thresholds in descending order with the cumulative (TP, FP) counts at each:
/// everything scored ≥ the threshold is called positive. Tied scores move together.
fn cumulative(truth: &[u8], scores: &[f64]) -> Vec<(f64, usize, usize)> {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]));
    let mut out = Vec::new();
    let (mut tp, mut fp) = (0, 0);
    for (k, &i) in idx.iter().enumerate() {
        if truth[i] == 1 {
            tp += 1;
        } else {
            fp += 1;
        }
        let last_of_tie = k + 1 == idx.len() || scores[idx[k + 1]] != scores[i];
        if last_of_tie {
            out.push((scores[i], tp, fp));
        }
    }
    out
}

/// Area under the ROC curve (trapezoids between distinct thresholds; ties count half).
/// `None` when only one class is present (the AUC is undefined).
pub fn roc_auc(truth: &[u8], scores: &[f64]) -> Option<f64> {
    let pos = truth.iter().filter(|t| **t == 1).count();
    let neg = truth.len() - pos;
    if pos == 0 || neg == 0 {
        return None;
    }
    let mut area = 0.0;
    let (mut prev_tp, mut prev_fp) = (0usize, 0usize);
    for (_, tp, fp) in cumulative(truth, scores) {
        area += (fp - prev_fp) as f64 * (tp + prev_tp) as f64 / 2.0;
        (prev_tp, prev_fp) = (tp, fp);
    }
    Some(area / (pos * neg) as f64)
}

/// Average precision: Σ over thresholds of (recall step) × precision. `None` without positives.
pub fn average_precision(truth: &[u8], scores: &[f64]) -> Option<f64> {
    let pos = truth.iter().filter(|t| **t == 1).count();
    if pos == 0 {
        return None;
    }
    let mut ap = 0.0;
    let mut prev_recall = 0.0;
    for (_, tp, fp) in cumulative(truth, scores) {
        let recall = tp as f64 / pos as f64;
        let precision = tp as f64 / (tp + fp) as f64;
        ap += (recall - prev_recall) * precision;
        prev_recall = recall;
    }
    Some(ap)
}

/// Points of the ROC curve (false positive rate, true positive rate), from (0, 0).
pub fn roc_curve(truth: &[u8], scores: &[f64]) -> Vec<(f64, f64)> {
    let pos = truth.iter().filter(|t| **t == 1).count().max(1) as f64;
    let neg = truth.iter().filter(|t| **t != 1).count().max(1) as f64;
    std::iter::once((0.0, 0.0))
        .chain(
            cumulative(truth, scores)
                .into_iter()
                .map(|(_, tp, fp)| (fp as f64 / neg, tp as f64 / pos)),
        )
        .collect()
}

/// Points of the precision-recall curve (recall, precision), one per distinct threshold.
pub fn precision_recall_curve(truth: &[u8], scores: &[f64]) -> Vec<(f64, f64)> {
    let pos = truth.iter().filter(|t| **t == 1).count().max(1) as f64;
    cumulative(truth, scores)
        .into_iter()
        .map(|(_, tp, fp)| (tp as f64 / pos, tp as f64 / (tp + fp) as f64))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confusion_and_rates_by_hand() {
        let truth = [1, 1, 1, 0, 0, 0, 0, 0];
        let pred = [1, 1, 0, 1, 0, 0, 0, 0];
        let c = Confusion::of(&truth, &pred);
        assert_eq!((c.tn, c.fp, c.fn_, c.tp), (4, 1, 1, 2));
        assert_eq!(c.accuracy(), 6.0 / 8.0);
        assert_eq!(c.precision(), 2.0 / 3.0);
        assert_eq!(c.recall(), 2.0 / 3.0);
        // nothing predicted positive: precision 0, not NaN
        assert_eq!(Confusion::of(&truth, &[0; 8]).precision(), 0.0);
    }

    #[test]
    fn roc_auc_counts_ties_half_and_is_undefined_for_one_class() {
        // sklearn: roc_auc_score([0,0,1,1], [0.1,0.4,0.35,0.8]) = 0.75
        assert_eq!(roc_auc(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]), Some(0.75));
        // all scores tied: 0.5
        assert_eq!(roc_auc(&[0, 1, 0, 1], &[0.3; 4]), Some(0.5));
        // perfect and inverted rankings
        assert_eq!(roc_auc(&[0, 0, 1], &[0.1, 0.2, 0.9]), Some(1.0));
        assert_eq!(roc_auc(&[0, 0, 1], &[0.9, 0.8, 0.1]), Some(0.0));
        assert_eq!(roc_auc(&[1, 1], &[0.2, 0.4]), None);
    }

    #[test]
    fn average_precision_is_step_wise_like_scikit_learn() {
        // sklearn: average_precision_score([0,0,1,1], [0.1,0.4,0.35,0.8]) = 0.8333...
        let ap = average_precision(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]).unwrap();
        assert!((ap - 5.0 / 6.0).abs() < 1e-12, "{ap}");
        // ties: one threshold for all → precision = base rate
        let ap = average_precision(&[0, 1, 0, 1], &[0.3; 4]).unwrap();
        assert!((ap - 0.5).abs() < 1e-12);
        assert_eq!(average_precision(&[0, 0], &[0.1, 0.2]), None);
    }

    #[test]
    fn curves_start_and_end_where_they_should() {
        let truth = [0, 0, 1, 1];
        let scores = [0.1, 0.4, 0.35, 0.8];
        let roc = roc_curve(&truth, &scores);
        assert_eq!(roc.first(), Some(&(0.0, 0.0)));
        assert_eq!(roc.last(), Some(&(1.0, 1.0)));
        let pr = precision_recall_curve(&truth, &scores);
        assert_eq!(pr.first(), Some(&(0.5, 1.0)));
        assert_eq!(pr.last(), Some(&(1.0, 0.5)));
    }
}
