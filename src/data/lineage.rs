//! The silver layer's lineage record (`03_silver/lineage.json`): every cleaning step with its
//! rule and rows in and out, and the bounds of each outlier filter.

use crate::ml::stats::OutlierBounds;
use crate::report::table::{fmt_num, Table};
use serde::{Deserialize, Serialize};

// The lineage's steps, as both engines record them.
pub const STEP_READ: &str = "read bronze";
pub const RULE_READ: &str = "the typed raw table";
pub const STEP_MISSING_INCOME: &str = "missing Income";
pub const RULE_MISSING_INCOME: &str = "drop rows whose Income is missing";
pub const STEP_FEATURES: &str = "features";
/// The columns whose IQR outliers are dropped, in order.
pub const OUTLIER_COLUMNS: [&str; 2] = ["Age", "Income"];
pub const STEP_SELECT: &str = "select columns";
pub const RULE_SELECT: &str = "drop ID, constants Z_CostContact/Z_Revenue and helper columns; keep the 22 silver columns in order";
/// The raw constants the wide silver table leaves out.
pub const CONSTANT_COLUMNS: [&str; 2] = ["Z_CostContact", "Z_Revenue"];

/// The lineage step of `column`'s outliers.
pub fn outlier_step(column: &str) -> String {
    format!("{column} outliers")
}

/// The lineage rule of an outlier filter, with its bounds.
pub fn outlier_rule(b: &OutlierBounds) -> String {
    format!(
        "keep {lower} ≤ {column} ≤ {upper} (Q1 {q1}, Q3 {q3}, whisker {whisker}·IQR, quartiles on {rows} rows)",
        column = b.column,
        lower = b.lower,
        upper = b.upper,
        q1 = b.q1,
        q3 = b.q3,
        rows = b.rows,
        whisker = crate::ml::stats::IQR_WHISKER
    )
}

/// One cleaning step: its rule and the rows before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub step: String,
    pub rule: String,
    pub rows_in: usize,
    pub rows_out: usize,
    /// Responders (Response = 1) left after the step.
    pub responders_out: usize,
}

impl Step {
    /// Step `step` by `rule`, from `before` to `after` (rows, responders).
    pub fn new(step: &str, rule: String, before: (usize, usize), after: (usize, usize)) -> Self {
        Self {
            step: step.to_string(),
            rule,
            rows_in: before.0,
            rows_out: after.0,
            responders_out: after.1,
        }
    }
}

/// Lineage of the silver layer: where it came from and what every step did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lineage {
    /// Bronze file the silver layer was built from (relative to the data directory).
    pub source: String,
    /// Reference date: the latest enrolment date among customers with a known income.
    pub reference_date: String,
    pub steps: Vec<Step>,
    pub outliers: Vec<OutlierBounds>,
    pub columns: Vec<String>,
}

impl Lineage {
    /// Every step with its rule and row counts.
    pub fn steps_table(&self) -> Table {
        let rows = self
            .steps
            .iter()
            .map(|s| {
                vec![
                    s.step.clone(),
                    s.rows_in.to_string(),
                    s.rows_out.to_string(),
                    (s.rows_in as i64 - s.rows_out as i64).to_string(),
                    s.responders_out.to_string(),
                    s.rule.clone(),
                ]
            })
            .collect();
        Table::new(
            [
                "step",
                "rows in",
                "rows out",
                "removed",
                "responders",
                "rule",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            rows,
        )
        .with_caption(format!(
            "Silver lineage (reference date {})",
            self.reference_date
        ))
    }

    /// The IQR bounds of each outlier filter.
    pub fn outliers_table(&self) -> Table {
        let rows = self
            .outliers
            .iter()
            .map(|b| {
                vec![
                    b.column.clone(),
                    b.rows.to_string(),
                    fmt_num(b.q1),
                    fmt_num(b.q3),
                    fmt_num(b.lower),
                    fmt_num(b.upper),
                    b.removed.to_string(),
                    b.removed_values
                        .iter()
                        .map(|v| fmt_num(*v))
                        .collect::<Vec<_>>()
                        .join(", "),
                ]
            })
            .collect();
        Table::new(
            [
                "column",
                "rows",
                "Q1",
                "Q3",
                "lower",
                "upper",
                "removed",
                "removed values",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            rows,
        )
        .with_caption("Tukey IQR outlier bounds, applied in order")
    }
}

impl Lineage {
    /// Rows and responders of the silver table (its class balance).
    pub fn class_balance(&self) -> Table {
        let last = self.steps.last();
        let (rows, pos) = last
            .map(|s| (s.rows_out, s.responders_out))
            .unwrap_or((0, 0));
        let share = |n: usize| fmt_num((1000.0 * n as f64 / rows.max(1) as f64).round() / 10.0);
        Table::new(
            ["Response", "customers", "%"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            vec![
                vec![
                    "0 (did not accept)".into(),
                    (rows - pos).to_string(),
                    share(rows - pos),
                ],
                vec!["1 (accepted)".into(), pos.to_string(), share(pos)],
            ],
        )
        .with_caption("Class balance of the silver layer")
    }
}
