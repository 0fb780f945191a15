//! Principal component analysis with scikit-learn's sign convention: the eigenvectors of the
//! covariance matrix (linfa-linalg's symmetric eigensolver on the p × p matrix), which the data
//! reach through one blocked pass (kernels): the cost is linear in the rows and the n × p data
//! are never copied. (linfa-reduction's PCA runs LOBPCG on the n × p matrix itself, repacking
//! it at every iteration: minutes at a million rows, profiled.)

use crate::error::{Error, Result};
use crate::ml::kernels::per_block;
use linfa_linalg::eigh::{EigSort, Eigh};
use ndarray::{s, Array1, Array2};

/// A 2-D PCA projection: scores, components (sign-normalised: the largest loading of each
/// component positive, as scikit-learn's `svd_flip`) and explained variance ratios.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    pub scores: Array2<f64>,
    pub components: Array2<f64>,
    pub explained_variance_ratio: Vec<f64>,
}

/// PCA to `dims` components, with scikit-learn's sign convention.
pub fn pca(x: &Array2<f64>, dims: usize) -> Result<Projection> {
    let (n, p) = x.dim();
    if n < 2 || dims == 0 || dims > p {
        return Err(Error::Invalid(format!(
            "PCA: {dims} components of {n} points in {p} dimensions"
        )));
    }
    let x = x.as_standard_layout();
    // the mean, then the centred cross-products Σ (x − μ)(x − μ)ᵀ, block by block in order
    let mut mean = Array1::<f64>::zeros(p);
    for part in per_block(n, |r| x.slice(s![r, ..]).sum_axis(ndarray::Axis(0))) {
        mean += &part;
    }
    mean /= n as f64;
    let mut scatter = Array2::<f64>::zeros((p, p));
    for part in per_block(n, |r| {
        let centred = &x.slice(s![r, ..]) - &mean;
        centred.t().dot(&centred)
    }) {
        scatter += &part;
    }
    let total: f64 = scatter.diag().sum();
    let (values, vectors) = scatter
        .eigh()
        .map_err(|e| Error::Invalid(format!("PCA: {e}")))?;
    let (values, vectors) = (values, vectors).sort_eig_desc();
    let mut components = vectors.slice(s![.., ..dims]).t().to_owned();
    for mut row in components.outer_iter_mut() {
        let max = row
            .iter()
            .fold(0.0f64, |m, v| if v.abs() > m.abs() { *v } else { m });
        if max < 0.0 {
            row.mapv_inplace(|v| -v);
        }
    }
    let scores = per_block(n, |r| (&x.slice(s![r, ..]) - &mean).dot(&components.t()));
    let views: Vec<_> = scores.iter().map(|b| b.view()).collect();
    let scores = ndarray::concatenate(ndarray::Axis(0), &views)
        .map_err(|e| Error::Invalid(format!("PCA: {e}")))?;
    Ok(Projection {
        scores,
        components,
        explained_variance_ratio: values.iter().take(dims).map(|v| v / total).collect(),
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

    #[test]
    fn pca_agrees_with_linfa_reduction_and_is_the_same_at_any_thread_count() {
        use crate::ml::kernels::{on_threads, ROW_BLOCK};
        use linfa::prelude::*;
        // more rows than a block, correlated columns
        let n = 2 * ROW_BLOCK + 100;
        let x = Array2::from_shape_fn((n, 4), |(i, j)| {
            let t = (i as f64 * 0.013).sin() * 3.0;
            let u = (i as f64 * 0.071).cos();
            [t + u, t - 0.5 * u, 0.2 * t, u * (j as f64)][j]
        });
        let ours = pca(&x, 2).unwrap();
        let theirs = linfa_reduction::Pca::params(2)
            .fit(&linfa::DatasetBase::from(x.clone()))
            .unwrap();
        let mut reference = theirs.components().clone();
        if reference.nrows() != 2 {
            reference = reference.t().to_owned();
        }
        for (a, b) in ours.components.outer_iter().zip(reference.outer_iter()) {
            // the same axis, up to its sign
            assert!((a.dot(&b).abs() - 1.0).abs() < 1e-6, "{a} vs {b}");
        }
        let ratios = theirs.explained_variance_ratio();
        for (a, b) in ours.explained_variance_ratio.iter().zip(ratios.iter()) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
        assert_eq!(
            on_threads(1, || pca(&x, 2).unwrap()),
            on_threads(3, || pca(&x, 2).unwrap())
        );
    }
}
