//! How the stage displays: the repeated-CV leaderboard, calibration, reliability, contact
//! policies, profit, gains and lift, as tables and charts.

use super::{nested_oof, Calibration, Repeated, Targeting, FOLDS, REPEATS};
use crate::ml::calibration::{brier, correct_undersampling, log_loss, reliability};
use crate::ml::classifier::METRICS;
use crate::ml::profit::{gains, profit_curve};
use crate::report::charts::{line_chart, line_panel, Chart};
use crate::report::table::Table;

pub(super) fn fmt_pm(m: f64, s: f64, d: usize) -> String {
    format!("{m:.d$} ± {s:.d$}")
}

impl Targeting {
    /// Repeated-CV leaderboard: mean ± std across repeats of each metric.
    pub fn leaderboard_table(&self) -> Table {
        let mut columns = vec!["model".to_string()];
        columns.extend(METRICS.iter().map(|m| m.to_string()));
        columns.push("log loss".into());
        let row = |r: &Repeated, probabilities: bool| {
            let (m, s) = r.summary();
            let mut v = vec![r.name.clone()];
            v.extend((0..5).map(|i| fmt_pm(m.values()[i], s.values()[i], 4)));
            v.push(if probabilities {
                format!("{:.4}", r.log_loss(&self.truth))
            } else {
                "—".into()
            });
            v
        };
        let mut rows: Vec<Vec<String>> = self.leaderboard.iter().map(|r| row(r, false)).collect();
        rows.extend(self.candidates.iter().enumerate().map(|(i, r)| {
            let mut v = row(r, true);
            if i == self.chosen {
                v[0] = format!("honest: {} (chosen)", v[0]);
            } else {
                v[0] = format!("honest: {}", v[0]);
            }
            v
        }));
        Table::new(columns, rows).with_caption(format!(
            "{REPEATS} × {FOLDS}-fold stratified CV of all {} customers: mean ± std across repeats. Leaderboard models in the original's leak-free pipeline (k 10, undersampled: their scores are not probabilities); honest models on engineered features, no undersampling, chosen by out-of-fold log loss",
            self.n()
        ))
    }

    /// Calibration of the honest model's probabilities, and of the original's undersampled ones.
    pub fn calibration_table(&self) -> Table {
        let n = self.n();
        let beta = self.beta();
        let mut rows = Vec::new();
        let mut push = |name: String, ps: Vec<Vec<f64>>| {
            let b: Vec<f64> = ps.iter().map(|p| brier(&self.truth, p)).collect();
            let l: Vec<f64> = ps.iter().map(|p| log_loss(&self.truth, p)).collect();
            let mean_p: f64 = ps
                .iter()
                .map(|p| p.iter().sum::<f64>() / n as f64)
                .sum::<f64>()
                / ps.len() as f64;
            let k = ps.len() as f64;
            rows.push(vec![
                name,
                format!("{:.4}", b.iter().sum::<f64>() / k),
                format!("{:.4}", l.iter().sum::<f64>() / k),
                format!("{mean_p:.3}"),
            ]);
        };
        let orig: Vec<Vec<f64>> = (0..REPEATS).map(|r| self.original.oof(r)).collect();
        push("original pipeline (undersampled), raw".into(), orig.clone());
        push(
            format!("original pipeline, prior-corrected (β = {beta:.3})"),
            orig.iter()
                .map(|p| p.iter().map(|v| correct_undersampling(*v, beta)).collect())
                .collect(),
        );
        for c in [Calibration::Raw, Calibration::Platt, Calibration::Isotonic] {
            let mark = if c == self.calibration {
                " (chosen)"
            } else {
                ""
            };
            push(
                format!("honest model, {}{mark}", c.name()),
                (0..REPEATS)
                    .map(|r| nested_oof(&self.nested, r, c, n))
                    .collect(),
            );
        }
        let base = self.truth.iter().filter(|t| **t == 1).count() as f64 / n as f64;
        Table::new(
            vec!["probabilities".into(), "Brier".into(), "log loss".into(), "mean p".into()],
            rows,
        )
        .with_caption(format!(
            "Out-of-fold probabilities ({REPEATS} repeats): lower Brier and log loss are better; the base rate is {base:.3}"
        ))
    }
}

