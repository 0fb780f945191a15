//! Row rules ([`RowExpr`]) as Spark Connect columns: the same trees the polars engine compiles
//! with [`RowExpr::to_polars`], with Spark's functions chosen to give polars' values (integer
//! literals as 64-bit, integer division rounding down, text to number only for the texts
//! [`parse_pattern`] accepts, dates in `yyyy-MM-dd` or missing).

use crate::data::expr::{parse_pattern, BinaryOp, RowExpr, SPARK_DATE_FORMAT};
use crate::data::schema::RawType;
use crate::data::validation::Check;
use spark_connect::functions as f;
use spark_connect::{col, lit, lit_double, lit_string, Column, DataFrame};

/// The Spark column of a row rule.
pub fn to_spark(e: &RowExpr) -> Column {
    use RowExpr as R;
    match e {
        R::Column(name) => col(name),
        R::Int(v) => lit(*v).cast_str("bigint"),
        R::Float(v) => lit_double(*v),
        R::Text(v) => lit_string(v),
        R::NullText => f::expr("CAST(NULL AS STRING)"),
        R::Date(days) => f::date_from_unix_date(lit(*days as i64)),
        R::Binary(op, a, b) => {
            let (a, b) = (to_spark(a), to_spark(b));
            match op {
                BinaryOp::Add => a.add(b),
                BinaryOp::Sub => a.sub(b),
                BinaryOp::Mul => a.mul(b),
                BinaryOp::Div => a.div(b),
                // exact for every 64-bit value: subtract the non-negative remainder, then divide
                BinaryOp::FloorDiv => f::call_function(
                    "div",
                    [a.clone().sub(f::call_function("pmod", [a, b.clone()])), b],
                ),
                BinaryOp::Eq => a.eq(b),
                BinaryOp::Ne => a.ne(b),
                BinaryOp::Lt => a.lt(b),
                BinaryOp::Le => a.le(b),
                BinaryOp::Gt => a.gt(b),
                BinaryOp::Ge => a.ge(b),
                BinaryOp::And => a.and(b),
                BinaryOp::Or => a.or(b),
            }
        }
        R::Not(a) => to_spark(a).not(),
        R::IsNull(a) => to_spark(a).is_null(),
        R::Cases(branches, otherwise) => {
            let mut it = branches.iter();
            let Some((c0, v0)) = it.next() else {
                return to_spark(otherwise);
            };
            it.fold(f::when(to_spark(c0), to_spark(v0)), |acc, (c, v)| {
                acc.when(to_spark(c), to_spark(v))
            })
            .otherwise(to_spark(otherwise))
        }
        R::Parse(kind, a) => {
            let raw = to_spark(a);
            match kind {
                RawType::Int | RawType::Flag => f::when(
                    raw.clone().rlike(parse_pattern(*kind).unwrap_or_default()),
                    raw.try_cast_str("bigint"),
                ),
                RawType::Float => {
                    let x = f::when(
                        raw.clone().rlike(parse_pattern(*kind).unwrap_or_default()),
                        raw.try_cast_str("double"),
                    );
                    // finite only (1e400 reads as infinity)
                    f::when(f::abs(x.clone()).lt(lit_double(f64::INFINITY)), x)
                }
                RawType::Date => {
                    f::call_function("try_to_date", [raw, lit_string(SPARK_DATE_FORMAT)])
                }
                RawType::Text => raw,
            }
        }
        R::ToInt64(a) => to_spark(a).cast_str("bigint"),
        R::ToFloat64(a) => to_spark(a).cast_str("double"),
        R::ExpM1(a) => f::expm1(to_spark(a)),
        R::Ln1p(a) => f::log1p(to_spark(a)),
        R::Year(a) => f::year(to_spark(a)).cast_str("bigint"),
        R::Month(a) => f::month(to_spark(a)).cast_str("bigint"),
        R::Quarter(a) => f::quarter(to_spark(a)).cast_str("bigint"),
        R::EpochDays(a) => f::unix_date(to_spark(a)).cast_str("bigint"),
    }
}

/// `df` with the named row rules as columns (added or replaced, in order).
pub fn with_rules(df: &DataFrame, columns: Vec<(&str, RowExpr)>) -> DataFrame {
    df.with_columns(
        columns
            .into_iter()
            .map(|(name, rule)| (name.to_string(), to_spark(&rule)))
            .collect(),
    )
}

/// The index of a row's first failing check (the smallest), missing for a row that passes
/// every check: the polars engine's `validation::with_problems`, as one Spark column.
pub fn first_failing(checks: &[Check]) -> Column {
    f::call_function(
        "least",
        checks
            .iter()
            .enumerate()
            .map(|(i, c)| f::when(to_spark(&c.failing), lit(i as i64)))
            .collect::<Vec<_>>(),
    )
}
