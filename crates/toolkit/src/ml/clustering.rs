//! Clustering: K-Means (scikit-learn's algorithm: greedy k-means++, Lloyd, restarts, seeded; parallel), inertia, the silhouette
//! coefficient (exact, parallel, or on a seeded sample), a scan over k for the elbow and silhouette methods, and the adjusted Rand
//! index of two partitions.

use super::kernels::{dots_in, per_block_of, squared_distances, widest, Lanes, WithLanes};
use crate::error::{Error, Result};
use ndarray::{s, Array2, ArrayView1, Axis};
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

/// K-Means as scikit-learn's `KMeans(n_clusters=k, n_init=10, random_state=seed)`: greedy
/// k-means++ initialisation (2 + ⌊ln k⌋ candidates per centre), Lloyd iterations (at most 300,
/// stopping when no label changes or the centres move less than 1e-4 × the mean feature
/// variance in total), 10 restarts keeping the lowest inertia; restarts run in parallel, each
/// seeded alone.
///
/// Hand-written rather than linfa-clustering's: its assignment step computes every
/// point-centre distance element by element (profiled: 80 % of the segmentation stage). Here
/// the distances of a block of rows to all centres come from one matrix product
/// (‖x‖² + ‖c‖² − 2x·c, as scikit-learn), blocks run in parallel and their sums are added in
/// block order, so the result is the same at any thread count.
///
/// Above [`KMEANS_SAMPLE`] points the restarts run on a seeded sample of that many and the best
/// sample solution is refined by Lloyd iterations over every point (the same iterations, from a
/// start already near the optimum): the cost grows linearly with the points, not ten times so.
pub fn kmeans(x: &Array2<f64>, k: usize, seed: u64) -> Result<Clustering> {
    kmeans_sampled(x, k, seed, KMEANS_SAMPLE)
}

/// [`kmeans`] with its restarts on at most `sample` points.
fn kmeans_sampled(x: &Array2<f64>, k: usize, seed: u64, sample: usize) -> Result<Clustering> {
    let n = x.nrows();
    if k == 0 || k > n {
        return Err(Error::Invalid(format!(
            "k-means with k = {k} on {n} points (k must be 1 to n)"
        )));
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(Error::Invalid(
            "k-means: the matrix has a missing or infinite value".into(),
        ));
    }
    let (fit_on, sampled) = if n > sample {
        let rows = sample_rows(n, sample, seed);
        (x.select(Axis(0), &rows), true)
    } else {
        (x.to_owned(), false)
    };
    let tol = KMEANS_TOL * mean_variance(&fit_on);
    let norms = row_norms(&fit_on);
    let runs: Vec<(Array2<f64>, f64)> = (0..KMEANS_RUNS)
        .into_par_iter()
        .map(|run| {
            let mut rng = Xoshiro256Plus::seed_from_u64(
                seed ^ (run as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            );
            let (init, to_init) = kmeans_plus_plus(&fit_on, &norms, k, &mut rng);
            let (centroids, _, inertia) = lloyd(&fit_on, &norms, init, tol, Some(&to_init));
            (centroids, inertia)
        })
        .collect();
    // lowest inertia; the earliest run on ties (collected in run order)
    let best = runs
        .into_iter()
        .reduce(|a, b| if b.1 < a.1 { b } else { a })
        .map(|(c, _)| c)
        .ok_or_else(|| Error::Invalid("k-means: no run".into()))?;
    let (centroids, labels, inertia) = if sampled {
        let norms = row_norms(x);
        lloyd(x, &norms, best, KMEANS_TOL * mean_variance(x), None)
    } else {
        lloyd(&fit_on, &norms, best, tol, None)
    };
    Ok(Clustering {
        labels,
        centroids,
        inertia,
    })
}

/// Restarts of K-Means (scikit-learn's `n_init`).
pub const KMEANS_RUNS: usize = 10;

/// Relative tolerance of Lloyd's iterations (scikit-learn's `tol`).
const KMEANS_TOL: f64 = 1e-4;
/// Most Lloyd iterations (scikit-learn's `max_iter`).
const KMEANS_MAX_ITER: usize = 300;
/// Most points the restarts of K-Means run on; above, a seeded sample of this many (see
/// [`kmeans`]).
pub const KMEANS_SAMPLE: usize = 100_000;
/// Rows per block of the assignment step: fixed, so block sums add up in the same order at any
/// thread count.
const ASSIGN_BLOCK: usize = 2048;

fn row_norms<S: ndarray::Data<Elem = f64>>(x: &ndarray::ArrayBase<S, ndarray::Ix2>) -> Vec<f64> {
    x.rows().into_iter().map(|r| r.dot(&r)).collect()
}

/// Mean over the columns of each column's variance (population), scikit-learn's scale of `tol`.
fn mean_variance(x: &Array2<f64>) -> f64 {
    let n = x.nrows() as f64;
    let mean = x.sum_axis(Axis(0)) / n;
    let var: f64 = x
        .axis_iter(Axis(1))
        .zip(mean.iter())
        .map(|(c, m)| c.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n)
        .sum();
    var / x.ncols().max(1) as f64
}

/// A seeded uniform sample of `m` of `n` row indices, in increasing order (partial Fisher-Yates).
fn sample_rows(n: usize, m: usize, seed: u64) -> Vec<usize> {
    let mut rng = Xoshiro256Plus::seed_from_u64(seed);
    let mut idx: Vec<usize> = (0..n).collect();
    for i in 0..m {
        let j = i + (rng.next_u64() % (n - i) as u64) as usize;
        idx.swap(i, j);
    }
    idx.truncate(m);
    idx.sort_unstable();
    idx
}

fn uniform(rng: &mut Xoshiro256Plus) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// Squared distances of every point to each of `M` centres `cs` (one or two: their products
/// with four rows at a time, see [`products`] and [`products2`]), compiled for the widest
/// products the CPU has ([`widest`]). Each distance has the same bits whatever `M`.
fn distances_to<const M: usize>(
    x: &Array2<f64>,
    norms: &[f64],
    cs: [ArrayView1<f64>; M],
) -> [Vec<f64>; M] {
    let cs = cs.map(|c| c.to_vec());
    let x = x.as_standard_layout();
    widest(DistancesTo {
        flat: x.as_slice().unwrap_or_default(),
        p: x.ncols(),
        norms,
        cs: cs.each_ref().map(Vec::as_slice),
    })
}

struct DistancesTo<'a, const M: usize> {
    flat: &'a [f64],
    p: usize,
    norms: &'a [f64],
    cs: [&'a [f64]; M],
}

impl<const M: usize> WithLanes for DistancesTo<'_, M> {
    type Output = [Vec<f64>; M];

    #[inline(always)]
    fn run<L: Lanes>(self, lanes: L) -> [Vec<f64>; M] {
        let Self { flat, p, norms, cs } = self;
        let mut g: [Vec<f64>; M] = std::array::from_fn(|_| vec![0.0; norms.len()]);
        match (cs.as_slice(), g.as_mut_slice()) {
            (&[c], [g]) => products(lanes, c, flat, p, g),
            (&[c0, c1], [g0, g1]) => products2(lanes, [c0, c1], flat, p, [g0, g1]),
            _ => unreachable!("distances to one or two centres at a time"),
        }
        let mut out: [Vec<f64>; M] = std::array::from_fn(|_| Vec::new());
        for m in 0..M {
            let cn = dots_in(lanes, cs[m], [cs[m]])[0];
            out[m] = norms
                .iter()
                .zip(&g[m])
                .map(|(n, g)| (n + cn - 2.0 * g).max(0.0))
                .collect();
        }
        out
    }
}