/// Validation that cannot flatter: random folds against folds that keep copies together.
impl Targeting {
    /// The chosen honest model under random stratified folds and under grouped folds (every
    /// profile, copies included, in one fold), mean ± standard deviation across the repeats.
    pub fn validation_table(&self) -> Table {
        let (copies, shared, disagree) = self.duplicates;
        let row = |what: &str, r: &Repeated| {
            let (m, s) = r.summary();
            vec![
                what.to_string(),
                fmt_pm(m.roc_auc, s.roc_auc, 3),
                fmt_pm(m.average_precision, s.average_precision, 3),
            ]
        };
        Table::new(
            vec![
                "folds".into(),
                "ROC AUC (± across repeats)".into(),
                "average precision (± across repeats)".into(),
            ],
            vec![
                row("random stratified (copies may straddle folds)", &self.candidates[self.chosen]),
                row("grouped by profile (copies in one fold): the headline", &self.grouped),
            ],
        )
        .with_caption(format!(
            "{}: {copies} customers copy another's profile (identical in every column but ID and Response) in {shared} profiles, {disagree} of which disagree on Response; {} of the plan's {} contacts share a profile with another contact",
            self.grouped.name,
            self.plan_copies(),
            self.plan().len()
        ))
    }
}

/// Calibration and reliability.
impl Targeting {
    /// Sampling ratio of undersampling: positives / negatives.
    fn beta(&self) -> f64 {
        let pos = self.truth.iter().filter(|t| **t == 1).count() as f64;
        pos / (self.n() as f64 - pos)
    }

    /// Reliability curves: the original's undersampled probabilities, corrected, and the
    /// honest model's calibrated ones (repeat 1).
    pub fn reliability_chart(&self) -> Chart {
        let n = self.n();
        let curve = |p: &[f64]| -> Vec<(f64, f64)> {
            reliability(&self.truth, p, 10)
                .iter()
                .map(|b| (b.mean_predicted, b.observed))
                .collect()
        };
        let orig = self.original.oof(0);
        let corrected: Vec<f64> = orig
            .iter()
            .map(|v| correct_undersampling(*v, self.beta()))
            .collect();
        line_chart(
            "Reliability of out-of-fold probabilities",
            vec![line_panel(
                "out-of-fold probabilities, repeat 1",
                "mean predicted probability",
                "observed response rate",
                vec![
                    ("original, undersampled".into(), curve(&orig)),
                    ("original, prior-corrected".into(), curve(&corrected)),
                    (
                        format!("honest, {}", self.calibration.name()),
                        curve(&nested_oof(&self.nested, 0, self.calibration, n)),
                    ),
                    ("perfect calibration".into(), vec![(0.0, 0.0), (1.0, 1.0)]),
                ],
            )],
        )
        .with_panel_size(620, 480)
    }

    /// The reliability bins with their counts: the honest model's chosen probabilities and the
    /// original pipeline's undersampled ones (repeat 1).
    pub fn reliability_table(&self) -> Table {
        let honest = reliability(
            &self.truth,
            &nested_oof(&self.nested, 0, self.calibration, self.n()),
            10,
        );
        let orig = reliability(&self.truth, &self.original.oof(0), 10);
        let cell = |b: Option<&crate::ml::calibration::ReliabilityBin>| match b {
            Some(b) => vec![
                b.count.to_string(),
                format!("{:.3}", b.mean_predicted),
                format!("{:.3}", b.observed),
            ],
            None => vec!["0".into(), "—".into(), "—".into()],
        };
        let rows = (0..10)
            .map(|i| {
                let lo = i as f64 / 10.0;
                let find = |v: &[crate::ml::calibration::ReliabilityBin]| {
                    v.iter().find(|b| (b.lower - lo).abs() < 1e-9).copied()
                };
                let mut r = vec![format!("{:.1}-{:.1}", lo, lo + 0.1)];
                r.extend(cell(find(&honest).as_ref()));
                r.extend(cell(find(&orig).as_ref()));
                r
            })
            .collect();
        Table::new(
            [
                "bin",
                "honest: customers",
                "mean p",
                "observed",
                "original: customers",
                "mean p ",
                "observed ",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            rows,
        )
        .with_caption(format!(
            "Reliability bins (repeat 1): honest model ({}) and the original's undersampled pipeline; every customer in one bin",
            self.calibration.name()
        ))
    }
}

/// Contact policies, profit, gains and lift.
impl Targeting {
    /// The contact policies: customers contacted, responders, profit (mean ± std over repeats).
    pub fn policy_table(&self) -> Table {
        let rows = self
            .policies
            .iter()
            .map(|p| {
                let (c, cs) = p.mean(|x| x.contacted as f64);
                let (r, rs) = p.mean(|x| x.responders as f64);
                let (pr, ps) = p.mean(|x| x.profit);
                vec![
                    p.name.clone(),
                    fmt_pm(c, cs, 0),
                    fmt_pm(r, rs, 0),
                    fmt_pm(pr, ps, 0),
                ]
            })
            .collect();
        Table::new(
            vec!["policy".into(), "contacted".into(), "responders".into(), "profit (MU)".into()],
            rows,
        )
        .with_caption(format!(
            "Campaign profit on the {} customers at 3 MU a contact and 11 MU a response, from out-of-fold predictions ({REPEATS} repeats; the pilot contacted all 2,240 and lost 3,046 MU)",
            self.n()
        ))
    }

