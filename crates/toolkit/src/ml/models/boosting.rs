//! Gradient boosting: forust-ml's (pure Rust) and the XGBoost C++ library through `xgb`.

use super::{column_major, model_err, sigmoid, Classifier};
use crate::error::{Error, Result};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// Gradient boosting (forust-ml), kept as forust's own JSON; score = σ(log-odds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbModel {
    booster: String,
}

impl GbModel {
    /// Log-loss boosting of `stages` trees of depth `max_depth` (no L2, one thread).
    pub(super) fn fit(
        x: &Array2<f64>,
        y: &[u8],
        stages: usize,
        learning_rate: f32,
        max_depth: usize,
        seed: u64,
    ) -> Result<Self> {
        let err = |e: &dyn std::fmt::Display| model_err("GradientBoostingClassifier", e);
        let mut gb = forust_ml::GradientBooster::default()
            .set_iterations(stages)
            .set_learning_rate(learning_rate)
            .set_max_depth(max_depth)
            .set_l2(0.0)
            .set_parallel(false)
            .set_seed(seed);
        let cols = column_major(x);
        let m = forust_ml::Matrix::new(&cols, x.nrows(), x.ncols());
        let yf: Vec<f64> = y.iter().map(|c| f64::from(*c)).collect();
        gb.fit(&m, &yf, &vec![1.0; y.len()], None)
            .map_err(|e| err(&e))?;
        Ok(Self {
            booster: gb.json_dump().map_err(|e| err(&e))?,
        })
    }
}

impl Classifier for GbModel {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        let gb = forust_ml::GradientBooster::from_json(&self.booster)
            .map_err(|e| model_err("GradientBoostingClassifier", e))?;
        let cols = column_major(x);
        let m = forust_ml::Matrix::new(&cols, x.nrows(), x.ncols());
        Ok(gb.predict(&m, false).into_iter().map(sigmoid).collect())
    }
}

/// XGBoost booster, kept as XGBoost's own JSON model; score = its predicted probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XgbModel {
    model: String,
}

fn xgb_err(e: impl std::fmt::Display) -> Error {
    model_err("XGBClassifier", e)
}

fn dmatrix(x: &Array2<f64>) -> Result<xgb::DMatrix> {
    let data: Vec<f32> = x.iter().map(|v| *v as f32).collect();
    xgb::DMatrix::from_dense(&data, x.nrows()).map_err(xgb_err)
}

impl XgbModel {
    pub(super) fn fit(
        x: &Array2<f64>,
        y: &[u8],
        rounds: usize,
        max_depth: usize,
        eta: f64,
        seed: u64,
    ) -> Result<Self> {
        let mut train = dmatrix(x)?;
        let labels: Vec<f32> = y.iter().map(|c| f32::from(*c)).collect();
        train.set_labels(&labels).map_err(xgb_err)?;
        let mut booster =
            xgb::Booster::new_with_cached_dmats(&Default::default(), &[&train]).map_err(xgb_err)?;
        for (k, v) in [
            ("objective", "binary:logistic".to_string()),
            ("max_depth", max_depth.to_string()),
            ("eta", eta.to_string()),
            ("seed", seed.to_string()),
            // one thread: identical trees on any machine
            ("nthread", "1".to_string()),
        ] {
            booster.set_param(k, &v).map_err(xgb_err)?;
        }
        for i in 0..rounds {
            booster.update(&train, i as i32).map_err(xgb_err)?;
        }
        let bytes = booster.save_buffer(false).map_err(xgb_err)?;
        Ok(Self {
            model: String::from_utf8(bytes).map_err(xgb_err)?,
        })
    }
}

impl Classifier for XgbModel {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        let booster = xgb::Booster::load_buffer(self.model.as_bytes()).map_err(xgb_err)?;
        let p = booster.predict(&dmatrix(x)?).map_err(xgb_err)?;
        Ok(p.into_iter().map(f64::from).collect())
    }
}