/// Greedy k-means++ (scikit-learn's `_kmeans_plusplus`): the first centre uniformly, then of
/// 2 + ⌊ln k⌋ candidates drawn in proportion to the squared distance to the nearest centre so
/// far, the one that lowers the total most. Returns the centres and every point's squared
/// distance to each of them (computed on the way; they seed the first pass's bounds, see
/// [`Bounds::seeded`]). (Skipping a candidate's distance where the triangle inequality rules it
/// out, as in the assignment, skipped only 14 % of them on the case file: not kept.)
fn kmeans_plus_plus(
    x: &Array2<f64>,
    norms: &[f64],
    k: usize,
    rng: &mut Xoshiro256Plus,
) -> (Array2<f64>, Vec<Vec<f64>>) {
    let n = x.nrows();
    let trials = 2 + (k as f64).ln() as usize;
    let mut centres = Array2::zeros((k, x.ncols()));
    let first = (rng.next_u64() % n as u64) as usize;
    centres.row_mut(0).assign(&x.row(first));
    let [mut closest] = distances_to(x, norms, [x.row(first)]);
    let mut to_centres = vec![closest.clone()];
    for c in 1..k {
        let mut cumulative = Vec::with_capacity(n);
        let mut total = 0.0;
        for d in &closest {
            total += d;
            cumulative.push(total);
        }
        // the candidates drawn first (the same draws: nothing else draws in between), then
        // their distances two at a time
        let ids: Vec<usize> = (0..trials)
            .map(|_| {
                let target = uniform(rng) * total;
                cumulative.partition_point(|v| *v < target).min(n - 1)
            })
            .collect();
        let mut distances = Vec::with_capacity(trials);
        for pair in ids.chunks(2) {
            match *pair {
                [a, b] => distances.extend(distances_to(x, norms, [x.row(a), x.row(b)])),
                [a] => distances.extend(distances_to(x, norms, [x.row(a)])),
                _ => {}
            }
        }
        let mut best: Option<(usize, f64, Vec<f64>, Vec<f64>)> = None;
        for (id, d) in ids.into_iter().zip(distances) {
            let merged: Vec<f64> = closest.iter().zip(&d).map(|(a, b)| a.min(*b)).collect();
            let potential: f64 = merged.iter().sum();
            if best.as_ref().is_none_or(|b| potential < b.1) {
                best = Some((id, potential, merged, d));
            }
        }
        if let Some((id, _, merged, d)) = best {
            centres.row_mut(c).assign(&x.row(id));
            closest = merged;
            to_centres.push(d);
        }
    }
    (centres, to_centres)
}

/// Hamerly's bounds on each point's distances (not squared) to the centres: `upper[i]` is at
/// least its distance to its own centre, `lower[i]` at most its distance to any other.
struct Bounds {
    upper: Vec<f64>,
    lower: Vec<f64>,
}

impl Bounds {
    /// No bounds yet: the first pass computes every distance.
    fn unknown(n: usize) -> Self {
        Self {
            upper: vec![f64::INFINITY; n],
            lower: vec![0.0; n],
        }
    }

    /// The bounds of the squared distances k-means++ computed to the centres it chose, with
    /// each point's nearest centre in `labels` (the first on ties): the first pass then computes
    /// distances only for points near a boundary, as every later pass. Those distances were
    /// summed in another order than [`assign`]'s: they are within rounding of its own, far inside
    /// [`BOUND_MARGIN`], so a point they settle keeps the label computing every distance gives.
    fn seeded(to_centres: &[Vec<f64>], labels: &mut [usize]) -> Self {
        let mut bounds = Self::unknown(labels.len());
        for (i, label) in labels.iter_mut().enumerate() {
            let mut two = NearestTwo::new();
            for (c, d) in to_centres.iter().enumerate() {
                two.consider(c, d[i]);
            }
            let NearestTwo {
                best,
                nearest,
                second,
            } = two;
            *label = best;
            bounds.upper[i] = nearest.sqrt();
            bounds.lower[i] = second.sqrt();
        }
        bounds
    }

    /// After the centres moved by `shift` (each centre's distance from its old place): the
    /// own centre may have come nearer by at most its shift, any other by the largest shift of
    /// the others.
    fn moved(&mut self, labels: &[usize], shift: &[f64]) {
        let (mut first, mut second, mut argmax) = (0.0f64, 0.0f64, usize::MAX);
        for (c, &d) in shift.iter().enumerate() {
            if d > first {
                (second, first, argmax) = (first, d, c);
            } else if d > second {
                second = d;
            }
        }
        for ((u, l), &a) in self.upper.iter_mut().zip(&mut self.lower).zip(labels) {
            *u += shift[a];
            *l -= [first, second][usize::from(a == argmax)]; // (a load, not a branch)
        }
    }
}

