//! Clustering: K-Means (linfa-clustering: k-means++, restarts, seeded), inertia, the silhouette
//! coefficient (exact, parallel, or on a seeded sample), a scan over k for the elbow and silhouette methods, and the adjusted Rand
//! index of two partitions.

use crate::error::{Error, Result};
use linfa::prelude::*;
use linfa_clustering::KMeans;
use ndarray::{s, Array1, Array2, Axis};
use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256Plus;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// A fitted clustering: labels, centroids and inertia (sum of squared distances to the nearest
/// centroid, as scikit-learn reports it).
#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    pub labels: Vec<usize>,
    pub centroids: Array2<f64>,
    pub inertia: f64,
}

/// K-Means with k-means++ initialisation, 10 restarts keeping the lowest inertia, at most 300
/// Lloyd iterations (linfa-clustering), seeded.
pub fn kmeans(x: &Array2<f64>, k: usize, seed: u64) -> Result<Clustering> {
    let rng = Xoshiro256Plus::seed_from_u64(seed);
    let data = DatasetBase::from(x.clone());
    let model = KMeans::params_with_rng(k, rng)
        .n_runs(10)
        .max_n_iterations(300)
        .tolerance(1e-4)
        .fit(&data)
        .map_err(|e| Error::Invalid(format!("k-means with k = {k}: {e}")))?;
    let labels: Array1<usize> = model.predict(x);
    let labels = labels.to_vec();
    let centroids = model.centroids().clone();
    let inertia = inertia(x, &labels, &centroids);
    Ok(Clustering {
        labels,
        centroids,
        inertia,
    })
}

/// Sum of squared euclidean distances of every point to its cluster's centroid.
pub fn inertia(x: &Array2<f64>, labels: &[usize], centroids: &Array2<f64>) -> f64 {
    x.outer_iter()
        .zip(labels)
        .map(|(row, &l)| {
            row.iter()
                .zip(centroids.row(l).iter())
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
        })
        .sum()
}

/// Mean silhouette coefficient (euclidean, every point), as scikit-learn's
/// `silhouette_score`. Hand-written rather than linfa's, which allocates a difference vector
/// for every pair of points (profiled: most of the segmentation stage's time): squared
/// distances come a block of rows at a time from one matrix product (‖a‖² + ‖b‖² − 2a·b, as
/// scikit-learn computes euclidean distances), blocks run in parallel, and every row's sums run
/// in a fixed order, so the result is the same at any thread count.
pub fn silhouette(x: &Array2<f64>, labels: &[usize]) -> Result<f64> {
    let n = x.nrows();
    if labels.len() != n {
        return Err(Error::Invalid(format!(
            "silhouette: {} labels for {n} points",
            labels.len()
        )));
    }
    let k = labels.iter().max().map_or(0, |m| m + 1);
    let mut sizes = vec![0usize; k];
    for &l in labels {
        sizes[l] += 1;
    }
    let clusters = sizes.iter().filter(|s| **s > 0).count();
    if clusters < 2 || clusters >= n {
        return Err(Error::Invalid(format!(
            "silhouette: {clusters} clusters of {n} points (it needs 2 to n − 1)"
        )));
    }
    let norms: Vec<f64> = x.rows().into_iter().map(|r| r.dot(&r)).collect();
    let starts: Vec<usize> = (0..n).step_by(SILHOUETTE_BLOCK).collect();
    let per_row: Vec<f64> = starts
        .par_iter()
        .flat_map_iter(|&start| {
            let end = (start + SILHOUETTE_BLOCK).min(n);
            let gram = x.slice(s![start..end, ..]).dot(&x.t());
            let (norms, sizes) = (&norms, &sizes);
            (start..end)
                .map(move |i| {
                    let own = labels[i];
                    if sizes[own] <= 1 {
                        return 0.0; // alone in its cluster, as scikit-learn
                    }
                    let mut sums = vec![0.0; sizes.len()];
                    let g = gram.row(i - start);
                    for j in 0..n {
                        if j != i {
                            let d2 = norms[i] + norms[j] - 2.0 * g[j];
                            sums[labels[j]] += d2.max(0.0).sqrt();
                        }
                    }
                    let a = sums[own] / (sizes[own] - 1) as f64;
                    let b = (0..sizes.len())
                        .filter(|c| *c != own && sizes[*c] > 0)
                        .map(|c| sums[c] / sizes[c] as f64)
                        .fold(f64::INFINITY, f64::min);
                    (b - a) / a.max(b)
                })
                .collect::<Vec<f64>>()
        })
        .collect();
    Ok(per_row.iter().sum::<f64>() / n as f64)
}

/// Rows per block of the silhouette's distance products (a block's products are n floats a row).
const SILHOUETTE_BLOCK: usize = 256;

