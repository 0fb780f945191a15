//! What the stage recommends: permutation importance of the honest model, the plan for the next
//! campaign with a bootstrap interval of its profit, a business summary, and the gold tables.

use super::{feature_names, honest_candidates, honest_spec, Customers, Targeting, FOLDS};
use crate::config::StudyConfig;
use crate::error::{PolarsContext, Result};
use crate::ml::classifier::{cv_folds, FittedPipeline};
use crate::ml::profit::profit_curve;
use crate::report::table::{Note, Table};
use polars::prelude::*;
use rand_xoshiro::rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;

impl Targeting {
    /// Permutation importance of the honest model's input columns: the drop in validation ROC
    /// AUC when one column is shuffled, over the outer folds of the first repeat
    /// (mean and the range of the folds).
    pub fn importance(&self, config: &StudyConfig) -> Result<Vec<(String, f64, f64, f64)>> {
        let customers = Customers::load(config)?;
        let data = &customers.data;
        let spec = honest_spec(honest_candidates()[self.chosen].clone());
        let rows: Vec<usize> = (0..data.y.len()).collect();
        let mut rng = Xoshiro256Plus::seed_from_u64(config.seed);
        let names = feature_names();
        let mut drops: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
        for (train, valid) in cv_folds(data, &rows, FOLDS, config.seed) {
            let fitted = FittedPipeline::fit_rows(&spec, &data.x, &data.y, &train, config.seed)?;
            let xv = data.x.take(&valid);
            let yv = data.labels(&valid);
            let base = crate::ml::metrics::roc_auc(&yv, &fitted.scores(&xv)?).unwrap_or(f64::NAN);
            for (j, name) in names.iter().enumerate() {
                let perm = crate::ml::resampling::permutation(&mut rng, valid.len());
                let mut xp = xv.clone();
                for (_, c) in xp.0.iter_mut().filter(|(n, _)| n == name) {
                    *c = c.take(&perm);
                }
                drops[j].push(
                    base - crate::ml::metrics::roc_auc(&yv, &fitted.scores(&xp)?)
                        .unwrap_or(f64::NAN),
                );
            }
        }
        let mut out: Vec<(String, f64, f64, f64)> = names
            .iter()
            .zip(drops)
            .map(|(n, d)| {
                let m = d.iter().sum::<f64>() / d.len().max(1) as f64;
                let lo = d.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = d.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                (n.to_string(), m, lo, hi)
            })
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1));
        Ok(out)
    }

    /// The importance as a table.
    pub fn importance_table(&self, config: &StudyConfig) -> Result<Table> {
        let rows = self
            .importance(config)?
            .into_iter()
            .map(|(n, m, lo, hi)| vec![n, format!("{m:+.4}"), format!("[{lo:+.4}, {hi:+.4}]")])
            .collect();
        Ok(Table::new(
            vec![
                "input column".into(),
                "ROC AUC drop (mean of 5 folds)".into(),
                "range over the folds".into(),
            ],
            rows,
        )
        .with_caption(format!(
            "Permutation importance of the honest model ({})",
            self.candidates[self.chosen].name
        )))
    }
}

/// The plan for the next campaign.
impl Targeting {
    /// Who to contact in the next campaign: every customer whose calibrated out-of-fold
    /// probability reaches the plan's threshold, best first, with the expected value of the
    /// contact (11·p − 3).
    pub fn plan(&self) -> Vec<(i64, f64, f64)> {
        let t = self.plan_threshold();
        let mut v: Vec<(i64, f64, f64)> = self
            .ids
            .iter()
            .zip(self.probabilities())
            .filter(|(_, p)| *p >= t)
            .map(|(id, p)| (*id, p, self.economics.revenue * p - self.economics.cost))
            .collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }

    /// Bootstrap over customers (1,000 resamples) of the plan's realised profit on the pilot's
    /// outcomes: (2.5 %, 97.5 %) quantiles, for the plan's policy applied to a customer base
    /// like this one.
    pub fn plan_interval(&self, seed: u64) -> (f64, f64) {
        let t = self.plan_threshold();
        let p = self.probabilities();
        let n = self.n();
        let mut rng = Xoshiro256Plus::seed_from_u64(seed);
        let mut profits: Vec<f64> = (0..1000)
            .map(|_| {
                let (mut c, mut r) = (0, 0);
                for _ in 0..n {
                    let i = crate::ml::resampling::index_below(&mut rng, n);
                    if p[i] >= t {
                        c += 1;
                        r += usize::from(self.truth[i] == 1);
                    }
                }
                self.economics.profit(c, r)
            })
            .collect();
        profits.sort_by(f64::total_cmp);
        (profits[25], profits[974])
    }