/// A point's nearest two centres, the centres considered one at a time: the nearest (the first
/// on ties), its squared distance and the second smallest. Without branches: which centre is
/// nearer is a coin toss for the points whose distances are computed, and mispredicted branches
/// were a sixth of K-Means' time (cachegrind's branch simulation, and the CPU time: −18 %).
struct NearestTwo {
    best: usize,
    nearest: f64,
    second: f64,
}

impl NearestTwo {
    #[inline(always)]
    fn new() -> Self {
        Self {
            best: 0,
            nearest: f64::INFINITY,
            second: f64::INFINITY,
        }
    }

    /// Centre `c` at squared distance `d`: nearest ≤ second, so the second smallest is
    /// min(second, max(d, nearest)); each is one of the values, as with branches.
    #[inline(always)]
    fn consider(&mut self, c: usize, d: f64) {
        self.best = if d < self.nearest { c } else { self.best };
        self.second = self.second.min(d.max(self.nearest));
        self.nearest = self.nearest.min(d);
    }
}

/// How far the bounds must exclude every other centre before a point's distances are skipped,
/// in squared distance, relative to ‖x‖² + the largest ‖c‖² + 1: four orders of magnitude
/// above the rounding error of the distances' expansion, so a skipped point keeps exactly the
/// label the full computation would give it (tested: bit-identical clusterings).
const BOUND_MARGIN: f64 = 1e-10;

/// One assignment pass: each point's nearest centre (in `labels`, updated), with the
/// per-cluster sums and counts and the number of labels it changed, from blocks of rows in
/// parallel added in block order. The k dot products of a row are plain loops (with a handful
/// of centres a matrix product spends more time packing the rows than multiplying, profiled),
/// and each block is compiled for AVX's four-wide products where the CPU has them ([`widest`]:
/// the same bits, 22 % fewer instructions in the k study).
///
/// Hamerly's algorithm (as scikit-learn's `elkan` option, with one lower bound a point): a
/// point whose bounds show its centre nearer than any other by more than [`BOUND_MARGIN`]
/// keeps its label without computing its distances; most points do after the first passes.
/// `bounds: None` computes every distance (the reference the tests compare with).
fn assign(
    x: &Array2<f64>,
    norms: &[f64],
    centres: &Array2<f64>,
    labels: &mut [usize],
    bounds: Option<&mut Bounds>,
    kept: &mut Vec<BlockSums>,
) -> (Array2<f64>, Vec<usize>, usize) {
    let (p, k) = (x.ncols(), centres.nrows());
    let cn = row_norms(centres);
    let largest = cn.iter().copied().fold(0.0, f64::max);
    let centres = centres.as_standard_layout();
    let flat_centres = centres.as_slice().unwrap_or_default();
    let x = x.as_standard_layout();
    let flat_x = x.as_slice().unwrap_or_default();
    // half the distance from each centre to its nearest other centre
    let centre = |c: usize| &flat_centres[c * p..][..p];
    let mut nearest = vec![f64::INFINITY; k];
    for c in 0..k {
        // the distances to the centres after c, four at a time, each counted for both ends
        let others: Vec<usize> = (c + 1..k).collect();
        let (fours, rest) = others.as_chunks::<4>();
        for o in fours {
            let d = squared_distances([centre(c); 4], o.map(centre));
            for (&o, d) in o.iter().zip(d) {
                nearest[c] = nearest[c].min(d);
                nearest[o] = nearest[o].min(d);
            }
        }
        for &o in rest {
            let [d] = squared_distances([centre(c)], [centre(o)]);
            nearest[c] = nearest[c].min(d);
            nearest[o] = nearest[o].min(d);
        }
    }
    let half_gap: Vec<f64> = nearest.iter().map(|d| d.sqrt() / 2.0).collect();
    let block = ASSIGN_BLOCK;
    let shared = Pass {
        flat_x,
        norms,
        flat_centres,
        cn: &cn,
        largest,
        half_gap: &half_gap,
        p,
        k,
    };
    // one block of rows, with its bounds when they are kept, compiled for the widest products
    let pass = |b: usize,
                labels: &mut [usize],
                bounds: Option<(&mut [f64], &mut [f64])>,
                kept: &mut BlockSums| {
        widest(BlockPass {
            pass: &shared,
            first: b * block,
            labels,
            bounds,
            kept,
        })
    };
    let blocks = labels.len().div_ceil(block);
    if kept.len() != blocks {
        *kept = (0..blocks).map(|_| BlockSums::default()).collect();
    }
    match bounds {
        Some(Bounds { upper, lower }) => labels
            .par_chunks_mut(block)
            .zip(upper.par_chunks_mut(block))
            .zip(lower.par_chunks_mut(block))
            .zip(kept.par_iter_mut())
            .enumerate()
            .for_each(|(b, (((l, u), lo), kept))| pass(b, l, Some((u, lo)), kept)),
        None => labels
            .par_chunks_mut(block)
            .zip(kept.par_iter_mut())
            .enumerate()
            .for_each(|(b, (l, kept))| pass(b, l, None, kept)),
    };
    // the blocks' sums added in block order (the same at any thread count)
    let mut sums = vec![0.0; k * p];
    let mut counts = vec![0usize; k];
    let moved = kept.iter().map(|b| b.moved).sum();
    for BlockSums {
        sums: s, counts: c, ..
    } in kept.iter()
    {
        sums.iter_mut().zip(s).for_each(|(a, b)| *a += b);
        counts.iter_mut().zip(c).for_each(|(a, b)| *a += b);
    }
    let sums = Array2::from_shape_vec((k, p), sums).unwrap_or_else(|_| Array2::zeros((k, p)));
    (sums, counts, moved)
}

