//! Fitted preprocessing transformers (the scikit-learn ones the original used), each with
//! `fit` → fitted value → `transform`, serde-serializable so a saved pipeline scores new rows
//! exactly as it was trained: one-hot encoding, standard scaling (population std), min-max
//! scaling, and the Yeo-Johnson power transform with λ by maximum likelihood followed by
//! standardisation; and a column transformer combining them by column role.
//!
//! Written here because neither linfa nor smartcore has one-hot encoding, Yeo-Johnson or a
//! column transformer; the two scalers are a few lines each and share the column layout.

use crate::error::{Error, Result};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// One input column: numbers, or categories given as text.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    Numeric(Vec<f64>),
    Categorical(Categories),
}

/// A text column, dictionary-encoded: each row's index into `levels`, one copy of each distinct
/// text. Four bytes a row: 10 million rows of `Education` take 40 MB, where one `String` a row
/// took about 500 MB and an allocation each.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Categories {
    pub codes: Vec<u32>,
    pub levels: Vec<String>,
}

impl Categories {
    /// Encode texts (levels in order of first appearance).
    pub fn from_texts<S: AsRef<str>>(texts: impl IntoIterator<Item = S>) -> Self {
        let mut index: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
        let mut levels = Vec::new();
        let codes = texts
            .into_iter()
            .map(|t| {
                let t = t.as_ref();
                if let Some(&c) = index.get(t) {
                    return c;
                }
                let c = levels.len() as u32;
                index.insert(t.to_string(), c);
                levels.push(t.to_string());
                c
            })
            .collect();
        Self { codes, levels }
    }

    /// The text of row `i`.
    pub fn get(&self, i: usize) -> &str {
        &self.levels[self.codes[i] as usize]
    }

    /// Every row's text, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.codes.iter().map(|&c| self.levels[c as usize].as_str())
    }
}

impl Column {
    /// A text column from its values.
    pub fn text<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> Column {
        Column::Categorical(Categories::from_texts(values))
    }

    pub fn len(&self) -> usize {
        match self {
            Column::Numeric(v) => v.len(),
            Column::Categorical(v) => v.codes.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The given rows, in the given order.
    pub fn take(&self, rows: &[usize]) -> Column {
        match self {
            Column::Numeric(v) => Column::Numeric(rows.iter().map(|&i| v[i]).collect()),
            Column::Categorical(v) => Column::Categorical(Categories {
                codes: rows.iter().map(|&i| v.codes[i]).collect(),
                levels: v.levels.clone(),
            }),
        }
    }

    /// The distinct values as text (numbers printed as integers when whole), for one-hot
    /// encoding: the levels that occur, or each distinct number once.
    fn distinct_texts(&self) -> Vec<String> {
        match self {
            Column::Categorical(v) => {
                let mut used = vec![false; v.levels.len()];
                for &c in &v.codes {
                    used[c as usize] = true;
                }
                v.levels
                    .iter()
                    .zip(used)
                    .filter(|(_, u)| *u)
                    .map(|(l, _)| l.clone())
                    .collect()
            }
            Column::Numeric(v) => {
                let mut distinct = v.clone();
                distinct.sort_unstable_by(f64::total_cmp);
                distinct.dedup_by(|a, b| a.to_bits() == b.to_bits());
                distinct
                    .into_iter()
                    .map(crate::report::table::fmt_num)
                    .collect()
            }
        }
    }

    pub fn as_numbers(&self, name: &str) -> Result<&[f64]> {
        match self {
            Column::Numeric(v) => Ok(v),
            Column::Categorical(_) => Err(Error::Invalid(format!(
                "column {name}: a numeric transformer got a categorical column"
            ))),
        }
    }
}

/// Named input columns of equal length.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Columns(pub Vec<(String, Column)>);

impl Columns {
    /// The column called `name`.
    pub fn get(&self, name: &str) -> Result<&Column> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c)
            .ok_or_else(|| Error::Invalid(format!("no input column {name}")))
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.0.first().map(|(_, c)| c.len()).unwrap_or(0)
    }

    /// The given rows of every column, in the given order.
    pub fn take(&self, rows: &[usize]) -> Columns {
        Columns(
            self.0
                .iter()
                .map(|(n, c)| (n.clone(), c.take(rows)))
                .collect(),
        )
    }