    /// Profit against threshold and against campaign size, from the mean calibrated
    /// probabilities.
    pub fn profit_chart(&self) -> Chart {
        let p = self.probabilities();
        let curve = profit_curve(&self.truth, &p, &self.economics);
        let by_t: Vec<(f64, f64)> = curve
            .iter()
            .filter(|c| c.threshold.is_finite())
            .map(|c| (c.threshold, c.profit))
            .collect();
        let by_n: Vec<(f64, f64)> = curve
            .iter()
            .map(|c| (c.contacted as f64, c.profit))
            .collect();
        let be = self.economics.break_even();
        let (lo, hi) = by_t
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (_, y)| {
                (a.min(*y), b.max(*y))
            });
        line_chart(
            "Expected campaign profit of the honest model (out-of-fold probabilities)",
            vec![
                line_panel(
                    "profit by threshold",
                    "contact when p ≥ threshold",
                    "profit (MU)",
                    vec![
                        ("profit".into(), by_t),
                        (
                            format!("break-even p = 3/11 = {be:.3}"),
                            vec![(be, lo), (be, hi)],
                        ),
                    ],
                ),
                line_panel(
                    "profit by campaign size",
                    "customers contacted (best first)",
                    "profit (MU)",
                    vec![("profit".into(), by_n)],
                ),
            ],
        )
        .with_panel_size(520, 400)
    }

    /// Cumulative gains and lift by decile of the honest model's ranking.
    pub fn gains_table(&self) -> Table {
        let rows = gains(&self.truth, &self.probabilities(), 10)
            .iter()
            .map(|d| {
                vec![
                    d.decile.to_string(),
                    d.customers.to_string(),
                    d.responders.to_string(),
                    format!("{:.1} %", 100.0 * d.gain),
                    format!("{:.2}", d.lift),
                    format!("{:.2}", d.cumulative_lift),
                ]
            })
            .collect();
        Table::new(
            ["decile", "customers", "responders", "cumulative gain", "lift", "cumulative lift"].iter().map(|s| s.to_string()).collect(),
            rows,
        )
        .with_caption("Gains and lift: customers ranked by the honest model's out-of-fold probability, in tenths")
    }

    /// Cumulative gains and lift charts.
    pub fn gains_chart(&self) -> Chart {
        let g = gains(&self.truth, &self.probabilities(), 10);
        let gain: Vec<(f64, f64)> = std::iter::once((0.0, 0.0))
            .chain(g.iter().map(|d| (d.decile as f64 * 10.0, 100.0 * d.gain)))
            .collect();
        let lift: Vec<(f64, f64)> = g
            .iter()
            .map(|d| (d.decile as f64 * 10.0, d.cumulative_lift))
            .collect();
        line_chart(
            "Cumulative gains and lift of the honest model",
            vec![
                line_panel(
                    "cumulative gains",
                    "% of customers contacted",
                    "% of responders found",
                    vec![
                        ("model".into(), gain),
                        ("random".into(), vec![(0.0, 0.0), (100.0, 100.0)]),
                    ],
                ),
                line_panel(
                    "cumulative lift",
                    "% of customers contacted",
                    "lift",
                    vec![
                        ("model".into(), lift),
                        ("random".into(), vec![(10.0, 1.0), (100.0, 1.0)]),
                    ],
                ),
            ],
        )
        .with_panel_size(480, 380)
    }

    /// Chart files of this stage.
    pub fn figures(&self) -> Vec<(String, Chart)> {
        vec![
            ("09_reliability".into(), self.reliability_chart()),
            ("09_profit".into(), self.profit_chart()),
            ("09_gains_lift".into(), self.gains_chart()),
        ]
    }
}