    /// The plan as a table (the first `n` customers).
    pub fn plan_table(&self, n: usize) -> Table {
        let plan = self.plan();
        let rows = plan
            .iter()
            .take(n)
            .map(|(id, p, ev)| vec![id.to_string(), format!("{p:.3}"), format!("{ev:+.2}")])
            .collect();
        Table::new(vec!["customer ID".into(), "probability".into(), "expected value (MU)".into()], rows).with_caption(format!(
            "The next campaign: {} customers with p ≥ {:.3} (first {n} shown; all in 04_gold/campaign_plan.csv)",
            plan.len(),
            self.plan_threshold()
        ))
    }

    /// Responders among the planned contacts, on the pilot's outcomes (in-sample: these customers
    /// were scored out of fold, but the plan's threshold is the economics', not fitted to them).
    pub fn plan_responders(&self) -> usize {
        let t = self.plan_threshold();
        self.probabilities()
            .iter()
            .zip(&self.truth)
            .filter(|(p, y)| **p >= t && **y == 1)
            .count()
    }

    /// Planned contacts that share their profile with another planned contact (copies of one
    /// customer in the data, contacted twice).
    pub fn plan_copies(&self) -> usize {
        let t = self.plan_threshold();
        let p = self.probabilities();
        let mut count = std::collections::HashMap::new();
        for (g, p) in self.profiles.iter().zip(&p) {
            if *p >= t {
                *count.entry(*g).or_insert(0usize) += 1;
            }
        }
        count.values().filter(|c| **c > 1).sum()
    }

