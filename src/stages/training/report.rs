//! How the training stage displays: the grids, the test evaluation and overfitting check, the
//! coefficients and importances, the curves, and the gold tables.

use super::*;

fn f4(v: f64) -> String {
    format!("{v:.4}")
}

fn metric_cells(s: &Scores) -> Vec<String> {
    s.values().iter().map(|v| f4(*v)).collect()
}

/// The grid searches.
impl Training {
    fn tunings(&self) -> [&Tuning; 2] {
        [&self.faithful, &self.leak_free]
    }

    /// Every candidate of one family's grid (faithful variant), ranked by mean CV AP.
    pub fn grid_table(&self, family: &str, leak_free: bool) -> Result<Table> {
        let t = if leak_free {
            &self.leak_free
        } else {
            &self.faithful
        };
        let g = t
            .grids
            .iter()
            .find(|g| g.family == family)
            .ok_or_else(|| StudyError::Invalid(format!("{family} was not tuned")))?;
        let mut order: Vec<usize> = (0..g.results.len()).collect();
        order.sort_by(|a, b| {
            g.results[*b]
                .mean()
                .average_precision
                .total_cmp(&g.results[*a].mean().average_precision)
        });
        let mut columns = vec!["rank".to_string(), "k".into(), "parameters".into()];
        columns.extend(METRICS.iter().map(|m| m.to_string()));
        columns.push("AP std".into());
        let rows = order
            .iter()
            .enumerate()
            .map(|(rank, &i)| {
                let e = &g.results[i];
                let mut r = vec![
                    (rank + 1).to_string(),
                    e.spec.k.to_string(),
                    e.spec.model.describe(),
                ];
                r.extend(metric_cells(&e.mean()));
                r.push(f4(e.std().average_precision));
                r
            })
            .collect();
        Ok(Table::new(columns, rows).with_caption(format!(
            "Grid search, {family}, {}: {} candidates (every one valid), mean CV metrics, ranked by average precision",
            t.variant(),
            g.results.len()
        )))
    }

    /// §7.6: the logistic regression before and after tuning, beside the original's.
    pub fn growth_table(&self) -> Table {
        let mut columns = vec!["Logistic regression".to_string()];
        columns.extend(METRICS.iter().map(|m| m.to_string()));
        let mut rows = Vec::new();
        if let Some(s) = &self.initial_lr {
            let mut r = vec!["Initial (ours)".to_string()];
            r.extend(metric_cells(s));
            rows.push(r);
        }
        let mut r = vec!["Initial (original)".to_string()];
        r.extend(metric_cells(
            &original_means("LogisticRegression").unwrap_or_default(),
        ));
        rows.push(r);
        for t in self.tunings() {
            if let Some(f) = t.final_of("LogisticRegression") {
                let mut r = vec![format!(
                    "Tuned, {} ({})",
                    t.variant(),
                    f.pipeline.spec.model.describe() + &format!(", k {}", f.pipeline.spec.k)
                )];
                r.extend(metric_cells(&f.cv));
                rows.push(r);
            }
        }
        let mut r = vec!["Tuned (original: k 25, C 1000, l2, saga)".to_string()];
        r.extend(metric_cells(&Scores::from_values(ORIGINAL_TUNED_CV)));
        rows.push(r);
        Table::new(columns, rows)
            .with_caption("Mean CV metrics of logistic regression before and after tuning")
    }
}

/// The test evaluation and the overfitting check.
impl Training {
    /// Test-split evaluation of every tuned model, both variants, beside the original's.
    pub fn test_table(&self) -> Table {
        let mut columns = vec![
            "variant".to_string(),
            "model".into(),
            "k".into(),
            "TN".into(),
            "FP".into(),
            "FN".into(),
            "TP".into(),
        ];
        columns.extend(METRICS.iter().map(|m| m.to_string()));
        let mut rows = Vec::new();
        for t in self.tunings() {
            for (i, f) in t.finals.iter().enumerate() {
                let c = f.confusion;
                let mark = if i == t.chosen { " (final)" } else { "" };
                let mut r = vec![
                    t.variant().to_string(),
                    format!("{}{mark}", f.name()),
                    f.pipeline.spec.k.to_string(),
                    c.tn.to_string(),
                    c.fp.to_string(),
                    c.fn_.to_string(),
                    c.tp.to_string(),
                ];
                r.extend(metric_cells(&f.test));
                rows.push(r);
            }
        }
        let o = ORIGINAL_TEST_CONFUSION;
        let mut r = vec![
            "original".to_string(),
            "LogisticRegression (tuned)".into(),
            "25".into(),
            o[0].to_string(),
            o[1].to_string(),
            o[2].to_string(),
            o[3].to_string(),
        ];
        r.extend(metric_cells(&Scores::from_values(ORIGINAL_TEST)));
        rows.push(r);
        Table::new(columns, rows)
            .with_caption("Evaluation on the 441 held-out test rows (default threshold)")
    }

