//! Dense kernels over fixed blocks of rows: the rows are cut into blocks of a size that does
//! not depend on the thread count, blocks run in parallel (rayon) and their partial results come
//! back in block order, so a sum over rows adds the same numbers in the same order at 1 thread
//! or 64. (A parallel reduction order is what none of the linear-algebra crates here fixes.)

use std::ops::Range;

/// Rows per block.
pub(crate) const ROW_BLOCK: usize = 4096;

/// `f` over the blocks of `0..n` (`ROW_BLOCK` rows each, the last shorter), in parallel;
/// results in block order.
pub(crate) fn per_block<R: Send>(n: usize, f: impl Fn(Range<usize>) -> R + Sync) -> Vec<R> {
    per_block_of(n, ROW_BLOCK, f)
}

/// [`per_block`] with blocks of `block` rows (a kernel whose block is a different trade-off:
/// K-Means' assignment, the silhouette's distance products).
pub(crate) fn per_block_of<R: Send>(
    n: usize,
    block: usize,
    f: impl Fn(Range<usize>) -> R + Sync,
) -> Vec<R> {
    use rayon::prelude::*;
    let block = block.max(1);
    (0..n.div_ceil(block))
        .into_par_iter()
        .map(|b| f(b * block..((b + 1) * block).min(n)))
        .collect()
}

/// a·b in four independent partial sums (vectorisable; a fixed order): [`dots`] of one vector.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    dots(a, [b])[0]
}

/// a·b for each of `M` vectors b at once, each in four independent partial sums over the
/// positions j mod 4 (a fixed order, so the same bits whatever `M`), the `M` vectors sharing
/// each load of `a` (K-Means' assignment and k-means++). (An AVX2 build of it, dispatched at run
/// time, measured no faster.)
pub(crate) fn dots<const M: usize>(a: &[f64], bs: [&[f64]; M]) -> [f64; M] {
    let n = a.len();
    let bs = bs.map(|b| &b[..n]);
    let whole = n / 4 * 4;
    let mut acc = [[0.0f64; 4]; M];
    for j in (0..whole).step_by(4) {
        let a4: [f64; 4] = [a[j], a[j + 1], a[j + 2], a[j + 3]];
        for m in 0..M {
            let b4: [f64; 4] = [bs[m][j], bs[m][j + 1], bs[m][j + 2], bs[m][j + 3]];
            acc[m] = [
                acc[m][0] + a4[0] * b4[0],
                acc[m][1] + a4[1] * b4[1],
                acc[m][2] + a4[2] * b4[2],
                acc[m][3] + a4[3] * b4[3],
            ];
        }
    }
    let mut out = [0.0; M];
    for m in 0..M {
        let tail: f64 = a[whole..]
            .iter()
            .zip(&bs[m][whole..])
            .map(|(x, y)| x * y)
            .sum();
        out[m] = (acc[m][0] + acc[m][1]) + (acc[m][2] + acc[m][3]) + tail;
    }
    out
}

/// `f` on a pool of `threads` threads (tests of thread-count invariance).
#[cfg(test)]
pub(crate) fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool")
        .install(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_the_rows_once_in_order() {
        let n = 2 * ROW_BLOCK + 5;
        let blocks = per_block(n, |r| r);
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[0], 0..ROW_BLOCK);
        assert_eq!(blocks[2], 2 * ROW_BLOCK..n);
        assert!(per_block(0, |r| r).is_empty());
    }

    #[test]
    fn dots_are_each_dot_bit_for_bit() {
        // the partial sums written out: lanes j mod 4, then (l0 + l1) + (l2 + l3) + the tail
        let reference = |a: &[f64], b: &[f64]| -> f64 {
            let whole = a.len() / 4 * 4;
            let mut lanes = [0.0; 4];
            for j in 0..whole {
                lanes[j % 4] += a[j] * b[j];
            }
            let tail: f64 = (whole..a.len()).map(|j| a[j] * b[j]).sum();
            (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + tail
        };
        for n in [0, 3, 4, 42, 45] {
            let v = |s: f64| -> Vec<f64> { (0..n).map(|i| (i as f64 * s).sin()).collect() };
            let (a, b, c, d, e) = (v(0.7), v(1.3), v(2.9), v(0.11), v(5.0));
            let want = [b.clone(), c.clone(), d.clone(), e.clone()].map(|x| reference(&a, &x));
            assert_eq!(dot(&a, &b).to_bits(), want[0].to_bits());
            let got = dots(&a, [&b, &c, &d, &e]);
            assert_eq!(got.map(f64::to_bits), want.map(f64::to_bits), "n = {n}");
        }
    }

    #[test]
    fn dot_is_the_inner_product() {
        let a: Vec<f64> = (0..7).map(f64::from).collect();
        let b: Vec<f64> = (0..7).map(|i| f64::from(i) * 0.5).collect();
        assert_eq!(dot(&a, &b), 45.5);
    }
}