    /// Read `names` from a frame: the `text` ones as categories, the rest as numbers
    /// (nulls become NaN).
    pub fn from_frame(
        df: &polars::prelude::DataFrame,
        names: &[&str],
        text: &[&str],
    ) -> Result<Columns> {
        use crate::error::PolarsContext;
        use polars::prelude::DataType;
        let mut out = Vec::new();
        for &name in names {
            let c = df.column(name).ctx(|| format!("column {name}"))?;
            let column = if text.contains(&name) {
                let s = c.cast(&DataType::String).ctx(|| format!("column {name}"))?;
                let ca = s.str().ctx(|| format!("column {name}"))?;
                Column::text(ca.iter().map(|v| v.unwrap_or_default()))
            } else {
                let s = c
                    .cast(&DataType::Float64)
                    .ctx(|| format!("column {name}"))?;
                let ca = s.f64().ctx(|| format!("column {name}"))?;
                Column::Numeric(ca.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
            };
            out.push((name.to_string(), column));
        }
        Ok(Columns(out))
    }
}

/// Distinct values sorted as scikit-learn sorts categories: numbers numerically, text
/// lexicographically.
pub fn sorted_categories(values: &[String]) -> Vec<String> {
    let mut c: Vec<String> = values.to_vec();
    c.sort_by(|a, b| match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.total_cmp(&y),
        _ => a.cmp(b),
    });
    c.dedup();
    c
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len().max(1) as f64
}

/// Population standard deviation (ddof 0), as scikit-learn's scalers.
fn pop_std(x: &[f64], m: f64) -> f64 {
    (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

/// A fitted one-hot encoder for one column: one 0/1 output per category seen in fitting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneHot {
    pub column: String,
    pub categories: Vec<String>,
}

impl OneHot {
    pub fn fit(column: &str, values: &Column) -> Self {
        Self {
            column: column.to_string(),
            categories: sorted_categories(&values.distinct_texts()),
        }
    }

    /// Output columns (one per category); an unseen category is an error naming it.
    pub fn transform(&self, values: &Column) -> Result<Vec<Vec<f64>>> {
        let n = values.len();
        let mut out = vec![vec![0.0; n]; self.categories.len()];
        for i in 0..n {
            let j = match values {
                Column::Categorical(v) => self.index(v.get(i), i)?,
                Column::Numeric(v) => self.index(&crate::report::table::fmt_num(v[i]), i)?,
            };
            out[j][i] = 1.0;
        }
        Ok(out)
    }

    /// Output column of one value; an unseen category is an error naming it and its `row`.
    fn index(&self, value: &str, row: usize) -> Result<usize> {
        self.categories
            .iter()
            .position(|c| c == value)
            .ok_or_else(|| Error::UnknownCategory {
                column: self.column.clone(),
                value: value.to_string(),
                row,
                known: self.categories.clone(),
            })
    }

    pub fn names(&self) -> Vec<String> {
        self.categories
            .iter()
            .map(|c| format!("{}_{c}", self.column))
            .collect()
    }
}

/// A fitted standard scaler: z = (x − mean) / std (population std; a constant column → 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standard {
    pub column: String,
    pub mean: f64,
    pub std: f64,
}

impl Standard {
    pub fn fit(column: &str, x: &[f64]) -> Self {
        let m = mean(x);
        let s = pop_std(x, m);
        Self {
            column: column.to_string(),
            mean: m,
            std: if s > 0.0 { s } else { 1.0 },
        }
    }

    pub fn transform(&self, x: &[f64]) -> Vec<f64> {
        x.iter().map(|v| self.apply(*v)).collect()
    }

    fn apply(&self, v: f64) -> f64 {
        (v - self.mean) / self.std
    }
}

/// A fitted min-max scaler: (x − min) / (max − min) (a constant column → 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MinMax {
    pub column: String,
    pub min: f64,
    pub max: f64,
}

impl MinMax {
    pub fn fit(column: &str, x: &[f64]) -> Self {
        let (min, max) = x
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(*v), b.max(*v))
            });
        Self {
            column: column.to_string(),
            min,
            max,
        }
    }

    pub fn transform(&self, x: &[f64]) -> Vec<f64> {
        x.iter().map(|v| self.apply(*v)).collect()
    }

    fn apply(&self, v: f64) -> f64 {
        let range = if self.max > self.min {
            self.max - self.min
        } else {
            1.0
        };
        (v - self.min) / range
    }
}