    /// Train vs CV vs test of the final models (§7.8), with the verdicts.
    pub fn fit_table(&self) -> Table {
        let mut columns = vec!["variant".to_string(), "model".into(), "rows".into()];
        columns.extend(METRICS.iter().map(|m| m.to_string()));
        let mut rows = Vec::new();
        for t in self.tunings() {
            let f = t.chosen();
            for (set, s) in [
                ("training rows (refit)", &f.train),
                ("CV mean (validation folds)", &f.cv),
                ("test rows", &f.test),
            ] {
                let mut r = vec![
                    t.variant().to_string(),
                    f.name().to_string(),
                    set.to_string(),
                ];
                r.extend(metric_cells(s));
                rows.push(r);
            }
        }
        Table::new(columns, rows).with_caption(format!(
            "Over/under-fitting check. Faithful: {} Leak-free: {}",
            self.faithful.chosen().verdict(),
            self.leak_free.chosen().verdict()
        ))
    }
}

/// What drives the final models.
impl Training {
    /// Coefficients of the tuned logistic regression on its selected (scaled) features.
    pub fn coefficients_table(&self, leak_free: bool) -> Result<Table> {
        let t = if leak_free {
            &self.leak_free
        } else {
            &self.faithful
        };
        let f = t
            .final_of("LogisticRegression")
            .ok_or_else(|| StudyError::Invalid("logistic regression was not tuned".into()))?;
        let FittedModel::LogisticRegression(lr) = &f.pipeline.model else {
            return Err(StudyError::Invalid("not a logistic regression".into()));
        };
        let mut rows: Vec<(String, f64)> = f
            .pipeline
            .feature_names()
            .into_iter()
            .zip(lr.coef.iter().copied())
            .collect();
        rows.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        let mut out: Vec<Vec<String>> = rows
            .into_iter()
            .map(|(n, c)| vec![n, format!("{c:+.3}"), format!("{:.2}", c.exp())])
            .collect();
        out.push(vec![
            "(intercept)".into(),
            format!("{:+.3}", lr.intercept),
            String::new(),
        ]);
        Ok(Table::new(
            vec!["feature".into(), "coefficient".into(), "odds ratio per unit".into()],
            out,
        )
        .with_caption(format!(
            "Tuned logistic regression, {}: coefficients by magnitude (inputs one-hot, standardised, Yeo-Johnson or min-max scaled)",
            t.variant()
        )))
    }

    /// Permutation importance of the final model on the test rows (ROC AUC drop, 20 repeats).
    pub fn importance(&self, leak_free: bool, seed: u64) -> Result<Vec<(String, f64, f64)>> {
        let t = if leak_free {
            &self.leak_free
        } else {
            &self.faithful
        };
        let f = t.chosen();
        Ok(permutation_importance(
            &f.pipeline.model,
            &f.test_features,
            &f.test_truth,
            &f.pipeline.feature_names(),
            20,
            seed,
        )?)
    }

    /// Importance as a table.
    pub fn importance_table(&self, leak_free: bool, seed: u64) -> Result<Table> {
        let t = if leak_free {
            &self.leak_free
        } else {
            &self.faithful
        };
        let rows = self
            .importance(leak_free, seed)?
            .into_iter()
            .map(|(n, m, s)| vec![n, format!("{m:+.4}"), format!("{s:.4}")])
            .collect();
        Ok(Table::new(
            vec![
                "feature".into(),
                "ROC AUC drop (mean)".into(),
                "std (20 shuffles)".into(),
            ],
            rows,
        )
        .with_caption(format!(
            "Permutation importance of the final {} model ({}) on the test rows",
            t.variant(),
            t.chosen().name()
        )))
    }
}

