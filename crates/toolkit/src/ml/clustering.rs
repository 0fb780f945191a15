//! Clustering: K-Means (linfa-clustering: k-means++, restarts, seeded), inertia, the silhouette
//! coefficient (linfa), a scan over k for the elbow and silhouette methods, and the adjusted Rand
//! index of two partitions.

use crate::error::{Error, Result};
use linfa::prelude::*;
use linfa_clustering::KMeans;
use ndarray::{Array1, Array2};
use rand_xoshiro::rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;
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

/// Mean silhouette coefficient (euclidean, every point), from linfa.
pub fn silhouette(x: &Array2<f64>, labels: &[usize]) -> Result<f64> {
    let ds = DatasetBase::new(x.clone(), Array1::from(labels.to_vec()));
    ds.silhouette_score()
        .map_err(|e| Error::Invalid(format!("silhouette: {e}")))
}

/// Inertia and silhouette for one k.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KRow {
    pub k: usize,
    pub inertia: f64,
    pub silhouette: f64,
}

/// K-Means for every k in `ks` on the same matrix (elbow and silhouette methods).
pub fn k_scan(
    x: &Array2<f64>,
    ks: impl IntoIterator<Item = usize>,
    seed: u64,
) -> Result<Vec<KRow>> {
    ks.into_iter()
        .map(|k| {
            let c = kmeans(x, k, seed)?;
            Ok(KRow {
                k,
                inertia: c.inertia,
                silhouette: silhouette(x, &c.labels)?,
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