/// The Yeo-Johnson transform of one value.
pub fn yeo_johnson(x: f64, lambda: f64) -> f64 {
    const EPS: f64 = 1e-12;
    if x >= 0.0 {
        if lambda.abs() < EPS {
            x.ln_1p()
        } else {
            ((x + 1.0).powf(lambda) - 1.0) / lambda
        }
    } else if (lambda - 2.0).abs() < EPS {
        -(-x).ln_1p()
    } else {
        -((1.0 - x).powf(2.0 - lambda) - 1.0) / (2.0 - lambda)
    }
}

/// A column prepared for the Yeo-Johnson likelihood: ln(1 + |x|) of every value (ψ is
/// (e^{λ·ln(1+x)} − 1)/λ for x ≥ 0 and −(e^{(2−λ)·ln(1−x)} − 1)/(2 − λ) below, so one `exp_m1`
/// per value and λ replaces a `powf`), and the log-Jacobian's sum Σ sign(x) ln(1 + |x|), which
/// does not depend on λ (computed once instead of at every step of the search).
///
/// Most of the study's columns are counts and amounts that repeat (a few dozen distinct values
/// among thousands): there ψ is computed once per distinct value and looked up for each row,
/// and the sums still run over the rows in row order, so the likelihood has the same bits as
/// computing ψ for every row (tested), with a fraction of the `exp_m1` calls (perf: they were
/// the largest part of the profit stage's own code).
struct YjColumn {
    /// ln(1 + |x|) and x < 0 of each distinct value, or of every row (`index: None`)
    log1p_abs: Vec<f64>,
    negative: Vec<bool>,
    /// the distinct values (empty with `index: None`) and each row's
    values: Vec<f64>,
    index: Option<Vec<u32>>,
    rows: usize,
    log_jac: f64,
}

impl YjColumn {
    fn new(x: &[f64]) -> Self {
        Self::with_distinct_at_most(x, x.len() / 4)
    }

    /// Values looked up when the column has at most `most` distinct values.
    fn with_distinct_at_most(x: &[f64], most: usize) -> Self {
        let distinct = distinct_index(x, most);
        // a column of mostly distinct values is prepared from itself, not from a copy
        let values = distinct.as_ref().map_or(x, |(v, _)| v);
        let log1p_abs: Vec<f64> = values.iter().map(|v| v.abs().ln_1p()).collect();
        // Σ sign(x) ln(1 + |x|) over the rows in row order, each term from its value's
        let term = |j: usize| values[j].signum() * log1p_abs[j];
        let log_jac = match &distinct {
            Some((_, index)) => index.iter().map(|&j| term(j as usize)).sum(),
            None => (0..x.len()).map(term).sum(),
        };
        let negative = values.iter().map(|v| *v < 0.0).collect();
        let (values, index) = match distinct {
            Some((values, index)) => (values, Some(index)),
            None => (Vec::new(), None),
        };
        Self {
            log1p_abs,
            negative,
            values,
            index,
            rows: x.len(),
            log_jac,
        }
    }

    /// [`yeo_johnson`] of every row of `x` (the column this was prepared from), each distinct
    /// value computed once.
    fn transformed(&self, x: &[f64], lambda: f64) -> Vec<f64> {
        match &self.index {
            Some(index) => {
                let t: Vec<f64> = self
                    .values
                    .iter()
                    .map(|v| yeo_johnson(*v, lambda))
                    .collect();
                index.iter().map(|&j| t[j as usize]).collect()
            }
            None => x.iter().map(|v| yeo_johnson(*v, lambda)).collect(),
        }
    }

    /// ψ(x, λ) from ln(1 + |x|), the same function as [`yeo_johnson`].
    fn psi(l: f64, negative: bool, lambda: f64) -> f64 {
        const EPS: f64 = 1e-12;
        if !negative {
            if lambda.abs() < EPS {
                l
            } else {
                (lambda * l).exp_m1() / lambda
            }
        } else if (lambda - 2.0).abs() < EPS {
            -l
        } else {
            -((2.0 - lambda) * l).exp_m1() / (2.0 - lambda)
        }
    }

    /// Negative Yeo-Johnson log-likelihood of λ (up to a constant), as scikit-learn minimises
    /// it: n/2 · ln(var(ψ(x, λ))) − (λ − 1) · Σ sign(x) · ln(1 + |x|).
    fn neg_llf(&self, lambda: f64) -> f64 {
        let psi: Vec<f64> = self
            .log1p_abs
            .iter()
            .zip(&self.negative)
            .map(|(l, neg)| Self::psi(*l, *neg, lambda))
            .collect();
        let n = self.rows as f64;
        let var = match &self.index {
            Some(index) => variance(index.iter().map(|&j| psi[j as usize]), self.rows),
            None => variance(psi.iter().copied(), self.rows),
        };
        0.5 * n * var.ln() - (lambda - 1.0) * self.log_jac
    }
}