/// The silhouette of a seeded random sample of `sample_size` points (all of them when there
/// are fewer), as scikit-learn's `silhouette_score(..., sample_size, random_state)`: exact
/// silhouettes cost O(n²), a sample keeps the k study linear in the customers.
pub fn silhouette_sample(
    x: &Array2<f64>,
    labels: &[usize],
    sample_size: usize,
    seed: u64,
) -> Result<f64> {
    if sample_size >= x.nrows() {
        return silhouette(x, labels);
    }
    let mut rng = Xoshiro256Plus::seed_from_u64(seed);
    let mut idx: Vec<usize> = (0..x.nrows()).collect();
    // partial Fisher-Yates: the first sample_size entries are a uniform sample
    for i in 0..sample_size {
        let j = i + (rng.next_u64() % (x.nrows() - i) as u64) as usize;
        idx.swap(i, j);
    }
    let mut rows = idx[..sample_size].to_vec();
    rows.sort_unstable();
    let sub = x.select(Axis(0), &rows);
    let sub_labels: Vec<usize> = rows.iter().map(|&i| labels[i]).collect();
    silhouette(&sub, &sub_labels)
}

/// Most points whose silhouette is computed exactly; above, a seeded sample of this many (the
/// exact one costs O(n²): 20,000 points take about a second, a million would take hours).
pub const SILHOUETTE_EXACT_MAX: usize = 20_000;

/// The silhouette of every point up to [`SILHOUETTE_EXACT_MAX`], else of a seeded sample of that
/// many; with the number of points it was computed on.
pub fn silhouette_scaled(x: &Array2<f64>, labels: &[usize], seed: u64) -> Result<(f64, usize)> {
    let rows = x.nrows().min(SILHOUETTE_EXACT_MAX);
    Ok((silhouette_sample(x, labels, rows, seed)?, rows))
}

/// Inertia and silhouette for one k.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KRow {
    pub k: usize,
    pub inertia: f64,
    pub silhouette: f64,
    /// Points the silhouette was computed on (all of them up to [`SILHOUETTE_EXACT_MAX`]).
    pub silhouette_rows: usize,
}

/// K-Means for every k in `ks` on the same matrix (elbow and silhouette methods), the k values
/// in parallel: each is seeded alone, so the table is the same at any thread count.
pub fn k_scan(
    x: &Array2<f64>,
    ks: impl IntoIterator<Item = usize>,
    seed: u64,
) -> Result<Vec<KRow>> {
    let ks: Vec<usize> = ks.into_iter().collect();
    ks.par_iter()
        .map(|&k| {
            let c = kmeans(x, k, seed)?;
            let (silhouette, silhouette_rows) = silhouette_scaled(x, &c.labels, seed)?;
            Ok(KRow {
                k,
                inertia: c.inertia,
                silhouette,
                silhouette_rows,
            })
        })
        .collect()
}