/// What every block of an assignment pass reads.
struct Pass<'a> {
    flat_x: &'a [f64],
    norms: &'a [f64],
    flat_centres: &'a [f64],
    /// The centres' squared norms, the largest of them, and half the distance from each centre
    /// to its nearest other centre.
    cn: &'a [f64],
    largest: f64,
    half_gap: &'a [f64],
    p: usize,
    k: usize,
}

/// One block of rows of an assignment pass (rows `first..`), with its bounds when they are kept.
struct BlockPass<'p, 'b> {
    pass: &'p Pass<'p>,
    first: usize,
    labels: &'b mut [usize],
    bounds: Option<(&'b mut [f64], &'b mut [f64])>,
    kept: &'b mut BlockSums,
}

impl WithLanes for BlockPass<'_, '_> {
    type Output = ();

    #[inline(always)]
    fn run<L: Lanes>(self, lanes: L) {
        let BlockPass {
            pass,
            first,
            labels,
            mut bounds,
            kept,
        } = self;
        let Pass {
            flat_x,
            norms,
            flat_centres,
            cn,
            largest,
            half_gap,
            p,
            k,
        } = *pass;
        let rows = first..first + labels.len();
        // no sums kept yet: the block's rows are summed after the pass
        let fresh = kept.counts.len() != k;
        let mut moved = 0;
        // Which rows need their distances, decided without a branch a row (whether the bounds
        // settle a point is a coin toss for many: mispredicted branches, cachegrind): first the
        // bounds, then the exact distance to the own centre for the rows they leave open, each
        // step listing the rows still open; the rows of the last list, in row order, then get
        // their products with every centre two at a time (`products2`: their additions overlap)
        let n_rows = labels.len();
        let BlockSums { open, lbs, .. } = &mut *kept;
        open.clear();
        open.resize(n_rows, 0);
        lbs.clear();
        lbs.resize(n_rows, 0.0);
        let mut still = n_rows;
        if let Some((upper, lower)) = bounds
            .as_mut()
            .filter(|(u, _)| u.first().is_some_and(|u| u.is_finite()))
        {
            let mut count = 0;
            for r in 0..n_rows {
                let i = first + r;
                let margin = BOUND_MARGIN * (norms[i] + largest + 1.0);
                let (u, a) = (upper[r], labels[r]);
                let lb = lower[r].max(2.0 * half_gap[a] - u);
                // the bounds exclude every other centre: lb > u, by the margin in squared distance
                let excluded = (lb > u) & ((lb - u) * (lb + u) > margin);
                open[count] = r;
                lbs[count] = lb;
                count += usize::from(!excluded);
            }
            let mut left = 0;
            for o in 0..count {
                let (r, lb) = (open[o], lbs[o]);
                let i = first + r;
                let margin = BOUND_MARGIN * (norms[i] + largest + 1.0);
                let a = labels[r];
                let row = &flat_x[i * p..][..p];
                // the test again with the exact distance, squared: the test does not wait for
                // the square root (perf: that wait was 6 % of the assignment)
                let u2 = (norms[i]
                    + (cn[a] - 2.0 * dots_in(lanes, row, [&flat_centres[a * p..][..p]])[0]))
                    .max(0.0);
                upper[r] = u2.sqrt(); // (`settle` sets it again for the rows left open)
                open[left] = r;
                left += usize::from(!((lb > 0.0) & (lb * lb - u2 > margin)));
            }
            still = left;
        } else {
            // no bounds yet (they are all known or all unknown): every row is open
            for (r, o) in open.iter_mut().enumerate() {
                *o = r;
            }
        }
        let open = std::mem::take(&mut kept.open);
        let mut row_products = [vec![0.0; k], vec![0.0; k]];
        let (pairs, last) = open[..still].as_chunks::<2>();
        for &[w, r] in pairs {
            let [pw, pr] = &mut row_products;
            let rows = [
                &flat_x[(first + w) * p..][..p],
                &flat_x[(first + r) * p..][..p],
            ];
            products2(lanes, rows, flat_centres, p, [pw, pr]);
            // the two rows settled in row order: the sums change in the order one at a time
            for (r, g) in [(w, &row_products[0]), (r, &row_products[1])] {
                moved += settle(pass, first, r, g, fresh, labels, bounds.as_mut(), kept);
            }
        }
        if let &[w] = last {
            let row = &flat_x[(first + w) * p..][..p];
            products(lanes, row, flat_centres, p, &mut row_products[0]);
            moved += settle(
                pass,
                first,
                w,
                &row_products[0],
                fresh,
                labels,
                bounds.as_mut(),
                kept,
            );
        }
        kept.open = open;
        if fresh {
            let mut sums = vec![0.0; k * p];
            let mut counts = vec![0; k];
            for (&l, i) in labels.iter().zip(rows) {
                counts[l] += 1;
                sums[l * p..(l + 1) * p]
                    .iter_mut()
                    .zip(&flat_x[i * p..][..p])
                    .for_each(|(s, v)| *s += v);
            }
            *kept = BlockSums {
                sums,
                counts,
                moved,
                open: std::mem::take(&mut kept.open),
                lbs: std::mem::take(&mut kept.lbs),
            };
        }
        kept.moved = moved;
    }
}

/// Row `r` of a block (point `first + r`) to its nearest centre from its products `g` with
/// every centre: its label, its bounds when they are kept, and, when it moves and the block's
/// sums are kept, those sums (out of its old cluster, into its new one). Returns 1 when it moved.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn settle(
    pass: &Pass<'_>,
    first: usize,
    r: usize,
    g: &[f64],
    fresh: bool,
    labels: &mut [usize],
    bounds: Option<&mut (&mut [f64], &mut [f64])>,
    kept: &mut BlockSums,
) -> usize {
    let (i, p) = (first + r, pass.p);
    let mut two = NearestTwo::new();
    for (c, (g, cn)) in g.iter().zip(pass.cn).enumerate() {
        two.consider(c, cn - 2.0 * g);
    }
    let NearestTwo {
        best,
        nearest: best_d,
        second: second_d,
    } = two;
    let old = labels[r];
    if best != old && !fresh {
        // the point moves: out of its old cluster's sum, into its new one's
        kept.counts[old] -= 1;
        kept.counts[best] += 1;
        let (from, to) = (old * p, best * p);
        for (j, v) in pass.flat_x[i * p..][..p].iter().enumerate() {
            kept.sums[from + j] -= v;
            kept.sums[to + j] += v;
        }
    }
    labels[r] = best;
    if let Some((upper, lower)) = bounds {
        let distance = |squared_expansion: f64| (pass.norms[i] + squared_expansion).max(0.0).sqrt();
        upper[r] = distance(best_d);
        lower[r] = if second_d.is_finite() {
            distance(second_d)
        } else {
            f64::INFINITY
        };
    }
    usize::from(best != old)
}

