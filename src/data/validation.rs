//! Checks of raw customer records, one rule list for every reader: the sourcing stage's case
//! file and the records a model scores (a file, a form, a JSON body). Records arrive as text;
//! every check is a row rule ([`RowExpr`], run by polars here and by Spark) over the text
//! columns, and [`first_problem`] finds, in one pass, the first failing check of every row (a
//! row's first problem in column order).

use crate::data::expr::{field, float, int, one_of, RowExpr};
use crate::data::schema::{RawColumn, RawType};
use polars::prelude::*;

/// The domain rule a negative count or amount breaks.
pub const NEGATIVE: &str = "negative value";
/// The domain rule a birth year after the enrolment year breaks.
pub const BORN_AFTER_ENROLMENT: &str = "born after enrolling";

/// Numeric raw columns that are not counts or amounts: every other one must be ≥ 0.
const SIGNED_COLUMNS: [&str; 2] = ["ID", "Year_Birth"];

/// One column of records to check: its type, whether it may be empty, its categories and the
/// range of values accepted (inclusive, as the text of a value of its type).
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnRule {
    pub name: String,
    pub kind: RawType,
    pub nullable: bool,
    pub categories: Vec<String>,
    pub range: Option<(String, String)>,
}

impl From<&RawColumn> for ColumnRule {
    fn from(c: &RawColumn) -> Self {
        Self {
            name: c.name.to_string(),
            kind: c.kind,
            nullable: c.nullable,
            categories: c.categories.iter().map(|s| s.to_string()).collect(),
            range: None,
        }
    }
}

/// One check: the rows where `failing` is true break it.
#[derive(Debug, Clone)]
pub struct Check {
    pub column: String,
    pub problem: &'static str,
    pub expected: String,
    /// True on the rows that break the check (a row rule both engines run).
    pub failing: RowExpr,
}

/// The typed value of a text column (non-strict: unparsable text becomes null, which the
/// "not a valid value" check reports).
pub fn typed(name: &str, kind: RawType) -> Expr {
    field(name).parse(kind).to_polars().alias(name)
}

fn expected(rule: &ColumnRule) -> String {
    if rule.categories.is_empty() {
        rule.kind.expected().to_string()
    } else {
        format!("one of {}", rule.categories.join(", "))
    }
}

fn bound(kind: RawType, text: &str) -> Option<RowExpr> {
    match kind {
        RawType::Date => iso_days(text).map(RowExpr::Date),
        RawType::Int | RawType::Flag => text.parse::<i64>().ok().map(int),
        RawType::Float => text.parse::<f64>().ok().map(float),
        RawType::Text => None,
    }
}

/// Days since 1970-01-01 of an ISO date (proleptic Gregorian), without a date crate.
pub fn iso_days(text: &str) -> Option<i32> {
    let mut it = text.splitn(3, '-');
    let (y, m, d): (i64, i64, i64) = (
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
    );
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    i32::try_from(era * 146_097 + doe - 719_468).ok()
}