/// Population variance of `n` values, each sum in the order given (as [`mean`] and [`pop_std`]).
fn variance(values: impl Iterator<Item = f64> + Clone, n: usize) -> f64 {
    let m = values.clone().sum::<f64>() / n.max(1) as f64;
    values.map(|v| (v - m) * (v - m)).sum::<f64>() / n as f64
}

/// The distinct values of `x` (by their bits, in order of first appearance) and each row's
/// index into them; `None` as soon as there are more than `most` (memory stays bounded by it).
fn distinct_index(x: &[f64], most: usize) -> Option<(Vec<f64>, Vec<u32>)> {
    let mut seen: std::collections::HashMap<u64, u32> = std::collections::HashMap::new();
    let mut values = Vec::new();
    let mut index = Vec::with_capacity(x.len());
    for v in x {
        let next = u32::try_from(values.len()).ok()?;
        let j = *seen.entry(v.to_bits()).or_insert(next);
        if j == next {
            if values.len() >= most {
                return None;
            }
            values.push(*v);
        }
        index.push(j);
    }
    Some((values, index))
}

/// Brent's minimisation on [a, b] (golden section with parabolic steps), to `tol` in x.
/// Hand-written: none of the study's crates has a scalar optimiser (scipy's `brent` in sklearn).
pub fn brent_minimize(f: impl Fn(f64) -> f64, a: f64, b: f64, tol: f64) -> f64 {
    const GOLD: f64 = 0.381_966_011_250_105;
    let (mut a, mut b) = (a, b);
    let mut x = a + GOLD * (b - a);
    let (mut w, mut v) = (x, x);
    let mut fx = f(x);
    let (mut fw, mut fv) = (fx, fx);
    let (mut d, mut e) = (0.0f64, 0.0f64);
    for _ in 0..500 {
        let m = 0.5 * (a + b);
        let tol1 = tol * x.abs() + 1e-12;
        let tol2 = 2.0 * tol1;
        if (x - m).abs() <= tol2 - 0.5 * (b - a) {
            break;
        }
        let mut golden = true;
        if e.abs() > tol1 {
            // parabola through x, w, v
            let r = (x - w) * (fx - fv);
            let mut q = (x - v) * (fx - fw);
            let mut p = (x - v) * q - (x - w) * r;
            q = 2.0 * (q - r);
            if q > 0.0 {
                p = -p;
            }
            q = q.abs();
            if p.abs() < (0.5 * q * e).abs() && p > q * (a - x) && p < q * (b - x) {
                e = d;
                d = p / q;
                let u = x + d;
                if u - a < tol2 || b - u < tol2 {
                    d = if m > x { tol1 } else { -tol1 };
                }
                golden = false;
            }
        }
        if golden {
            e = if x >= m { a - x } else { b - x };
            d = GOLD * e;
        }
        let u = if d.abs() >= tol1 {
            x + d
        } else {
            x + tol1.copysign(d)
        };
        let fu = f(u);
        if fu <= fx {
            if u >= x {
                a = x;
            } else {
                b = x;
            }
            (v, fv, w, fw, x, fx) = (w, fw, x, fx, u, fu);
        } else {
            if u < x {
                a = u;
            } else {
                b = u;
            }
            if fu <= fw || w == x {
                (v, fv, w, fw) = (w, fw, u, fu);
            } else if fu <= fv || v == x || v == w {
                (v, fv) = (u, fu);
            }
        }
    }
    x
}

/// A fitted Yeo-Johnson power transform followed by standardisation (sklearn `PowerTransformer`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Power {
    pub column: String,
    pub lambda: f64,
    /// Mean and population std of the transformed training column.
    pub mean: f64,
    pub std: f64,
}

impl Power {
    /// λ maximises the Yeo-Johnson log-likelihood over [−5, 5].
    pub fn fit(column: &str, x: &[f64]) -> Self {
        let column_llf = YjColumn::new(x);
        let lambda = brent_minimize(|l| column_llf.neg_llf(l), -5.0, 5.0, 1.48e-8);
        let t = column_llf.transformed(x, lambda);
        let m = mean(&t);
        let s = pop_std(&t, m);
        Self {
            column: column.to_string(),
            lambda,
            mean: m,
            std: if s > 0.0 { s } else { 1.0 },
        }
    }