    /// The trade the plan declines: customers between the median fold threshold and break-even
    /// (contacted by the fold-chosen policy, not by the plan): how many, their expected value by
    /// the model, and the responders among them on the pilot's outcomes.
    pub fn below_break_even(&self) -> Table {
        let (lo, hi) = (self.fold_threshold(), self.plan_threshold());
        let (mut n, mut ev, mut resp) = (0usize, 0.0, 0usize);
        for (p, y) in self.probabilities().iter().zip(&self.truth) {
            if *p >= lo && *p < hi {
                n += 1;
                ev += self.economics.revenue * p - self.economics.cost;
                resp += usize::from(*y == 1);
            }
        }
        let realised = self.economics.profit(n, resp);
        Table::new(
            ["probability", "customers", "expected value (MU)", "responders on the pilot", "realised (MU)"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            vec![vec![
                format!("{lo:.3} ≤ p < {hi:.3}"),
                n.to_string(),
                format!("{ev:+.1}"),
                resp.to_string(),
                format!("{realised:+.0}"),
            ]],
        )
        .with_caption("Customers between the median threshold chosen inside the folds and break-even: not in the plan")
    }

    /// What happens to the customers the cleaning dropped: they have no probability, so the plan
    /// neither contacts nor excludes them on evidence.
    pub fn dropped_note(&self, config: &StudyConfig) -> Result<Note> {
        let lineage = crate::data::layers::read_lineage(config)?;
        let removed: Vec<String> = lineage
            .steps
            .iter()
            .filter(|s| s.rows_in > s.rows_out)
            .map(|s| format!("{} ({})", s.rows_in - s.rows_out, s.step))
            .collect();
        let first = lineage.steps.first().map_or(0, |s| s.rows_in);
        let last = lineage.steps.last().map_or(0, |s| s.rows_out);
        Ok(Note(vec![format!(
            "The cleaning kept {last} of {first} customers; the other {}: {}. They have no probability, so the plan neither contacts nor excludes them on evidence: verify or collect their income and birth year, then score them, or decide for them by hand.",
            first - last,
            removed.join(", ")
        )]))
    }

    /// A short business summary written from the numbers.
    pub fn summary(&self, seed: u64) -> Note {
        let plan = self.plan();
        let expected: f64 = plan.iter().map(|r| r.2).sum();
        let (lo, hi) = self.plan_interval(seed);
        let inside = &self.policies[3];
        let (pr, _) = inside.mean(|x| x.profit);
        let (c, _) = inside.mean(|x| x.contacted as f64);
        let (orig, _) = self.policies[1].mean(|x| x.profit);
        let all = self.policies[0].per_repeat[0].profit;
        let (auc, ap) = {
            let (m, _) = self.grouped.summary();
            (m.roc_auc, m.average_precision)
        };
        let random_auc = self.candidates[self.chosen].summary().0.roc_auc;
        Note(vec![
            format!(
                "Contacting every customer, as the pilot did, loses money: {all:.0} MU on these {} customers (the pilot lost 3,046 MU on 2,240). A contact pays only when the customer's chance of responding exceeds 3/11 = 27 %.",
                self.n()
            ),
            format!(
                "The honest model ({}; ROC AUC {auc:.3}, average precision {ap:.3} in repeated cross-validation with the copies of a customer kept in one fold, {random_auc:.3} ROC AUC when copies may straddle folds; no target leakage) ranks customers well enough to target. With its {} probabilities and a threshold chosen inside each training fold, it would have contacted about {c:.0} customers and made {pr:.0} MU on customers it had not seen, against {orig:.0} MU for the original's model at its default threshold.",
                self.candidates[self.chosen].name,
                self.calibration.name()
            ),
            format!(
                "For the sixth campaign: contact the {} customers whose probability reaches break-even, {:.3}; each has a positive expected value. The model expects {expected:.0} MU from them; on the pilot's outcomes {} of the {} responders are among them; the same policy on resamples of this customer base gives between {lo:.0} and {hi:.0} MU (95 % bootstrap interval). There is no control group in the data, so this is a forecast of response, not of uplift: some of these customers would have bought anyway.",
                plan.len(),
                self.plan_threshold(),
                self.plan_responders(),
                self.truth.iter().filter(|y| **y == 1).count()
            ),
        ])
    }
}

/// The gold tables of the stage.
impl Targeting {
    /// Gold tables: out-of-fold predictions, the profit curve and the plan.
    pub fn write_gold(&self, config: &StudyConfig) -> Result<()> {
        let p = self.probabilities();
        let mut cols = vec![
            polars::prelude::Column::new("ID".into(), self.ids.clone()),
            polars::prelude::Column::new(
                "Response".into(),
                self.truth.iter().map(|v| *v as i64).collect::<Vec<_>>(),
            ),
            polars::prelude::Column::new("honest_probability".into(), p.clone()),
        ];
        for r in &self.leaderboard {
            cols.push(polars::prelude::Column::new(
                r.name.as_str().into(),
                r.oof_mean(),
            ));
        }
        let mut oof = DataFrame::new_infer_height(cols)
            .ctx(|| "building the out-of-fold table".to_string())?;
        crate::io::write_csv(&mut oof, &config.gold_oof_predictions())?;
        let curve = profit_curve(&self.truth, &p, &self.economics);
        let mut pc = DataFrame::new_infer_height(vec![
            polars::prelude::Column::new(
                "threshold".into(),
                curve.iter().map(|c| c.threshold).collect::<Vec<_>>(),
            ),
            polars::prelude::Column::new(
                "contacted".into(),
                curve.iter().map(|c| c.contacted as i64).collect::<Vec<_>>(),
            ),
            polars::prelude::Column::new(
                "responders".into(),
                curve
                    .iter()
                    .map(|c| c.responders as i64)
                    .collect::<Vec<_>>(),
            ),
            polars::prelude::Column::new(
                "profit".into(),
                curve.iter().map(|c| c.profit).collect::<Vec<_>>(),
            ),
        ])
        .ctx(|| "building the profit curve".to_string())?;
        crate::io::write_csv(&mut pc, &config.gold_profit_curve())?;
        let plan = self.plan();
        let mut pl = DataFrame::new_infer_height(vec![
            polars::prelude::Column::new("ID".into(), plan.iter().map(|r| r.0).collect::<Vec<_>>()),
            polars::prelude::Column::new(
                "probability".into(),
                plan.iter().map(|r| r.1).collect::<Vec<_>>(),
            ),
            polars::prelude::Column::new(
                "expected_value".into(),
                plan.iter().map(|r| r.2).collect::<Vec<_>>(),
            ),
        ])
        .ctx(|| "building the campaign plan".to_string())?;
        crate::io::write_csv(&mut pl, &config.gold_campaign_plan())
    }
}