/// The checks of `rules`, in the order a row's problems are reported: for each column, a value
/// of the wrong type, a missing value, an unknown category, a negative count or amount, a birth
/// year after enrolment (needs `Dt_Customer`), a flag other than 0/1, a value outside the range.
pub fn checks(rules: &[ColumnRule]) -> Vec<Check> {
    let mut out = Vec::new();
    for rule in rules {
        let name = rule.name.as_str();
        let raw = field(name);
        let parsed = raw.clone().parse(rule.kind);
        let mut push = |problem: &'static str, expected: String, failing: RowExpr| {
            out.push(Check {
                column: rule.name.clone(),
                problem,
                expected,
                failing,
            })
        };
        push(
            "not a valid value",
            expected(rule),
            raw.clone().is_not_null().and(parsed.clone().is_null()),
        );
        if !rule.nullable {
            push("missing value", expected(rule), raw.clone().is_null());
        }
        if !rule.categories.is_empty() {
            let categories: Vec<&str> = rule.categories.iter().map(String::as_str).collect();
            let known = one_of(&raw, &categories);
            push(
                "unknown category",
                expected(rule),
                raw.clone().is_not_null().and(known.not()),
            );
        }
        if matches!(rule.kind, RawType::Int | RawType::Float) && !SIGNED_COLUMNS.contains(&name) {
            push(
                NEGATIVE,
                "a value ≥ 0 (a count, an amount, a number of days or an income)".into(),
                parsed.clone().is_not_null().and(parsed.clone().lt(int(0))),
            );
        }
        if name == "Year_Birth" && rules.iter().any(|r| r.name == "Dt_Customer") {
            let enrolled = field("Dt_Customer").parse(RawType::Date).year();
            push(
                BORN_AFTER_ENROLMENT,
                "a birth year no later than the year of Dt_Customer".into(),
                parsed
                    .clone()
                    .is_not_null()
                    .and(parsed.clone().gt(enrolled)),
            );
        }
        if rule.kind == RawType::Flag {
            push(
                "not a 0/1 flag",
                expected(rule),
                parsed
                    .clone()
                    .is_not_null()
                    .and(parsed.clone().ne(int(0)).and(parsed.clone().ne(int(1)))),
            );
        }
        if let Some((lo, hi)) = &rule.range {
            if let (Some(l), Some(h)) = (bound(rule.kind, lo), bound(rule.kind, hi)) {
                push(
                    "outside the range the model was fitted on",
                    format!("a value from {lo} to {hi}: beyond it the model would extrapolate"),
                    parsed
                        .clone()
                        .is_not_null()
                        .and(parsed.clone().lt(l).or(parsed.clone().gt(h))),
                );
            }
        }
    }
    out
}

/// Name of the column [`with_problems`] adds: the index (in `checks`) of the row's first
/// failing check, null for a valid row.
pub const PROBLEM: &str = "__problem";
/// Name of the column [`with_values`] adds: the text of the value that broke the check.
pub const VALUE: &str = "__value";

/// `text` with a [`PROBLEM`] column: every row's first failing check. One flat expression (the
/// smallest failing index), not a chain of ~100 nested when/then: polars plans a deep chain in
/// time that grows with its depth squared, which dominated scoring one customer.
pub fn with_problems(text: LazyFrame, checks: &[Check]) -> LazyFrame {
    let failing: Vec<Expr> = checks
        .iter()
        .enumerate()
        .map(|(i, c)| {
            when(c.failing.to_polars())
                .then(lit(i as u32))
                .otherwise(lit(NULL).cast(DataType::UInt32))
        })
        .collect();
    let problem = match polars::lazy::dsl::min_horizontal(failing) {
        Ok(e) if !checks.is_empty() => e,
        _ => lit(NULL).cast(DataType::UInt32),
    };
    text.with_column(problem.alias(PROBLEM))
}

/// Rows with a [`PROBLEM`] given a [`VALUE`] column: the text of the value that broke it
/// (checks of one column are consecutive, so one branch per column).
pub fn with_values(bad: LazyFrame, checks: &[Check]) -> LazyFrame {
    let mut value = lit(NULL).cast(DataType::String);
    let mut i = checks.len();
    while i > 0 {
        let column = checks[i - 1].column.as_str();
        let mut first = i - 1;
        while first > 0 && checks[first - 1].column == column {
            first -= 1;
        }
        value = when(
            col(PROBLEM)
                .gt_eq(lit(first as u32))
                .and(col(PROBLEM).lt(lit(i as u32))),
        )
        .then(col(column).cast(DataType::String))
        .otherwise(value);
        i = first;
    }
    bad.with_column(value.alias(VALUE))
}

