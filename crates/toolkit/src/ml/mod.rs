//! A small machine-learning toolkit with no knowledge of this study (no column names, no
//! layers, no configuration), laid out as scikit-learn is. Each module says which crate does the
//! work and what, if anything, is written by hand because no crate has it.
//!
//! - [`preprocessing`]: columns, one-hot, scalers, Yeo-Johnson, the column transformer;
//! - [`models`]: one [`Classifier`](models::Classifier) trait over ten model families;
//! - [`classifier`]: the pipeline (transform → select → resample → model) and cross-validation;
//! - [`metrics`], [`model_selection`] (stratified splits and folds), [`feature_selection`]
//!   (ANOVA F), [`resampling`] (undersampling, permutations), [`calibration`];
//! - [`clustering`] (K-Means, silhouette, adjusted Rand index), [`decomposition`] (PCA),
//!   [`stats`] (summary statistics, IQR bounds);
//! - [`profit`]: campaign economics (profit curves, gains, lift);
//! - [`numpy_rng`]: NumPy's legacy generator, so seeded splits match scikit-learn's rows;
//! - `kernels`: sums over fixed blocks of rows, parallel and the same at any thread count.

pub mod calibration;
pub mod classifier;
pub mod clustering;
pub mod decomposition;
pub mod feature_selection;
pub mod inspection;
pub(crate) mod kernels;
pub mod metrics;
pub mod model_selection;
pub mod models;
pub mod numpy_rng;
pub mod preprocessing;
pub mod profit;
pub mod resampling;
pub mod stats;
