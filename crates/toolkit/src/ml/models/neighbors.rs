//! k nearest neighbours (smartcore, with class probabilities).

use super::{dense, labels_u32, model_err, Classifier};
use crate::error::Result;
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use smartcore::linalg::basic::matrix::DenseMatrix;

type SmartKnn = smartcore::neighbors::knn_classifier::KNNClassifier<
    f64,
    u32,
    DenseMatrix<f64>,
    Vec<u32>,
    smartcore::metrics::distance::euclidian::Euclidian<f64>,
>;

/// k nearest neighbours (smartcore, Euclidean, uniform weights); score = class-1 share of the k.
#[derive(Debug, Serialize, Deserialize)]
pub struct KnnModel {
    knn: SmartKnn,
}

impl KnnModel {
    /// Keep the training rows; `k` neighbours vote.
    pub(super) fn fit(x: &Array2<f64>, y: &[u8], k: usize) -> Result<Self> {
        let p = smartcore::neighbors::knn_classifier::KNNClassifierParameters::default().with_k(k);
        let knn = SmartKnn::fit(&dense(x)?, &labels_u32(y), p)
            .map_err(|e| model_err("KNNClassifier", e))?;
        Ok(Self { knn })
    }
}

impl Classifier for KnnModel {
    fn scores(&self, x: &Array2<f64>) -> Result<Vec<f64>> {
        let p = self
            .knn
            .predict_proba(&dense(x)?)
            .map_err(|e| model_err("KNNClassifier", e))?;
        Ok(p.as_slice()
            .iter()
            .map(|row| row.as_slice().get(1).copied().unwrap_or(0.0))
            .collect())
    }
}