/// The first row (in `text`'s order, its `row` column) failing a check: (row, check, value).
pub fn first_problem<'a>(
    text: LazyFrame,
    checks: &'a [Check],
    row: &str,
) -> PolarsResult<Option<(u64, &'a Check, String)>> {
    let first = with_problems(text, checks)
        .filter(col(PROBLEM).is_not_null())
        .limit(1);
    let found = crate::io::collect_streaming(with_values(first, checks).select([
        col(row).cast(DataType::UInt64),
        col(PROBLEM),
        col(VALUE).fill_null(lit("")),
    ]))?; // streaming: a file is checked in batches, never held whole as text
    if found.height() == 0 {
        return Ok(None);
    }
    let r = found.column(row)?.u64()?.get(0).unwrap_or(0);
    let i = found.column(PROBLEM)?.u32()?.get(0).unwrap_or(0) as usize;
    let v = found
        .column(VALUE)?
        .str()?
        .get(0)
        .unwrap_or_default()
        .to_string();
    Ok(checks.get(i).map(|c| (r, c, v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(name: &str, kind: RawType) -> ColumnRule {
        ColumnRule {
            name: name.into(),
            kind,
            nullable: false,
            categories: vec![],
            range: None,
        }
    }

    #[test]
    fn iso_dates_count_days_from_the_epoch() {
        assert_eq!(iso_days("1970-01-01"), Some(0));
        assert_eq!(iso_days("2014-06-29"), Some(16_250));
        assert_eq!(iso_days("2000-03-01"), Some(11_017));
    }

    #[test]
    fn every_row_gets_its_first_problem_in_column_order() {
        let df = df!(
            "__row" => [0u32, 1, 2, 3],
            "Kidhome" => [Some("1"), Some("-2"), Some("x"), Some("1")],
            "Complain" => [Some("0"), Some("7"), Some("1"), None],
        )
        .unwrap();
        let rules = vec![
            rule("Kidhome", RawType::Int),
            ColumnRule {
                range: Some(("0".into(), "1".into())),
                ..rule("Complain", RawType::Flag)
            },
        ];
        let checks = checks(&rules);
        let out = with_values(with_problems(df.lazy(), &checks), &checks)
            .collect()
            .unwrap();
        let problems: Vec<Option<&str>> = out
            .column(PROBLEM)
            .unwrap()
            .u32()
            .unwrap()
            .iter()
            .map(|i| i.map(|i| checks[i as usize].problem))
            .collect();
        assert_eq!(
            problems,
            [
                None,
                Some(NEGATIVE),
                Some("not a valid value"),
                Some("missing value")
            ]
        );
        let values: Vec<Option<&str>> = out.column(VALUE).unwrap().str().unwrap().iter().collect();
        assert_eq!(values, [None, Some("-2"), Some("x"), None]);
    }

    #[test]
    fn ranges_bound_numbers_and_dates_inclusively() {
        let df = df!(
            "__row" => [0u32, 1, 2, 3],
            "Income" => ["1730", "113734", "113734.5", "1729.9"],
            "Dt_Customer" => ["2012-07-30", "2014-06-29", "2014-06-30", "2013-01-01"],
        )
        .unwrap();
        let rules = vec![
            ColumnRule {
                range: Some(("1730".into(), "113734".into())),
                ..rule("Income", RawType::Float)
            },
            ColumnRule {
                range: Some(("2012-07-30".into(), "2014-06-29".into())),
                ..rule("Dt_Customer", RawType::Date)
            },
        ];
        let checks = checks(&rules);
        let out = with_problems(df.lazy(), &checks).collect().unwrap();
        let columns: Vec<Option<&str>> = out
            .column(PROBLEM)
            .unwrap()
            .u32()
            .unwrap()
            .iter()
            .map(|i| i.map(|i| checks[i as usize].column.as_str()))
            .collect();
        assert_eq!(columns, [None, None, Some("Income"), Some("Income")]);
        let first = first_problem(
            df!("__row" => [0u32], "Income" => ["2000"], "Dt_Customer" => ["2014-07-01"])
                .unwrap()
                .lazy(),
            &checks,
            "__row",
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            (first.0, first.1.column.as_str(), first.2.as_str()),
            (0, "Dt_Customer", "2014-07-01")
        );
    }
}