    pub fn transform(&self, x: &[f64]) -> Vec<f64> {
        x.iter().map(|v| self.apply(*v)).collect()
    }

    fn apply(&self, v: f64) -> f64 {
        (yeo_johnson(v, self.lambda) - self.mean) / self.std
    }
}

/// Which transformer a column goes through.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Roles {
    pub one_hot: Vec<String>,
    pub standard: Vec<String>,
    pub power: Vec<String>,
    pub min_max: Vec<String>,
}

/// A fitted column transformer: one-hot, standard, power and min-max blocks in that order
/// (the original's newest layout); other columns are dropped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnTransformer {
    pub one_hot: Vec<OneHot>,
    pub standard: Vec<Standard>,
    pub power: Vec<Power>,
    pub min_max: Vec<MinMax>,
}

impl ColumnTransformer {
    /// Fit every transformer on its columns.
    pub fn fit(roles: &Roles, data: &Columns) -> Result<Self> {
        Self::fit_rows(roles, data, &(0..data.rows()).collect::<Vec<_>>())
    }

    /// Fit every transformer on the given rows of its columns (one column gathered at a time:
    /// no copy of the table). The power columns, whose λ search is most of the work, in
    /// parallel.
    pub fn fit_rows(roles: &Roles, data: &Columns, rows: &[usize]) -> Result<Self> {
        use rayon::prelude::*;
        let num = |c: &String| -> Result<Vec<f64>> {
            let x = data.get(c)?.as_numbers(c)?;
            Ok(rows.iter().map(|&i| x[i]).collect())
        };
        let power: Vec<Result<Power>> = roles
            .power
            .par_iter()
            .map(|c| Ok(Power::fit(c, &num(c)?)))
            .collect();
        Ok(Self {
            one_hot: roles
                .one_hot
                .iter()
                .map(|c| Ok(OneHot::fit(c, &data.get(c)?.take(rows))))
                .collect::<Result<_>>()?,
            standard: roles
                .standard
                .iter()
                .map(|c| Ok(Standard::fit(c, &num(c)?)))
                .collect::<Result<_>>()?,
            power: power.into_iter().collect::<Result<_>>()?,
            min_max: roles
                .min_max
                .iter()
                .map(|c| Ok(MinMax::fit(c, &num(c)?)))
                .collect::<Result<_>>()?,
        })
    }

