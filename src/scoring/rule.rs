//! The deployed model as one row rule ([`RowExpr`]): typed raw columns → the §4 features
//! (`rules::derived_columns`) → the engineered features → the column transformer → the
//! logistic model → the calibration, each step the toolkit's own formula written as an
//! expression. A logistic model is an expression, so any engine that runs the study's row rules
//! scores with it: Spark (`score --engine spark`) runs it on the executors without Python. Its
//! polars compilation is held to [`ModelArtifact::probabilities`] by `tests/study/deployment.rs`.

use crate::data::expr::{cases, field, float, text, RowExpr};
use crate::error::{Result, StudyError};
use crate::ml::calibration::{Isotonic, Platt};
use crate::ml::models::FittedModel;
use crate::ml::preprocessing::ColumnTransformer;
use crate::scoring::artifact::{Calibrator, ModelArtifact};

/// The toolkit's tolerance for λ = 0 and λ = 2 in Yeo-Johnson.
const LAMBDA_EPS: f64 = 1e-12;

fn exp(x: RowExpr) -> RowExpr {
    x.exp_m1().add(float(1.0))
}

/// 1 / (1 + e^(−z)).
fn sigmoid(z: RowExpr) -> RowExpr {
    float(1.0).div(float(1.0).add(exp(float(0.0).sub(z))))
}

/// ln(p / (1 − p)) of p clamped to [1e-12, 1 − 1e-12] (the toolkit's `logit`).
fn logit(p: RowExpr) -> RowExpr {
    let (lo, hi) = (1e-12, 1.0 - 1e-12);
    let p = cases(
        vec![
            (p.clone().lt(float(lo)), float(lo)),
            (p.clone().gt(float(hi)), float(hi)),
        ],
        p,
    );
    // ln y = ln(1 + (y − 1))
    p.clone().div(float(1.0).sub(p)).sub(float(1.0)).ln_1p()
}

/// The Yeo-Johnson transform of `x` (the toolkit's `yeo_johnson`, by ln(1 + x) and e^x − 1).
fn yeo_johnson(x: RowExpr, lambda: f64) -> RowExpr {
    let positive = if lambda.abs() < LAMBDA_EPS {
        x.clone().ln_1p()
    } else {
        float(lambda)
            .mul(x.clone().ln_1p())
            .exp_m1()
            .div(float(lambda))
    };
    let minus_x = float(0.0).sub(x.clone());
    let negative = if (lambda - 2.0).abs() < LAMBDA_EPS {
        float(0.0).sub(minus_x.ln_1p())
    } else {
        float(0.0).sub(
            float(2.0 - lambda)
                .mul(minus_x.ln_1p())
                .exp_m1()
                .div(float(2.0 - lambda)),
        )
    };
    cases(vec![(x.ge(float(0.0)), positive)], negative)
}

/// The transformer's output columns, in its order (one-hot, standard, power, min-max).
pub fn transformed(t: &ColumnTransformer) -> Vec<RowExpr> {
    let number = |c: &str| field(c).to_float64();
    let mut out = Vec::new();
    for o in &t.one_hot {
        out.extend(
            o.categories
                .iter()
                .map(|c| field(&o.column).eq(text(c)).to_float64()),
        );
    }
    for s in &t.standard {
        out.push(number(&s.column).sub(float(s.mean)).div(float(s.std)));
    }
    for p in &t.power {
        out.push(
            yeo_johnson(number(&p.column), p.lambda)
                .sub(float(p.mean))
                .div(float(p.std)),
        );
    }
    for m in &t.min_max {
        let range = if m.max > m.min { m.max - m.min } else { 1.0 };
        out.push(number(&m.column).sub(float(m.min)).div(float(range)));
    }
    out
}

fn isotonic(s: RowExpr, iso: &Isotonic) -> RowExpr {
    let n = iso.x.len();
    if n == 0 {
        return float(0.5);
    }
    let mut branches = vec![(s.clone().le(float(iso.x[0])), float(iso.y[0]))];
    for j in 1..n {
        let (x0, x1, y0, y1) = (iso.x[j - 1], iso.x[j], iso.y[j - 1], iso.y[j]);
        let value = if x1 == x0 {
            float(y1)
        } else {
            float(y0).add(
                float(y1 - y0)
                    .mul(s.clone().sub(float(x0)))
                    .div(float(x1 - x0)),
            )
        };
        // the first fitted point above s (the toolkit's partition point)
        branches.push((s.clone().lt(float(x1)), value));
    }
    cases(branches, float(iso.y[n - 1]))
}

fn platt(s: RowExpr, p: &Platt) -> RowExpr {
    sigmoid(float(p.a).mul(logit(s)).add(float(p.b)))
}

/// The model's calibrated probability of responding, over the typed, derived and engineered
/// columns of a record. A model other than a logistic regression is refused: it is not an
/// expression.
pub fn probability_rule(model: &ModelArtifact) -> Result<RowExpr> {
    let FittedModel::LogisticRegression(lr) = &model.pipeline.model else {
        return Err(StudyError::Invalid(format!(
            "the model is a {:?}: only a logistic model is scored as an expression",
            model.pipeline.model
        )));
    };
    let features = transformed(&model.pipeline.transformer);
    let selected = &model.pipeline.selector.selected;
    if selected.len() != lr.coef.len() || selected.iter().any(|&i| i >= features.len()) {
        return Err(StudyError::Invalid(format!(
            "the model's selector keeps {} of {} features for {} coefficients",
            selected.len(),
            features.len(),
            lr.coef.len()
        )));
    }
    let z = selected
        .iter()
        .zip(&lr.coef)
        .fold(float(lr.intercept), |z, (&i, &w)| {
            z.add(float(w).mul(features[i].clone()))
        });
    let score = sigmoid(z);
    Ok(match &model.calibration {
        Calibrator::None => score,
        Calibrator::Platt(p) => platt(score, p),
        Calibrator::Isotonic(i) => isotonic(score, i),
    })
}