/// Adjusted Rand index of two labelings (1: identical partitions, about 0: chance agreement).
/// Hand-written: neither linfa nor smartcore has it.
pub fn adjusted_rand_index(a: &[usize], b: &[usize]) -> f64 {
    let ka = a.iter().max().map_or(0, |m| m + 1);
    let kb = b.iter().max().map_or(0, |m| m + 1);
    let mut table = vec![vec![0u64; kb]; ka];
    for (&i, &j) in a.iter().zip(b) {
        table[i][j] += 1;
    }
    let comb2 = |n: u64| (n * n.saturating_sub(1)) as f64 / 2.0;
    let sum_cells: f64 = table.iter().flatten().map(|&n| comb2(n)).sum();
    let sum_a: f64 = table.iter().map(|r| comb2(r.iter().sum())).sum();
    let sum_b: f64 = (0..kb)
        .map(|j| comb2(table.iter().map(|r| r[j]).sum()))
        .sum();
    let total = comb2(a.len() as u64);
    let expected = sum_a * sum_b / total;
    let max = 0.5 * (sum_a + sum_b);
    if (max - expected).abs() < f64::EPSILON {
        return 1.0;
    }
    (sum_cells - expected) / (max - expected)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Direct O(n²) silhouette: s(i) = (b − a) / max(a, b), 0 for points alone in their cluster.
    fn direct_silhouette(x: &Array2<f64>, labels: &[usize]) -> f64 {
        let n = x.nrows();
        let k = labels.iter().max().unwrap() + 1;
        let d = |i: usize, j: usize| -> f64 {
            x.row(i)
                .iter()
                .zip(x.row(j).iter())
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
                .sqrt()
        };
        let mut total = 0.0;
        for i in 0..n {
            let mut sum = vec![0.0; k];
            let mut cnt = vec![0usize; k];
            for j in 0..n {
                if j != i {
                    sum[labels[j]] += d(i, j);
                    cnt[labels[j]] += 1;
                }
            }
            let own = labels[i];
            if cnt[own] == 0 {
                continue;
            }
            let a = sum[own] / cnt[own] as f64;
            let b = (0..k)
                .filter(|c| *c != own && cnt[*c] > 0)
                .map(|c| sum[c] / cnt[c] as f64)
                .fold(f64::INFINITY, f64::min);
            total += (b - a) / a.max(b);
        }
        total / n as f64
    }

    pub(crate) fn blobs() -> Array2<f64> {
        // three well separated groups of 5 points in 2-D
        let centres = [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)];
        let offsets = [
            (0.0, 0.0),
            (0.5, 0.1),
            (-0.3, 0.4),
            (0.2, -0.6),
            (-0.4, -0.2),
        ];
        Array2::from_shape_fn((15, 2), |(i, j)| {
            let (c, o) = (centres[i / 5], offsets[i % 5]);
            if j == 0 {
                c.0 + o.0
            } else {
                c.1 + o.1
            }
        })
    }

    #[test]
    fn silhouette_agrees_with_a_direct_computation() {
        let x = blobs();
        let good: Vec<usize> = (0..15).map(|i| i / 5).collect();
        let bad: Vec<usize> = (0..15).map(|i| i % 3).collect();
        for labels in [good, bad] {
            let s = silhouette(&x, &labels).unwrap();
            let d = direct_silhouette(&x, &labels);
            assert!((s - d).abs() < 1e-9, "{s} vs {d}");
        }
    }

    /// A seeded cloud of `n` points in 5-D around three centres.
    fn cloud(n: usize) -> (Array2<f64>, Vec<usize>) {
        let mut rng = Xoshiro256Plus::seed_from_u64(7);
        let mut u = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let labels: Vec<usize> = (0..n).map(|i| (i * 7) % 3).collect();
        let x = Array2::from_shape_fn((n, 5), |(i, j)| {
            labels[i] as f64 * 1.5 + j as f64 * 0.1 + u()
        });
        (x, labels)
    }

    #[test]
    fn silhouette_agrees_with_linfa_and_the_direct_formula_on_a_larger_cloud() {
        let (x, labels) = cloud(700);
        let ours = silhouette(&x, &labels).unwrap();
        let linfa = DatasetBase::new(x.clone(), Array1::from(labels.clone()))
            .silhouette_score()
            .unwrap();
        assert!((ours - linfa).abs() < 1e-10, "{ours} vs linfa {linfa}");
        assert!((ours - direct_silhouette(&x, &labels)).abs() < 1e-10);
        assert!(
            silhouette(&x, &vec![0; 700]).is_err(),
            "one cluster has no silhouette"
        );
    }

    #[test]
    fn silhouette_is_identical_at_any_thread_count() {
        let (x, labels) = cloud(1100); // several row blocks
        let on = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| silhouette(&x, &labels).unwrap())
        };
        let one = on(1);
        assert_eq!(one.to_bits(), on(2).to_bits());
        assert_eq!(one.to_bits(), on(5).to_bits());
    }

    #[test]
    fn a_sampled_silhouette_is_seeded_and_close_to_the_exact_one() {
        let (x, labels) = cloud(2000);
        let exact = silhouette(&x, &labels).unwrap();
        let a = silhouette_sample(&x, &labels, 500, 1).unwrap();
        assert_eq!(
            a.to_bits(),
            silhouette_sample(&x, &labels, 500, 1).unwrap().to_bits()
        );
        assert_ne!(a, silhouette_sample(&x, &labels, 500, 2).unwrap());
        assert!((a - exact).abs() < 0.03, "{a} vs {exact}");
        assert_eq!(silhouette_sample(&x, &labels, 5000, 1).unwrap(), exact);
    }

    #[test]
    fn large_inputs_get_a_sampled_silhouette_and_say_so() {
        let (x, labels) = cloud(1500);
        let (s, rows) = silhouette_scaled(&x, &labels, 3).unwrap();
        assert_eq!((s, rows), (silhouette(&x, &labels).unwrap(), 1500));
        let (x, labels) = cloud(SILHOUETTE_EXACT_MAX + 500);
        let (s, rows) = silhouette_scaled(&x, &labels, 3).unwrap();
        assert_eq!(rows, SILHOUETTE_EXACT_MAX);
        assert_eq!(
            s,
            silhouette_sample(&x, &labels, SILHOUETTE_EXACT_MAX, 3).unwrap()
        );
    }

    #[test]
    fn kmeans_finds_the_blobs_and_is_deterministic_for_a_seed() {
        let x = blobs();
        let a = kmeans(&x, 3, 42).unwrap();
        let b = kmeans(&x, 3, 42).unwrap();
        assert_eq!(a, b);
        let truth: Vec<usize> = (0..15).map(|i| i / 5).collect();
        assert!((adjusted_rand_index(&a.labels, &truth) - 1.0).abs() < 1e-12);
        assert!((a.inertia - inertia(&x, &a.labels, &a.centroids)).abs() < 1e-12);
    }

    #[test]
    fn adjusted_rand_index_is_one_for_relabelled_partitions_and_near_zero_for_noise() {
        let a = [0, 0, 1, 1, 2, 2];
        let b = [2, 2, 0, 0, 1, 1];
        assert!((adjusted_rand_index(&a, &b) - 1.0).abs() < 1e-12);
        // sklearn: adjusted_rand_score([0,0,1,1], [0,1,0,1]) = -0.5
        assert!((adjusted_rand_index(&[0, 0, 1, 1], &[0, 1, 0, 1]) + 0.5).abs() < 1e-12);
    }
}