/// [`products`] of two rows `a` at once, each product the same bits as alone ([`Lanes::dots2x4`]).
#[inline(always)]
fn products2<L: Lanes>(lanes: L, a: [&[f64]; 2], rows: &[f64], p: usize, out: [&mut [f64]; 2]) {
    let [o0, o1] = out;
    let mut quads = rows.chunks_exact(4 * p);
    for ((four, o0), o1) in (&mut quads)
        .zip(o0.chunks_exact_mut(4))
        .zip(o1.chunks_exact_mut(4))
    {
        let four = [
            &four[..p],
            &four[p..2 * p],
            &four[2 * p..3 * p],
            &four[3 * p..],
        ];
        let [g0, g1] = lanes.dots2x4(a, four);
        o0.copy_from_slice(&g0);
        o1.copy_from_slice(&g1);
    }
    // the last one to three rows: each vector a alone (as `products`)
    let rest = quads.remainder();
    let done = (rows.len() - rest.len()) / p;
    products(lanes, a[0], rest, p, &mut o0[done..]);
    products(lanes, a[1], rest, p, &mut o1[done..]);
}

/// `a`'s products with each row of `p` values in `rows`, into `out` (one a row): four rows at a
/// time and the last one to three together, each load of `a` shared (see `dots`; the rows are
/// sliced out by hand: `array::map` was a call per group in the dev build, a twentieth of
/// K-Means' instructions).
#[inline(always)]
fn products<L: Lanes>(lanes: L, a: &[f64], rows: &[f64], p: usize, out: &mut [f64]) {
    let mut quads = rows.chunks_exact(4 * p);
    for (four, o) in (&mut quads).zip(out.chunks_exact_mut(4)) {
        let four = [
            &four[..p],
            &four[p..2 * p],
            &four[2 * p..3 * p],
            &four[3 * p..],
        ];
        o.copy_from_slice(&lanes.dots4(a, four));
    }
    let rest = quads.remainder();
    let last = &mut out[(rows.len() - rest.len()) / p..];
    match *last {
        [] => {}
        [_] => last.copy_from_slice(&dots_in(lanes, a, [rest])),
        [_, _] => last.copy_from_slice(&dots_in(lanes, a, [&rest[..p], &rest[p..]])),
        _ => {
            let three = [&rest[..p], &rest[p..2 * p], &rest[2 * p..]];
            last.copy_from_slice(&dots_in(lanes, a, three));
        }
    }
}

/// One block's per-cluster sums of its rows and counts, kept from one assignment pass to the
/// next: summed in row order after the first pass, then updated as points move (a point that
/// changes cluster is subtracted from its old cluster's sum and added to its new one's, in row
/// order), as in Hamerly's algorithm. Resumming the clusters a point left or joined, as before,
/// still added 70 % of the rows again at every pass (counted on the case file's k study); the
/// updates cut K-Means' instructions by 16 % and left the k table and the clusters
/// byte-identical. A block's sums depend on its rows and their moves only, so they are the same
/// at any thread count.
#[derive(Debug, Default)]
struct BlockSums {
    sums: Vec<f64>,
    counts: Vec<usize>,
    /// Points whose label the last pass changed.
    moved: usize,
    /// Scratch of a pass: the rows still open, and their lower bounds.
    open: Vec<usize>,
    lbs: Vec<f64>,
}

/// Lloyd's iterations from `centres` (scikit-learn's `_kmeans_single_lloyd`): stop when no
/// label changes or the centres' total squared shift is at most `tol`; an empty cluster takes
/// the point farthest from its centre. Returns the centres, the labels of the final centres and
/// the inertia. The assignment skips points by Hamerly's bounds (see [`assign`]), from the
/// first pass on when k-means++'s distances to the centres (`to_centres`) are given; the
/// clustering is the one computing every distance gives, bit for bit.
fn lloyd(
    x: &Array2<f64>,
    norms: &[f64],
    centres: Array2<f64>,
    tol: f64,
    to_centres: Option<&[Vec<f64>]>,
) -> (Array2<f64>, Vec<usize>, f64) {
    lloyd_with(x, norms, centres, tol, true, to_centres)
}

