//! Principal component analysis (linfa-reduction) with scikit-learn's sign convention.

use crate::error::{Error, Result};
use linfa::prelude::*;
use linfa_reduction::Pca;
use ndarray::{Array1, Array2, Axis};

/// A 2-D PCA projection: scores, components (sign-normalised: the largest loading of each
/// component positive, as scikit-learn's `svd_flip`) and explained variance ratios.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    pub scores: Array2<f64>,
    pub components: Array2<f64>,
    pub explained_variance_ratio: Vec<f64>,
}

/// PCA to `dims` components (linfa-reduction), with scikit-learn's sign convention.
pub fn pca(x: &Array2<f64>, dims: usize) -> Result<Projection> {
    let model = Pca::params(dims)
        .fit(&DatasetBase::from(x.clone()))
        .map_err(|e| Error::Invalid(format!("PCA: {e}")))?;
    let mut components = model.components().clone();
    // linfa stores components as rows of (dims × p) or columns; normalise to rows.
    if components.nrows() != dims {
        components = components.t().to_owned();
    }
    for mut row in components.outer_iter_mut() {
        let max = row
            .iter()
            .fold(0.0f64, |m, v| if v.abs() > m.abs() { *v } else { m });
        if max < 0.0 {
            row.mapv_inplace(|v| -v);
        }
    }
    let mean = x
        .mean_axis(Axis(0))
        .unwrap_or_else(|| Array1::zeros(x.ncols()));
    let centred = x - &mean;
    let scores = centred.dot(&components.t());
    let total: f64 = centred.mapv(|v| v * v).sum();
    let explained_variance_ratio = scores
        .axis_iter(Axis(1))
        .map(|c| c.mapv(|v| v * v).sum() / total)
        .collect();
    Ok(Projection {
        scores,
        components,
        explained_variance_ratio,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ml::clustering::tests::blobs;

    #[test]
    fn pca_components_are_unit_and_sign_normalised() {
        let x = blobs();
        let p = pca(&x, 2).unwrap();
        for row in p.components.outer_iter() {
            assert!((row.dot(&row) - 1.0).abs() < 1e-9);
            let max = row
                .iter()
                .fold(0.0f64, |m, v| if v.abs() > m.abs() { *v } else { m });
            assert!(max > 0.0);
        }
        let total: f64 = p.explained_variance_ratio.iter().sum();
        assert!(
            (total - 1.0).abs() < 1e-9,
            "2-D data: two components explain everything"
        );
    }
}