/// Charts.
impl Training {
    /// ROC and precision-recall curves of both final models on the test rows.
    pub fn curves_chart(&self) -> Chart {
        let mut roc = Vec::new();
        let mut pr = Vec::new();
        for t in self.tunings() {
            let f = t.chosen();
            let label = format!(
                "{} {} (AUC {:.3}, AP {:.3})",
                t.variant(),
                f.name(),
                f.test.roc_auc,
                f.test.average_precision
            );
            roc.push((label.clone(), roc_curve(&f.test_truth, &f.test_scores)));
            pr.push((label, precision_recall_curve(&f.test_truth, &f.test_scores)));
        }
        let truth = &self.faithful.chosen().test_truth;
        let base = truth.iter().filter(|t| **t == 1).count() as f64 / truth.len().max(1) as f64;
        roc.push(("chance".into(), vec![(0.0, 0.0), (1.0, 1.0)]));
        pr.push((
            format!("base rate {base:.3}"),
            vec![(0.0, base), (1.0, base)],
        ));
        line_chart(
            "Final models on the 441 test rows",
            vec![
                line_panel(
                    "ROC curve",
                    "false positive rate",
                    "true positive rate",
                    roc,
                ),
                line_panel("Precision-recall curve", "recall", "precision", pr),
            ],
        )
        .with_panel_size(520, 420)
    }

    /// Bars of the permutation importance of the final faithful model.
    pub fn importance_chart(&self, leak_free: bool, seed: u64) -> Result<Chart> {
        let imp = self.importance(leak_free, seed)?;
        let t = if leak_free {
            &self.leak_free
        } else {
            &self.faithful
        };
        let h = 60 + 22 * imp.len() as u32;
        Ok(Chart::single(
            "Permutation importance on the test rows",
            Panel {
                title: format!(
                    "{} {}: ROC AUC drop when shuffled",
                    t.variant(),
                    t.chosen().name()
                ),
                x_label: "ROC AUC drop".into(),
                y_label: String::new(),
                kind: PanelKind::Bars {
                    labels: imp.iter().map(|r| r.0.clone()).collect(),
                    values: imp.iter().map(|r| r.1).collect(),
                    annotate: true,
                    diverging: true,
                },
            },
        )
        .with_panel_size(760, h))
    }

    /// Chart files of this stage.
    pub fn figures(&self, seed: u64) -> Result<Vec<(String, Chart)>> {
        Ok(vec![
            ("08_test_curves".into(), self.curves_chart()),
            (
                "08_permutation_importance".into(),
                self.importance_chart(false, seed)?,
            ),
            (
                "08_permutation_importance_leak_free".into(),
                self.importance_chart(true, seed)?,
            ),
        ])
    }
}

/// The gold tables of the stage.
impl Training {
    /// Gold table of every grid candidate: variant, model, k, parameters, mean CV metrics.
    pub fn grid_frame(&self) -> Result<DataFrame> {
        let mut v = (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            vec![Vec::new(); 5],
        );
        for t in self.tunings() {
            for g in &t.grids {
                for e in &g.results {
                    v.0.push(t.variant().to_string());
                    v.1.push(g.family.clone());
                    v.2.push(e.spec.k as i64);
                    v.3.push(e.spec.model.describe());
                    for (col, x) in v.4.iter_mut().zip(e.mean().values()) {
                        col.push(x);
                    }
                }
            }
        }
        let mut cols = vec![
            Column::new("Variant".into(), v.0),
            Column::new("Model".into(), v.1),
            Column::new("k".into(), v.2),
            Column::new("Parameters".into(), v.3),
        ];
        for (m, col) in METRICS.iter().zip(v.4) {
            cols.push(Column::new((*m).into(), col));
        }
        Ok(DataFrame::new_infer_height(cols).ctx(|| "building the grid table".to_string())?)
    }

    /// Gold table of the final models: variant, model, set (train / cv / test), metrics.
    pub fn final_frame(&self) -> Result<DataFrame> {
        let mut v = (Vec::new(), Vec::new(), Vec::new(), vec![Vec::new(); 5]);
        for t in self.tunings() {
            for f in &t.finals {
                for (set, s) in [("train", &f.train), ("cv", &f.cv), ("test", &f.test)] {
                    v.0.push(t.variant().to_string());
                    v.1.push(f.name().to_string());
                    v.2.push(set.to_string());
                    for (col, x) in v.3.iter_mut().zip(s.values()) {
                        col.push(x);
                    }
                }
            }
        }
        let mut cols = vec![
            Column::new("Variant".into(), v.0),
            Column::new("Model".into(), v.1),
            Column::new("Set".into(), v.2),
        ];
        for (m, col) in METRICS.iter().zip(v.3) {
            cols.push(Column::new((*m).into(), col));
        }
        Ok(DataFrame::new_infer_height(cols)
            .ctx(|| "building the final-metrics table".to_string())?)
    }
}
