//! One description of the study's row rules, executed by both engines: the raw checks and types
//! (`validation`), the cleaning filters (`processing`) and the derived features (`rules`) are
//! written once as [`RowExpr`] trees; [`RowExpr::to_polars`] compiles a tree to a polars
//! expression and `crate::spark` compiles the same tree to a Spark Connect column. Neither engine
//! can then run a rule the other does not, and where the engines' own functions differ (text to
//! number, integer division, null literals) the difference is settled here, once, for every rule
//! (README, "Spark"). Hand-written: neither polars nor the Spark client has an engine-neutral
//! expression type, and their SQL dialects differ in exactly those casts and divisions.

use crate::data::schema::RawType;
use polars::prelude::*;

/// A value of a row, computed from the row's columns.
#[derive(Debug, Clone, PartialEq)]
pub enum RowExpr {
    Column(String),
    Int(i64),
    Float(f64),
    Text(String),
    /// A missing text value.
    NullText,
    /// A date literal: days since 1970-01-01.
    Date(i32),
    Binary(BinaryOp, Box<RowExpr>, Box<RowExpr>),
    Not(Box<RowExpr>),
    IsNull(Box<RowExpr>),
    /// The first branch whose condition holds gives the value, else `otherwise`.
    Cases(Vec<(RowExpr, RowExpr)>, Box<RowExpr>),
    /// A text value read as a value of its raw type; missing when the text is not one
    /// (see [`parse_pattern`] for what a whole number and a real number look like).
    Parse(RawType, Box<RowExpr>),
    /// A whole number or a flag (true/false) as a 64-bit integer.
    ToInt64(Box<RowExpr>),
    /// A number as a 64-bit float.
    ToFloat64(Box<RowExpr>),
    /// e^x − 1 and ln(1 + x), of floats.
    ExpM1(Box<RowExpr>),
    Ln1p(Box<RowExpr>),
    /// Calendar parts of a date, as 64-bit integers.
    Year(Box<RowExpr>),
    Month(Box<RowExpr>),
    Quarter(Box<RowExpr>),
    /// A date as days since 1970-01-01 (64-bit).
    EpochDays(Box<RowExpr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    /// Division of floats.
    Div,
    /// Integer division rounding down (towards −∞).
    FloorDiv,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

/// The column `name`.
pub fn field(name: &str) -> RowExpr {
    RowExpr::Column(name.to_string())
}
pub fn int(v: i64) -> RowExpr {
    RowExpr::Int(v)
}
pub fn float(v: f64) -> RowExpr {
    RowExpr::Float(v)
}
pub fn text(v: &str) -> RowExpr {
    RowExpr::Text(v.to_string())
}
/// `branches` in order, then `otherwise`.
pub fn cases(branches: Vec<(RowExpr, RowExpr)>, otherwise: RowExpr) -> RowExpr {
    RowExpr::Cases(branches, Box::new(otherwise))
}
/// The sum of columns, left to right.
pub fn sum_of(columns: &[&str]) -> RowExpr {
    columns
        .iter()
        .map(|c| field(c))
        .reduce(|a, b| a.add(b))
        .expect("non-empty")
}
/// Whether `value` equals one of `values` (missing for a missing value, as `=`).
pub fn one_of(value: &RowExpr, values: &[&str]) -> RowExpr {
    values
        .iter()
        .map(|v| value.clone().eq(text(v)))
        .reduce(|a, b| a.or(b))
        .expect("non-empty")
}

/// The text patterns a whole number (`Int`, `Flag`) and a real number (`Float`) must match to
/// parse: what polars' text → number cast accepts, written out so that Spark (whose cast also
/// trims blanks and takes `1.5` or `1e3` as whole numbers) accepts exactly the same texts. A
/// real number must also be finite in both engines: `NaN`, `inf` or `1e400`, which polars' cast
/// reads, are not a valid income.
pub fn parse_pattern(kind: RawType) -> Option<&'static str> {
    match kind {
        RawType::Int | RawType::Flag => Some(r"^[+-]?[0-9]+$"),
        RawType::Float => Some(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"),
        RawType::Text | RawType::Date => None,
    }
}

/// The date format of the raw files (`YYYY-MM-DD`), as chrono/polars and as Spark write it. A
/// date parses only from its own text in this format (the parsed date written back must give
/// the text): chrono also reads `2012-9-4`, ` 2012-09-04` or `12-09-04`, Spark does not.
pub const DATE_FORMAT: &str = "%Y-%m-%d";
pub const SPARK_DATE_FORMAT: &str = "yyyy-MM-dd";

impl RowExpr {
    fn binary(self, op: BinaryOp, other: RowExpr) -> RowExpr {
        RowExpr::Binary(op, Box::new(self), Box::new(other))
    }
    #[allow(clippy::should_implement_trait)]
    pub fn add(self, o: RowExpr) -> RowExpr {
        self.binary(BinaryOp::Add, o)
    }
    #[allow(clippy::should_implement_trait)]
    pub fn sub(self, o: RowExpr) -> RowExpr {
        self.binary(BinaryOp::Sub, o)
    }
    #[allow(clippy::should_implement_trait)]
    pub fn mul(self, o: RowExpr) -> RowExpr {
        self.binary(BinaryOp::Mul, o)
    }
    #[allow(clippy::should_implement_trait)]
    pub fn div(self, o: RowExpr) -> RowExpr {
        self.binary(BinaryOp::Div, o)
    }
    pub fn to_float64(self) -> RowExpr {
        RowExpr::ToFloat64(Box::new(self))
    }
    pub fn exp_m1(self) -> RowExpr {
        RowExpr::ExpM1(Box::new(self))
    }
    pub fn ln_1p(self) -> RowExpr {
        RowExpr::Ln1p(Box::new(self))
    }
    pub fn floor_div(self, o: RowExpr) -> RowExpr {
        self.binary(BinaryOp::FloorDiv, o)
    }
    #[allow(clippy::should_implement_trait)]
    pub fn eq(self, o: RowExpr) -> RowExpr {
        self.binary(BinaryOp::Eq, o)
    }
    pub fn ne(self, o: RowExpr) -> RowExpr {
        self.binary(BinaryOp::Ne, o)
    }
    pub fn lt(self, o: RowExpr) -> RowExpr {
        self.binary(BinaryOp::Lt, o)
    }
    pub fn le(self, o: RowExpr) -> RowExpr {
        self.binary(BinaryOp::Le, o)
    }
    pub fn gt(self, o: RowExpr) -> RowExpr {
        self.binary(BinaryOp::Gt, o)
    }
    pub fn ge(self, o: RowExpr) -> RowExpr {
        self.binary(BinaryOp::Ge, o)
    }
    pub fn and(self, o: RowExpr) -> RowExpr {
        self.binary(BinaryOp::And, o)
    }
    pub fn or(self, o: RowExpr) -> RowExpr {
        self.binary(BinaryOp::Or, o)
    }
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> RowExpr {
        RowExpr::Not(Box::new(self))
    }
    pub fn is_null(self) -> RowExpr {
        RowExpr::IsNull(Box::new(self))
    }
    pub fn is_not_null(self) -> RowExpr {
        self.is_null().not()
    }
    pub fn parse(self, kind: RawType) -> RowExpr {
        RowExpr::Parse(kind, Box::new(self))
    }
    pub fn to_int64(self) -> RowExpr {
        RowExpr::ToInt64(Box::new(self))
    }
    pub fn year(self) -> RowExpr {
        RowExpr::Year(Box::new(self))
    }
    pub fn month(self) -> RowExpr {
        RowExpr::Month(Box::new(self))
    }
    pub fn quarter(self) -> RowExpr {
        RowExpr::Quarter(Box::new(self))
    }
    pub fn epoch_days(self) -> RowExpr {
        RowExpr::EpochDays(Box::new(self))
    }

    /// The polars expression of this rule.
    pub fn to_polars(&self) -> Expr {
        use RowExpr as R;
        match self {
            R::Column(name) => col(name.as_str()),
            R::Int(v) => lit(*v),
            R::Float(v) => lit(*v),
            R::Text(v) => lit(v.as_str()),
            R::NullText => lit(NULL).cast(DataType::String),
            R::Date(days) => lit(*days).cast(DataType::Date),
            R::Binary(op, a, b) => {
                let (a, b) = (a.to_polars(), b.to_polars());
                match op {
                    BinaryOp::Add => a + b,
                    BinaryOp::Sub => a - b,
                    BinaryOp::Mul => a * b,
                    BinaryOp::Div => a / b,
                    BinaryOp::FloorDiv => a.floor_div(b),
                    BinaryOp::Eq => a.eq(b),
                    BinaryOp::Ne => a.neq(b),
                    BinaryOp::Lt => a.lt(b),
                    BinaryOp::Le => a.lt_eq(b),
                    BinaryOp::Gt => a.gt(b),
                    BinaryOp::Ge => a.gt_eq(b),
                    BinaryOp::And => a.and(b),
                    BinaryOp::Or => a.or(b),
                }
            }
            R::Not(a) => a.to_polars().not(),
            R::IsNull(a) => a.to_polars().is_null(),
            R::Cases(branches, otherwise) => {
                // nested from the last branch up: the first matching branch wins
                branches
                    .iter()
                    .rev()
                    .fold(otherwise.to_polars(), |rest, (condition, value)| {
                        when(condition.to_polars())
                            .then(value.to_polars())
                            .otherwise(rest)
                    })
            }
            R::Parse(kind, a) => {
                let raw = a.to_polars();
                match kind {
                    RawType::Date => {
                        let d = raw.clone().str().to_date(StrptimeOptions {
                            format: Some(DATE_FORMAT.into()),
                            strict: false,
                            exact: true,
                            cache: true,
                        });
                        // only the date's own text (chrono also reads 2012-9-4 and " 2012-09-04")
                        when(d.clone().dt().strftime(DATE_FORMAT).eq(raw))
                            .then(d)
                            .otherwise(lit(NULL).cast(DataType::Date))
                    }
                    RawType::Int | RawType::Flag => raw.cast(DataType::Int64),
                    RawType::Float => {
                        let x = raw.cast(DataType::Float64);
                        when(x.clone().is_finite())
                            .then(x)
                            .otherwise(lit(NULL).cast(DataType::Float64))
                    }
                    RawType::Text => raw,
                }
            }
            R::ToInt64(a) => a.to_polars().cast(DataType::Int64),
            R::ToFloat64(a) => a.to_polars().cast(DataType::Float64),
            R::ExpM1(a) => float_map(a.to_polars(), f64::exp_m1),
            R::Ln1p(a) => float_map(a.to_polars(), f64::ln_1p),
            R::Year(a) => a.to_polars().dt().year().cast(DataType::Int64),
            R::Month(a) => a.to_polars().dt().month().cast(DataType::Int64),
            R::Quarter(a) => a.to_polars().dt().quarter().cast(DataType::Int64),
            R::EpochDays(a) => a.to_polars().cast(DataType::Int32).cast(DataType::Int64),
        }
    }
}

/// `f` of every value of a float column (polars' own `exp`/`log1p` need its `log` feature, a
/// second build of polars for two functions).
fn float_map(e: Expr, f: fn(f64) -> f64) -> Expr {
    e.cast(DataType::Float64).map(
        move |c: Column| {
            let out: Float64Chunked = c.f64()?.apply_values(f);
            Ok(out.into_column())
        },
        |_, field| Ok(Field::new(field.name().clone(), DataType::Float64)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The texts polars' casts accept are the texts [`parse_pattern`] accepts: the pattern is
    /// what the Spark engine checks, so the two engines agree on every text below.
    #[test]
    fn parse_patterns_accept_what_polars_parses() {
        let texts = [
            "1",
            " 2",
            "3 ",
            "+3",
            "-4",
            "1.5",
            "1e3",
            "abc",
            "-0",
            "007",
            "0x10",
            "1_000",
            "",
            ".5",
            "5.",
            "-.5e-2",
            "1,5",
            "NaN",
            "inf",
            "1e",
            "e3",
            "++1",
            "9223372036854775807",
            "Infinity",
            "-inf",
            "nan",
            "INF",
            "1e400",
            "+NaN",
            "1.5E+3",
            "0.1e-400",
        ];
        let df = df!("s" => texts).unwrap();
        for kind in [RawType::Int, RawType::Float] {
            let out = df
                .clone()
                .lazy()
                .select([field("s").parse(kind).to_polars().is_not_null().alias("ok")])
                .collect()
                .unwrap();
            let parsed: Vec<bool> = out
                .column("ok")
                .unwrap()
                .bool()
                .unwrap()
                .iter()
                .map(|v| v == Some(true))
                .collect();
            let pattern = regex_lite(parse_pattern(kind).unwrap());
            for (t, ok) in texts.iter().zip(parsed) {
                assert_eq!(pattern(t), ok, "{kind:?} {t:?}: polars parses it: {ok}");
            }
        }
    }

    /// The two patterns above, matched by hand (the crate has no regex engine of its own), and
    /// the value in range (a whole number within 64 bits, a finite real number).
    fn regex_lite(pattern: &str) -> impl Fn(&str) -> bool {
        let whole = pattern == parse_pattern(RawType::Int).unwrap();
        move |full: &str| {
            let t = full;
            let t = t.strip_prefix(['+', '-']).unwrap_or(t);
            let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            if whole {
                return digits(t) && full.parse::<i64>().is_ok();
            }
            let (mantissa, exponent) = match t.find(['e', 'E']) {
                Some(i) => (&t[..i], Some(&t[i + 1..])),
                None => (t, None),
            };
            let exponent_ok =
                exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
            let mantissa_ok = match mantissa.split_once('.') {
                Some((a, b)) => {
                    (digits(a) && (b.is_empty() || digits(b))) || (a.is_empty() && digits(b))
                }
                None => digits(mantissa),
            };
            mantissa_ok && exponent_ok && full.parse::<f64>().is_ok_and(f64::is_finite)
        }
    }

    /// A date parses from its own `YYYY-MM-DD` text only, as Spark's `try_to_date` with that
    /// format reads it.
    #[test]
    fn dates_parse_only_from_their_own_text() {
        let texts = [
            "2012-09-04",
            "2012-9-4",
            " 2012-09-04",
            "2012-02-30",
            "2012-09-04 00:00",
            "12-09-04",
            "+2012-09-04",
            "2012-09-4",
        ];
        let df = df!("s" => texts).unwrap();
        let out = df
            .lazy()
            .select([field("s")
                .parse(RawType::Date)
                .to_polars()
                .cast(DataType::Int32)
                .alias("d")])
            .collect()
            .unwrap();
        let days: Vec<Option<i32>> = out.column("d").unwrap().i32().unwrap().iter().collect();
        assert_eq!(
            days,
            [Some(15587), None, None, None, None, None, None, None]
        );
    }

    #[test]
    fn cases_take_the_first_matching_branch_and_floor_division_rounds_down() {
        let df = df!("x" => [-7i64, 0, 5, 12]).unwrap();
        let e = cases(
            vec![
                (field("x").lt(int(0)), text("negative")),
                (field("x").le(int(5)), text("small")),
            ],
            text("large"),
        );
        let out = df
            .lazy()
            .select([
                e.to_polars().alias("c"),
                field("x").floor_div(int(5)).to_polars().alias("d"),
            ])
            .collect()
            .unwrap();
        let c: Vec<&str> = out
            .column("c")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        assert_eq!(c, ["negative", "small", "small", "large"]);
        let d: Vec<i64> = out
            .column("d")
            .unwrap()
            .i64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(d, [-2, 0, 1, 2]);
    }
}