fn lloyd_with(
    x: &Array2<f64>,
    norms: &[f64],
    mut centres: Array2<f64>,
    tol: f64,
    use_bounds: bool,
    to_centres: Option<&[Vec<f64>]>,
) -> (Array2<f64>, Vec<usize>, f64) {
    let n = x.nrows();
    let mut labels = vec![0usize; n];
    let mut bounds = match to_centres {
        Some(d) if use_bounds && d.len() == centres.nrows() => Bounds::seeded(d, &mut labels),
        _ => Bounds::unknown(if use_bounds { n } else { 0 }),
    };
    let mut kept = Vec::new();
    // the labels are those of the final centres (strict convergence): no pass after the loop
    let mut settled = false;
    for iteration in 0..KMEANS_MAX_ITER {
        let (sums, counts, moved) = assign(
            x,
            norms,
            &centres,
            &mut labels,
            use_bounds.then_some(&mut bounds),
            &mut kept,
        );
        if iteration > 0 && moved == 0 {
            // strict convergence: no label changed, so the centres are the means of these labels
            settled = true;
            break;
        }
        let mut next = sums;
        for (c, &count) in counts.iter().enumerate() {
            if count > 0 {
                next.row_mut(c).mapv_inplace(|v| v / count as f64);
            } else {
                let far = (0..x.nrows())
                    .map(|i| (i, squared_distance(x.row(i), centres.row(labels[i]))))
                    .fold((0, -1.0), |a, b| if b.1 > a.1 { b } else { a })
                    .0;
                next.row_mut(c).assign(&x.row(far));
            }
        }
        let shift: f64 = (&next - &centres).iter().map(|v| v * v).sum();
        if use_bounds {
            let moved: Vec<f64> = next
                .outer_iter()
                .zip(centres.outer_iter())
                .map(|(a, b)| squared_distance(a, b).sqrt())
                .collect();
            bounds.moved(&labels, &moved);
        }
        centres = next;
        if shift <= tol {
            break;
        }
    }
    if !settled {
        // the labels of the last centres (scikit-learn's final E-step)
        assign(
            x,
            norms,
            &centres,
            &mut labels,
            use_bounds.then_some(&mut bounds),
            &mut kept,
        );
    }
    let inertia = inertia(x, &labels, &centres); // directly, not from the expanded products
    (centres, labels, inertia)
}

/// Sum of squared euclidean distances of every point to its cluster's centroid, in point order
/// (each distance as [`squared_distance`]; four points' at once: [`squared_distances`]).
pub fn inertia(x: &Array2<f64>, labels: &[usize], centroids: &Array2<f64>) -> f64 {
    let (x, c) = (x.as_standard_layout(), centroids.as_standard_layout());
    let (Some(flat), Some(cs), p) = (x.as_slice(), c.as_slice(), x.ncols()) else {
        unreachable!("a standard-layout matrix is one slice")
    };
    let centre = |l: usize| &cs[l * p..][..p];
    let labels = &labels[..labels.len().min(x.nrows())];
    let mut total = -0.0;
    let (fours, rest) = labels.as_chunks::<4>();
    for (q, l) in fours.iter().enumerate() {
        let rows: [&[f64]; 4] = std::array::from_fn(|r| &flat[(4 * q + r) * p..][..p]);
        for d in squared_distances(rows, l.map(centre)) {
            total += d;
        }
    }
    for (i, &l) in rest.iter().enumerate() {
        let row = &flat[(4 * fours.len() + i) * p..][..p];
        total += squared_distances([row], [centre(l)])[0];
    }
    total
}

/// Σ (aⱼ − bⱼ)², in order (computed directly, not from the expanded products).
fn squared_distance(a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    match (a.as_slice(), b.as_slice()) {
        // rows as slices: the same sum without ndarray's element iterator (a sixth of K-Means'
        // instructions went to it in the inertia of every run)
        (Some(a), Some(b)) => squared_distances([a], [b])[0],
        _ => a.iter().zip(b.iter()).map(|(u, v)| (u - v) * (u - v)).sum(),
    }
}

/// Mean silhouette coefficient (euclidean, every point), as scikit-learn's
/// `silhouette_score`; see [`silhouettes`].
pub fn silhouette(x: &Array2<f64>, labels: &[usize]) -> Result<f64> {
    Ok(silhouettes(x, &[labels])?[0])
}

/// One labeling's clusters, checked for a silhouette.
struct Labeling<'a> {
    labels: &'a [usize],
    sizes: Vec<usize>,
}

impl<'a> Labeling<'a> {
    fn new(labels: &'a [usize], n: usize) -> Result<Self> {
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
        Ok(Self { labels, sizes })
    }

    /// The silhouettes of the `R` points `first..first + R` from their distances to every point
    /// (`strip[j]`: point j's distances to the `R`; their own: 0). Each point's distances are
    /// summed by cluster in point order, as one at a time; the `R` points' sums are independent
    /// chains of additions, side by side in memory, so the processor overlaps them and adds
    /// them as one vector (perf: one point at a time waited on each addition to the previous
    /// one of its cluster in memory).
    #[inline(always)]
    fn of<L: Lanes, const R: usize>(
        &self,
        lanes: L,
        first: usize,
        strip: &[[f64; R]],
        sums: &mut Vec<[f64; R]>,
    ) -> [f64; R] {
        let k = self.sizes.len();
        sums.clear();
        sums.resize(k, [0.0; R]);
        for (&l, d) in self.labels.iter().zip(strip) {
            let s = &mut sums[l];
            let (s4s, s_tail) = s.as_chunks_mut::<4>();
            for (s, d) in s4s.iter_mut().zip(d.as_chunks::<4>().0) {
                *s = lanes.add4(*s, *d);
            }
            for (s, d) in s_tail.iter_mut().zip(&d[R / 4 * 4..]) {
                *s += d;
            }
        }
        std::array::from_fn(|r| {
            let own = self.labels[first + r];
            if self.sizes[own] <= 1 {
                return 0.0; // alone in its cluster, as scikit-learn
            }
            let a = sums[own][r] / (self.sizes[own] - 1) as f64;
            let b = (0..k)
                .filter(|c| *c != own && self.sizes[*c] > 0)
                .map(|c| sums[c][r] / self.sizes[c] as f64)
                .fold(f64::INFINITY, f64::min);
            (b - a) / a.max(b)
        })
    }
}

/// One block of the silhouettes: from the products of every point with the block's `count`
/// points (`flat`, a row a point), each labeling's sum of the block points' silhouettes; compiled
/// for AVX where the CPU has it ([`widest`]), so distances and sums go four at a time.
struct BlockSilhouettes<'a> {
    flat: &'a mut [f64],
    start: usize,
    count: usize,
    norms: &'a [f64],
    labelings: &'a [Labeling<'a>],
}