    /// Output feature names, `<transformer>__<column>[_<category>]` as scikit-learn names them.
    pub fn feature_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        for o in &self.one_hot {
            names.extend(
                o.names()
                    .into_iter()
                    .map(|n| format!("one_hot_encoder__{n}")),
            );
        }
        names.extend(
            self.standard
                .iter()
                .map(|s| format!("standard_scaler__{}", s.column)),
        );
        names.extend(
            self.power
                .iter()
                .map(|s| format!("power_transformer__{}", s.column)),
        );
        names.extend(
            self.min_max
                .iter()
                .map(|s| format!("min_max_scaler__{}", s.column)),
        );
        names
    }

    /// The features of every row of `data`: an (n × p) row-major matrix, columns in
    /// `feature_names` order.
    pub fn transform(&self, data: &Columns) -> Result<Array2<f64>> {
        self.transform_rows(data, &(0..data.rows()).collect::<Vec<_>>())
    }

    /// The features of the given rows of `data`, written straight into one row-major matrix
    /// (no intermediate columns), blocks of rows in parallel. An unseen category is an error
    /// naming its row of `data` (the first such row).
    pub fn transform_rows(&self, data: &Columns, rows: &[usize]) -> Result<Array2<f64>> {
        use rayon::prelude::*;
        enum Input<'a> {
            /// The codes, and each level's output column (an unseen level: `None`)
            Text(&'a Categories, Vec<Option<usize>>),
            Numbers(&'a [f64]),
        }
        let one_hot: Vec<(&OneHot, Input)> = self
            .one_hot
            .iter()
            .map(|o| {
                Ok((
                    o,
                    match data.get(&o.column)? {
                        Column::Numeric(v) => Input::Numbers(v),
                        Column::Categorical(v) => Input::Text(
                            v,
                            v.levels
                                .iter()
                                .map(|l| o.categories.iter().position(|c| c == l))
                                .collect(),
                        ),
                    },
                ))
            })
            .collect::<Result<_>>()?;
        let numbers = |c: &String| data.get(c).and_then(|col| col.as_numbers(c));
        let standard: Vec<(&Standard, &[f64])> = self
            .standard
            .iter()
            .map(|t| Ok((t, numbers(&t.column)?)))
            .collect::<Result<_>>()?;
        let power: Vec<(&Power, &[f64])> = self
            .power
            .iter()
            .map(|t| Ok((t, numbers(&t.column)?)))
            .collect::<Result<_>>()?;
        let min_max: Vec<(&MinMax, &[f64])> = self
            .min_max
            .iter()
            .map(|t| Ok((t, numbers(&t.column)?)))
            .collect::<Result<_>>()?;
        let p = self.feature_names().len();
        let mut out = Array2::<f64>::zeros((rows.len(), p));
        if p == 0 || rows.is_empty() {
            return Ok(out);
        }
        let slice = out
            .as_slice_mut()
            .ok_or_else(|| Error::Invalid("a new matrix is row-major".into()))?;
        let results: Vec<Result<()>> = slice
            .par_chunks_mut(crate::ml::kernels::ROW_BLOCK * p)
            .zip(rows.par_chunks(crate::ml::kernels::ROW_BLOCK))
            .map(|(block, block_rows)| {
                for (o, &i) in block.chunks_exact_mut(p).zip(block_rows) {
                    let mut j = 0;
                    for (t, input) in &one_hot {
                        let k = match input {
                            Input::Numbers(v) => {
                                t.index(&crate::report::table::fmt_num(v[i]), i)?
                            }
                            Input::Text(v, lookup) => match lookup[v.codes[i] as usize] {
                                Some(k) => k,
                                None => t.index(v.get(i), i)?,
                            },
                        };
                        o[j + k] = 1.0;
                        j += t.categories.len();
                    }
                    for (t, x) in &standard {
                        o[j] = t.apply(x[i]);
                        j += 1;
                    }
                    for (t, x) in &power {
                        o[j] = t.apply(x[i]);
                        j += 1;
                    }
                    for (t, x) in &min_max {
                        o[j] = t.apply(x[i]);
                        j += 1;
                    }
                }
                Ok(())
            })
            .collect();
        results.into_iter().collect::<Result<Vec<()>>>()?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(v: &[f64]) -> Column {
        Column::Numeric(v.to_vec())
    }

    #[test]
    fn one_hot_sorts_categories_and_rejects_unknown_ones() {
        let c = Column::text(["PhD", "2n Cycle", "Basic", "PhD"]);
        let enc = OneHot::fit("Education", &c);
        assert_eq!(enc.categories, ["2n Cycle", "Basic", "PhD"]);
        assert_eq!(
            enc.transform(&c).unwrap(),
            vec![
                vec![0.0, 1.0, 0.0, 0.0],
                vec![0.0, 0.0, 1.0, 0.0],
                vec![1.0, 0.0, 0.0, 1.0]
            ]
        );
        // integer categories sort numerically: 10 after 2
        let n = OneHot::fit("k", &num(&[10.0, 2.0, 1.0]));
        assert_eq!(n.categories, ["1", "2", "10"]);
        let err = enc
            .transform(&Column::text(["2 Cycle"]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("Education") && err.contains("2 Cycle"),
            "{err}"
        );
    }

    #[test]
    fn scalers_use_population_std_and_min_max_ranges() {
        let s = Standard::fit("x", &[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(s.mean, 2.5);
        assert!((s.std - 1.25f64.sqrt()).abs() < 1e-15);
        let m = MinMax::fit("x", &[2.0, 4.0, 6.0]);
        assert_eq!(m.transform(&[2.0, 5.0, 6.0]), vec![0.0, 0.75, 1.0]);
        assert_eq!(Standard::fit("c", &[3.0, 3.0]).transform(&[3.0]), vec![0.0]);
    }

    #[test]
    fn yeo_johnson_matches_its_definition_on_both_signs() {
        assert!((yeo_johnson(3.0, 0.5) - (2.0 * (4f64.sqrt() - 1.0))).abs() < 1e-12);
        assert!((yeo_johnson(3.0, 0.0) - 4f64.ln()).abs() < 1e-12);
        assert!((yeo_johnson(-3.0, 1.0) - -3.0).abs() < 1e-12);
        assert!((yeo_johnson(-3.0, 2.0) - -(4f64.ln())).abs() < 1e-12);
        // λ = 1 is the identity
        for x in [-2.5, 0.0, 7.0] {
            assert!((yeo_johnson(x, 1.0) - x).abs() < 1e-12);
        }
    }

    #[test]
    fn brent_finds_the_minimum_of_a_smooth_function() {
        let x = brent_minimize(
            |x| (x - 0.7).powi(2) + 0.1 * (x - 0.7).powi(4),
            -5.0,
            5.0,
            1e-10,
        );
        assert!((x - 0.7).abs() < 1e-7, "{x}");
    }

    #[test]
    fn power_transform_of_symmetric_data_keeps_lambda_near_one() {
        // Normal-looking symmetric data needs no transform: λ ≈ 1.
        let x: Vec<f64> = (0..200)
            .map(|i| ((i as f64 + 0.5) / 200.0 - 0.5) * 4.0 + 10.0)
            .collect();
        let p = Power::fit("x", &x);
        let t = p.transform(&x);
        assert!((mean(&t)).abs() < 1e-9);
        assert!((pop_std(&t, 0.0) - 1.0).abs() < 1e-9);
        // skewed data gets λ < 1
        let skew: Vec<f64> = (1..200).map(|i| (i as f64 / 20.0).exp()).collect();
        assert!(Power::fit("s", &skew).lambda < 0.5);
    }

    #[test]
    fn column_transformer_round_trips_through_serde() {
        let data = Columns(vec![
            ("a".into(), Column::text(["x", "y", "x"])),
            ("b".into(), num(&[1.0, 2.0, 4.0])),
            ("c".into(), num(&[0.0, 5.0, 10.0])),
        ]);
        let roles = Roles {
            one_hot: vec!["a".into()],
            standard: vec!["b".into()],
            power: vec!["b".into()],
            min_max: vec!["c".into()],
        };
        let ct = ColumnTransformer::fit(&roles, &data).unwrap();
        assert_eq!(
            ct.feature_names(),
            [
                "one_hot_encoder__a_x",
                "one_hot_encoder__a_y",
                "standard_scaler__b",
                "power_transformer__b",
                "min_max_scaler__c"
            ]
        );
        let json = serde_json::to_string(&ct).unwrap();
        let back: ColumnTransformer = serde_json::from_str(&json).unwrap();
        // serde_json without its float_roundtrip feature may move the last bit of a float
        assert_eq!(back.feature_names(), ct.feature_names());
        assert_eq!(back.one_hot, ct.one_hot);
        let (x, y) = (ct.transform(&data).unwrap(), back.transform(&data).unwrap());
        for (a, b) in x.iter().zip(y.iter()) {
            assert!((a - b).abs() <= 1e-12 * a.abs().max(1.0), "{a} vs {b}");
        }
    }

    /// A small table of every kind of input: text and numeric categories, numbers.
    fn mixed(n: usize) -> (Columns, Roles) {
        let data = Columns(vec![
            (
                "edu".into(),
                Column::text((0..n).map(|i| ["a", "b", "c"][i % 3])),
            ),
            (
                "kids".into(),
                num(&(0..n).map(|i| (i % 2) as f64).collect::<Vec<_>>()),
            ),
            (
                "x".into(),
                num(&(0..n)
                    .map(|i| (i as f64 * 0.37).sin() * 50.0)
                    .collect::<Vec<_>>()),
            ),
            (
                "y".into(),
                num(&(0..n).map(|i| (i * 7 % 11) as f64).collect::<Vec<_>>()),
            ),
        ]);
        let roles = Roles {
            one_hot: vec!["edu".into(), "kids".into()],
            standard: vec!["y".into()],
            power: vec!["x".into(), "y".into()],
            min_max: vec!["x".into()],
        };
        (data, roles)
    }

    #[test]
    fn fitting_and_transforming_rows_in_place_equals_doing_it_on_a_copy() {
        let (data, roles) = mixed(9000);
        let rows: Vec<usize> = (0..9000).filter(|i| i % 5 != 2).rev().collect();
        let in_place = ColumnTransformer::fit_rows(&roles, &data, &rows).unwrap();
        let copy = data.take(&rows);
        let on_copy = ColumnTransformer::fit(&roles, &copy).unwrap();
        assert_eq!(in_place, on_copy);
        let z = in_place.transform_rows(&data, &rows).unwrap();
        assert_eq!(z, on_copy.transform(&copy).unwrap());
        assert_eq!(z.dim(), (rows.len(), 3 + 2 + 1 + 2 + 1));
        // row r of the matrix is input row rows[r]: one-hot, then standard, power, min-max
        let r = 10;
        let i = rows[r];
        assert_eq!(z[[r, i % 3]], 1.0);
        let x = data.get("x").unwrap().as_numbers("x").unwrap()[i];
        assert_eq!(
            z[[r, 8]],
            (x - on_copy.min_max[0].min) / (on_copy.min_max[0].max - on_copy.min_max[0].min)
        );
    }

    #[test]
    fn an_unseen_category_names_its_row_of_the_table() {
        let (data, roles) = mixed(30);
        let t = ColumnTransformer::fit_rows(&roles, &data, &[0, 1, 3, 4]).unwrap();
        // rows 2, 5, … hold "c", never seen in fitting; the first asked for is row 5
        let e = t.transform_rows(&data, &[0, 5, 2]).unwrap_err();
        assert!(e.to_string().contains("row 5"), "{e}");
    }

    #[test]
    fn the_likelihood_from_log1p_equals_its_definition() {
        let x = [-3.0, -0.5, 0.0, 0.2, 1.0, 4.0, 40.0];
        let column = YjColumn::new(&x);
        for lambda in [-2.0, -0.3, 0.0, 0.7, 1.0, 2.0, 3.5] {
            let t: Vec<f64> = x.iter().map(|v| yeo_johnson(*v, lambda)).collect();
            let m = mean(&t);
            let var = t.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / t.len() as f64;
            let jac: f64 = x.iter().map(|v| v.signum() * v.abs().ln_1p()).sum();
            let direct = 0.5 * t.len() as f64 * var.ln() - (lambda - 1.0) * jac;
            let fast = column.neg_llf(lambda);
            assert!(
                (fast - direct).abs() < 1e-12 * direct.abs().max(1.0),
                "λ {lambda}: {fast} vs {direct}"
            );
        }
    }

    #[test]
    fn the_likelihood_by_distinct_values_has_the_bits_of_every_row() {
        // counts and amounts that repeat, both signs, zeros of both signs
        let x: Vec<f64> = (0..3000)
            .map(|i| match i % 7 {
                0 => 0.0,
                1 => -0.0,
                2 => -((i % 5) as f64) * 0.75,
                _ => ((i * 37) % 23) as f64 * 12.5,
            })
            .collect();
        let by_value = YjColumn::new(&x);
        let by_row = YjColumn::with_distinct_at_most(&x, 0);
        assert!(by_value.index.is_some() && by_value.log1p_abs.len() < 40);
        assert!(by_row.index.is_none() && by_row.log1p_abs.len() == x.len());
        let jac: f64 = x.iter().map(|v| v.signum() * v.abs().ln_1p()).sum();
        assert_eq!(by_value.log_jac.to_bits(), jac.to_bits());
        assert_eq!(by_row.log_jac.to_bits(), jac.to_bits());
        let bits = |t: Vec<f64>| t.into_iter().map(f64::to_bits).collect::<Vec<_>>();
        for lambda in [-2.0, -0.3, 0.0, 0.7, 1.0, 2.0, 3.5] {
            assert_eq!(
                by_value.neg_llf(lambda).to_bits(),
                by_row.neg_llf(lambda).to_bits(),
                "λ {lambda}"
            );
            let every: Vec<f64> = x.iter().map(|v| yeo_johnson(*v, lambda)).collect();
            assert_eq!(bits(by_value.transformed(&x, lambda)), bits(every.clone()));
            assert_eq!(bits(by_row.transformed(&x, lambda)), bits(every));
        }
        // a column of distinct values is not indexed
        let distinct: Vec<f64> = (0..100).map(|i| i as f64 * 0.1).collect();
        assert!(YjColumn::new(&distinct).index.is_none());
    }

    #[test]
    fn a_text_column_stores_each_distinct_text_once() {
        let c = Column::text((0..9000).map(|i| ["Basic", "PhD", "Master"][i % 3]));
        let Column::Categorical(v) = &c else { panic!() };
        assert_eq!(v.levels, ["Basic", "PhD", "Master"]);
        assert_eq!((v.get(4), v.codes.len()), ("PhD", 9000));
        // a subset keeps the dictionary; one-hot sees only the texts that occur in it
        let some = c.take(&[0, 3, 2]);
        assert_eq!(
            OneHot::fit("Education", &some).categories,
            ["Basic", "Master"]
        );
        // numbers as categories: each distinct value once, sorted numerically
        let kids = Column::Numeric(vec![2.0, 0.0, 10.0, 0.0, 1.0]);
        assert_eq!(OneHot::fit("Kids", &kids).categories, ["0", "1", "2", "10"]);
    }
}