impl WithLanes for BlockSilhouettes<'_> {
    type Output = Vec<f64>;

    #[inline(always)]
    fn run<L: Lanes>(self, lanes: L) -> Vec<f64> {
        let Self {
            flat,
            start,
            count,
            norms,
            labelings,
        } = self;
        let n = norms.len();
        let block = &norms[start..start + count];
        for (j, row) in flat.chunks_exact_mut(count).enumerate() {
            let (g4s, tail) = row.as_chunks_mut::<4>();
            let (n4s, n_tail) = block.as_chunks::<4>();
            for (g, ni) in g4s.iter_mut().zip(n4s) {
                *g = lanes.distances4(*ni, norms[j], *g);
            }
            for (g, ni) in tail.iter_mut().zip(n_tail) {
                *g = (ni + norms[j] - 2.0 * *g).max(0.0).sqrt();
            }
            if (start..start + count).contains(&j) {
                row[j - start] = 0.0;
            }
        }
        let flat = &*flat;
        let mut totals = vec![0.0; labelings.len()];
        // `SILHOUETTE_GROUP` of the block's points at a time (their distances side by side),
        // their silhouettes added in point order
        const G: usize = SILHOUETTE_GROUP;
        let mut strip = vec![[0.0; G]; n];
        let mut sums = Vec::new();
        let mut r = 0;
        while r + G <= count {
            for (d, row) in strip.iter_mut().zip(flat.chunks_exact(count)) {
                d.copy_from_slice(&row[r..r + G]);
            }
            for (total, labeling) in totals.iter_mut().zip(labelings) {
                let s = labeling.of(lanes, start + r, &strip, &mut sums);
                s.iter().for_each(|v| *total += v);
            }
            r += G;
        }
        for r in r..count {
            let strip: Vec<[f64; 1]> = flat.chunks_exact(count).map(|row| [row[r]]).collect();
            let mut sums = Vec::new();
            for (total, labeling) in totals.iter_mut().zip(labelings) {
                let [s] = labeling.of(lanes, start + r, &strip, &mut sums);
                *total += s;
            }
        }
        totals
    }
}

/// Mean silhouette coefficients of several labelings of the same points (the k study's nine),
/// as scikit-learn's `silhouette_score` for each. Hand-written rather than linfa's, which
/// allocates a difference vector for every pair of points (profiled: most of the segmentation
/// stage's time). The distances do not depend on the labels, so they are computed once for
/// every labeling: a block of rows at a time, squared distances from one matrix product
/// (‖a‖² + ‖b‖² − 2a·b, as scikit-learn computes euclidean distances), their square roots, then
/// each labeling's per-cluster sums. The products are taken as every point's with the block's
/// points (a row a point), so four block points' distances to a point lie side by side and
/// their four sums go up together (callgrind: 455 M → 225 M instructions for the k study's
/// sums, the same bits). Blocks run in parallel and their sums are added in block order, so
/// the result is the same at any thread count.
pub fn silhouettes(x: &Array2<f64>, labelings: &[&[usize]]) -> Result<Vec<f64>> {
    let n = x.nrows();
    let labelings: Vec<Labeling> = labelings
        .iter()
        .map(|l| Labeling::new(l, n))
        .collect::<Result<_>>()?;
    let x = x.as_standard_layout();
    let norms = row_norms(&x);
    let blocks: Vec<Vec<f64>> = per_block_of(n, SILHOUETTE_BLOCK, |rows| {
        let (start, count) = (rows.start, rows.len());
        // every point's distances to the block's points, a row a point
        let mut distances = x.dot(&x.slice(s![rows, ..]).t());
        widest(BlockSilhouettes {
            flat: distances.as_slice_mut().unwrap_or_default(),
            start,
            count,
            norms: &norms,
            labelings: &labelings,
        })
    });
    Ok((0..labelings.len())
        .map(|l| blocks.iter().map(|b| b[l]).sum::<f64>() / n as f64)
        .collect())
}

/// Points whose silhouettes are summed side by side (see [`Labeling::of`]).
const SILHOUETTE_GROUP: usize = 8;

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
    let rows = sample_rows(x.nrows(), sample_size, seed);
    let sub_labels: Vec<usize> = rows.iter().map(|&i| labels[i]).collect();
    silhouette(&x.select(Axis(0), &rows), &sub_labels)
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
/// in parallel: each is seeded alone, so the table is the same at any thread count. The
/// silhouettes of every k come from one pass over the distances ([`silhouettes`]), on the
/// same points ([`silhouette_scaled`]'s rule).
pub fn k_scan(
    x: &Array2<f64>,
    ks: impl IntoIterator<Item = usize>,
    seed: u64,
) -> Result<Vec<KRow>> {
    let ks: Vec<usize> = ks.into_iter().collect();
    let n = x.nrows();
    let rows = n.min(SILHOUETTE_EXACT_MAX);
    // the silhouettes' points (`silhouette_sample`'s): each k keeps its labels of those only
    // (nine labelings of ten million customers would be 720 MB)
    let sample = (rows < n).then(|| sample_rows(n, rows, seed));
    let fits: Vec<(f64, Vec<usize>)> = ks
        .par_iter()
        .map(|&k| {
            let c = kmeans(x, k, seed)?;
            let labels = match &sample {
                Some(r) => r.iter().map(|&i| c.labels[i]).collect(),
                None => c.labels,
            };
            Ok((c.inertia, labels))
        })
        .collect::<Result<_>>()?;
    let labelings: Vec<&[usize]> = fits.iter().map(|(_, l)| l.as_slice()).collect();
    let scores = match &sample {
        Some(r) => silhouettes(&x.select(Axis(0), r), &labelings)?,
        None => silhouettes(x, &labelings)?,
    };
    Ok(ks
        .iter()
        .zip(&fits)
        .zip(scores)
        .map(|((&k, (inertia, _)), silhouette)| KRow {
            k,
            inertia: *inertia,
            silhouette,
            silhouette_rows: rows,
        })
        .collect())
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
    use crate::ml::kernels::on_threads;
    use linfa::prelude::*;
    use ndarray::Array1;

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
    fn silhouettes_of_several_labelings_are_each_ones_own() {
        let (x, truth) = cloud(900);
        let other: Vec<usize> = (0..900).map(|i| i % 4).collect();
        let both = silhouettes(&x, &[&truth, &other]).unwrap();
        assert_eq!(both[0], silhouette(&x, &truth).unwrap());
        assert_eq!(both[1], silhouette(&x, &other).unwrap());
        assert!((both[1] - direct_silhouette(&x, &other)).abs() < 1e-10);
        // the k study's silhouettes are those of each k's clustering
        let table = k_scan(&x, 2..=4, 5).unwrap();
        for row in &table {
            let c = kmeans(&x, row.k, 5).unwrap();
            assert_eq!(row.silhouette, silhouette(&x, &c.labels).unwrap());
            assert_eq!((row.inertia, row.silhouette_rows), (c.inertia, 900));
        }
    }

    #[test]
    fn silhouette_is_identical_at_any_thread_count() {
        let (x, labels) = cloud(1100); // several row blocks
        let on = |threads| on_threads(threads, || silhouette(&x, &labels).unwrap());
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
        // the k study samples the same points
        for row in k_scan(&x, 2..=3, 3).unwrap() {
            let c = kmeans(&x, row.k, 3).unwrap();
            let (s, rows) = silhouette_scaled(&x, &c.labels, 3).unwrap();
            assert_eq!((row.silhouette, row.silhouette_rows), (s, rows));
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
    fn kmeans_agrees_with_linfa_and_is_identical_at_any_thread_count() {
        let (x, truth) = cloud(5000); // several assignment blocks
        let on = |threads| on_threads(threads, || kmeans(&x, 3, 42).unwrap());
        let one = on(1);
        assert_eq!(one, on(2));
        assert_eq!(one, on(5));
        assert!(adjusted_rand_index(&one.labels, &truth) > 0.99);
        let rng = Xoshiro256Plus::seed_from_u64(42);
        let linfa = linfa_clustering::KMeans::params_with_rng(3, rng)
            .n_runs(10)
            .fit(&DatasetBase::from(x.clone()))
            .unwrap();
        let theirs = inertia(&x, &linfa.predict(&x).to_vec(), linfa.centroids());
        assert!(
            (one.inertia - theirs).abs() / theirs < 1e-9,
            "{} vs linfa {theirs}",
            one.inertia
        );
        // every label is its point's nearest centre
        for (row, &l) in x.outer_iter().zip(&one.labels) {
            let d = |c: usize| {
                row.iter()
                    .zip(one.centroids.row(c).iter())
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
            };
            assert!((0..3).all(|c| d(l) <= d(c) + 1e-12));
        }
    }

    #[test]
    fn hamerly_bounds_give_the_clustering_of_every_distance_bit_for_bit() {
        // a cloud, and 0/1 points (one-hot like: many exact ties between distances)
        let (cloud, _) = cloud(5000);
        let mut rng = Xoshiro256Plus::seed_from_u64(3);
        let binary = Array2::from_shape_fn((3000, 6), |_| (rng.next_u64() % 2) as f64);
        for x in [cloud, binary] {
            let norms = row_norms(&x);
            let tol = KMEANS_TOL * mean_variance(&x);
            for k in 2..=10 {
                for run in 0..3 {
                    let mut rng = Xoshiro256Plus::seed_from_u64(run);
                    let (init, to_init) = kmeans_plus_plus(&x, &norms, k, &mut rng);
                    let every = lloyd_with(&x, &norms, init.clone(), tol, false, None);
                    // bounds from the first pass's distances, or from k-means++'s
                    for seeds in [None, Some(to_init.as_slice())] {
                        let (c, l, i) = lloyd_with(&x, &norms, init.clone(), tol, true, seeds);
                        let case = format!("k = {k}, run {run}, seeded {}", seeds.is_some());
                        assert_eq!(l, every.1, "{case}");
                        let same = c
                            .iter()
                            .zip(&every.0)
                            .all(|(a, b)| a.to_bits() == b.to_bits());
                        assert!(same, "{case}");
                        assert_eq!(i.to_bits(), every.2.to_bits(), "{case}");
                    }
                }
            }
        }
    }

    #[test]
    fn kmeans_on_a_sample_then_refined_on_every_point_finds_the_same_clusters() {
        let (x, truth) = cloud(6000);
        let full = kmeans(&x, 3, 7).unwrap();
        let sampled = kmeans_sampled(&x, 3, 7, 500).unwrap();
        assert_eq!(sampled.labels.len(), 6000);
        assert!(adjusted_rand_index(&sampled.labels, &full.labels) > 0.999);
        assert!(adjusted_rand_index(&sampled.labels, &truth) > 0.99);
        assert!((sampled.inertia - full.inertia).abs() / full.inertia < 1e-6);
        assert_eq!(sampled, kmeans_sampled(&x, 3, 7, 500).unwrap());
    }

    #[test]
    fn inertia_is_the_sum_of_each_points_distance_in_order_to_the_bit() {
        // seven points (a group of four and three alone), distances of very different sizes so
        // that any other order of the additions rounds differently
        let x = Array2::from_shape_fn((7, 5), |(i, j)| {
            ((i * 7 + j * 3) % 11) as f64 * 10f64.powi(i as i32 - 3) + 0.1 * j as f64
        });
        let centres = Array2::from_shape_fn((2, 5), |(c, j)| c as f64 * 0.37 - 0.05 * j as f64);
        let labels = [0, 1, 1, 0, 1, 0, 0];
        let want: f64 = x
            .outer_iter()
            .zip(&labels)
            .map(|(r, &l)| {
                r.iter()
                    .zip(centres.row(l))
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
            })
            .sum();
        assert_eq!(inertia(&x, &labels, &centres).to_bits(), want.to_bits());
        // the same from a column-major copy
        let f = x.t().as_standard_layout().t().to_owned();
        assert_eq!(inertia(&f, &labels, &centres).to_bits(), want.to_bits());
    }

    #[test]
    fn kmeans_refuses_impossible_k_and_missing_values() {
        let x = blobs();
        assert!(kmeans(&x, 0, 1).is_err());
        assert!(kmeans(&x, 16, 1).is_err());
        let mut bad = x.clone();
        bad[[3, 1]] = f64::NAN;
        assert!(kmeans(&bad, 2, 1).is_err());
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
