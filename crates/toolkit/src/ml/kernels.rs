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
/// each load of `a` (K-Means' assignment and k-means++).
pub(crate) fn dots<const M: usize>(a: &[f64], bs: [&[f64]; M]) -> [f64; M] {
    dots_in(Base, a, bs)
}

/// [`dots`] with the products of `lanes`' instruction set: the same bits with any of them.
#[inline(always)]
pub(crate) fn dots_in<L: Lanes, const M: usize>(lanes: L, a: &[f64], bs: [&[f64]; M]) -> [f64; M] {
    let n = a.len();
    let (a4s, a_tail) = a.as_chunks::<4>();
    let b4s = bs.map(|b| b[..n].as_chunks::<4>());
    let acc = lanes.lanes(a4s, b4s.map(|(b4, _)| b4));
    // loops, not `array::from_fn`: a closure is a call in the dev build
    let mut out = [0.0; M];
    for m in 0..M {
        out[m] = total(acc[m], a_tail, b4s[m].1);
    }
    out
}

/// A dot product from its four partial sums and the tails past the last group of four: the
/// tail's products added in order from −0.0, as `Iterator::sum` (written out: the iterator was
/// a seventh of K-Means' instructions at 42 features, a tail of two).
#[inline(always)]
fn total(acc: [f64; 4], a_tail: &[f64], b: &[f64]) -> f64 {
    let tail = match *a_tail {
        [] => -0.0,
        [x0] => x0 * b[0],
        [x0, x1] => x0 * b[0] + x1 * b[1],
        [x0, x1, x2] => x0 * b[0] + x1 * b[1] + x2 * b[2],
        _ => unreachable!("a tail of a group of four is at most three long"),
    };
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Σⱼ (aⱼ − bⱼ)² of `M` pairs at once, each summed in order from −0.0 (as `Iterator::sum`, so
/// the same bits as one pair at a time); the `M` sums are independent, so the processor overlaps
/// them (one at a time waits on every addition): K-Means' inertia and centre gaps, the SVC's
/// decision function (its kernel matrix is linfa-kernel's).
#[inline(always)]
pub(crate) fn squared_distances<const M: usize>(a: [&[f64]; M], b: [&[f64]; M]) -> [f64; M] {
    let p = a[0].len();
    let (a, b) = (a.map(|v| &v[..p]), b.map(|v| &v[..p]));
    let mut d = [-0.0f64; M];
    for j in 0..p {
        for m in 0..M {
            let t = a[m][j] - b[m][j];
            d[m] += t * t;
        }
    }
    d
}

/// The kernels' arithmetic in one instruction set: every implementation does the same
/// multiplications, additions and square roots in the same order (no fused multiply-add), so
/// all give the same bits (tested).
pub(crate) trait Lanes: Copy {
    /// The four partial sums Σ_q a4[q][l] · b4[q][l] (l = 0..3) of each of `M` vectors.
    fn lanes<const M: usize>(self, a4s: &[[f64; 4]], b4s: [&[[f64; 4]]; M]) -> [[f64; 4]; M];

    /// [`dots_in`] of four vectors b: the four products a·bₘ, the same bits.
    #[inline(always)]
    fn dots4(self, a: &[f64], bs: [&[f64]; 4]) -> [f64; 4] {
        dots_in(self, a, bs)
    }

    /// [`dots4`](Lanes::dots4) of two vectors a at once, each product the same bits.
    #[inline(always)]
    fn dots2x4(self, a: [&[f64]; 2], bs: [&[f64]; 4]) -> [[f64; 4]; 2] {
        [dots_in(self, a[0], bs), dots_in(self, a[1], bs)]
    }

    /// s + d, four at once (the silhouette's per-cluster sums).
    fn add4(self, s: [f64; 4], d: [f64; 4]) -> [f64; 4];

    /// √max(aᵢ + b − 2gᵢ, 0) of four: euclidean distances from their expansion, each rounded
    /// as one at a time.
    fn distances4(self, a: [f64; 4], b: f64, g: [f64; 4]) -> [f64; 4];

    /// `acc[q][l] += a · src[o + offset + 4q + l]` for each term `(o, a)`, the terms in order:
    /// `4Q` sums kept in registers over all their terms (the perceptron's layers and gradients).
    fn axpys<const Q: usize>(self, acc: &mut [[f64; 4]; Q], t: Terms<'_>);

    /// Whether [`Lanes::axpys`] is best given 32 sums at a time (four AVX-512 registers) rather
    /// than 16 (with AVX, 32 sums took 1.7 times as long: more than its 16 registers).
    #[inline(always)]
    fn wide(self) -> bool {
        false
    }
}

/// What [`Lanes::axpys`] adds: `(o, a)` pairs, the values `src` they index from `o + offset`.
#[derive(Clone, Copy)]
pub(crate) struct Terms<'a> {
    pub(crate) terms: &'a [(usize, f64)],
    pub(crate) src: &'a [f64],
    pub(crate) offset: usize,
}

/// [`Lanes::axpys`] written out (the baseline, and the reference of the tests).
#[inline(always)]
fn axpys_scalar<const Q: usize>(acc: &mut [[f64; 4]; Q], t: Terms<'_>) {
    let Terms { terms, src, offset } = t;
    for &(o, a) in terms {
        let s = &src[o + offset..][..4 * Q];
        for (acc, s) in acc.iter_mut().zip(s.as_chunks::<4>().0) {
            for l in 0..4 {
                acc[l] += a * s[l];
            }
        }
    }
}

/// The products every CPU of the target runs: SSE2's on x86-64, plain loops elsewhere.
#[derive(Clone, Copy)]
pub(crate) struct Base;

impl Lanes for Base {
    #[inline(always)]
    fn lanes<const M: usize>(self, a4s: &[[f64; 4]], b4s: [&[[f64; 4]]; M]) -> [[f64; 4]; M] {
        lanes(a4s, b4s)
    }

    #[inline(always)]
    fn add4(self, s: [f64; 4], d: [f64; 4]) -> [f64; 4] {
        std::array::from_fn(|l| s[l] + d[l])
    }

    #[inline(always)]
    fn distances4(self, a: [f64; 4], b: f64, g: [f64; 4]) -> [f64; 4] {
        std::array::from_fn(|l| (a[l] + b - 2.0 * g[l]).max(0.0).sqrt())
    }

    #[inline(always)]
    fn axpys<const Q: usize>(self, acc: &mut [[f64; 4]; Q], t: Terms<'_>) {
        axpys_scalar(acc, t)
    }
}

/// AVX's four-wide products; a value exists only on a CPU that has AVX ([`Avx::detect`]).
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
pub(crate) struct Avx(());

#[cfg(target_arch = "x86_64")]
impl Avx {
    pub(crate) fn detect() -> Option<Self> {
        std::arch::is_x86_feature_detected!("avx").then_some(Self(()))
    }
}

#[cfg(target_arch = "x86_64")]
impl Lanes for Avx {
    #[inline(always)]
    fn lanes<const M: usize>(self, a4s: &[[f64; 4]], b4s: [&[[f64; 4]]; M]) -> [[f64; 4]; M] {
        // SAFETY: an `Avx` value is made only by `detect`, on a CPU with AVX.
        unsafe { lanes_avx(a4s, b4s) }
    }

    #[inline(always)]
    fn dots4(self, a: &[f64], bs: [&[f64]; 4]) -> [f64; 4] {
        // SAFETY: as above.
        unsafe { dots2x4_avx::<1>([a], bs)[0] }
    }

    #[inline(always)]
    fn dots2x4(self, a: [&[f64]; 2], bs: [&[f64]; 4]) -> [[f64; 4]; 2] {
        // SAFETY: as above.
        unsafe { dots2x4_avx(a, bs) }
    }

    #[inline(always)]
    fn add4(self, s: [f64; 4], d: [f64; 4]) -> [f64; 4] {
        use std::arch::x86_64::_mm256_add_pd;
        // SAFETY: as above.
        unsafe { from_avx(_mm256_add_pd(to_avx(s), to_avx(d))) }
    }

    #[inline(always)]
    fn distances4(self, a: [f64; 4], b: f64, g: [f64; 4]) -> [f64; 4] {
        use std::arch::x86_64::{
            _mm256_add_pd, _mm256_max_pd, _mm256_mul_pd, _mm256_set1_pd, _mm256_setzero_pd,
            _mm256_sqrt_pd, _mm256_sub_pd,
        };
        // SAFETY: as above. `_mm256_max_pd(v, 0)` is `f64::max(v, 0.0)`: zero for a NaN, and
        // v − 2g is never −0 here (a + b ≥ 0: squared norms), so its zero is +0 as `max` gives.
        unsafe {
            let v = _mm256_sub_pd(
                _mm256_add_pd(to_avx(a), _mm256_set1_pd(b)),
                _mm256_mul_pd(_mm256_set1_pd(2.0), to_avx(g)),
            );
            from_avx(_mm256_sqrt_pd(_mm256_max_pd(v, _mm256_setzero_pd())))
        }
    }

    #[inline(always)]
    fn axpys<const Q: usize>(self, acc: &mut [[f64; 4]; Q], t: Terms<'_>) {
        let Terms { terms, src, offset } = t;
        use std::arch::x86_64::{_mm256_add_pd, _mm256_loadu_pd, _mm256_mul_pd, _mm256_set1_pd};
        // SAFETY: as above; every load reads four f64s of a slice checked to hold them.
        unsafe {
            let mut v = acc.map(|a| to_avx(a));
            for &(o, a) in terms {
                let s = &src[o + offset..][..4 * Q];
                let a = _mm256_set1_pd(a);
                for (q, v) in v.iter_mut().enumerate() {
                    *v = _mm256_add_pd(*v, _mm256_mul_pd(a, _mm256_loadu_pd(s[4 * q..].as_ptr())));
                }
            }
            *acc = v.map(|v| from_avx(v));
        }
    }
}

/// AVX-512's eight-wide products ([`Lanes::axpys`]; the rest as [`Avx`], valid here since every
/// CPU with AVX-512F has AVX); a value exists only on a CPU that has AVX-512F ([`Avx512::detect`]).
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
pub(crate) struct Avx512(());

#[cfg(target_arch = "x86_64")]
impl Avx512 {
    pub(crate) fn detect() -> Option<Self> {
        std::arch::is_x86_feature_detected!("avx512f").then_some(Self(()))
    }
}

#[cfg(target_arch = "x86_64")]
impl Lanes for Avx512 {
    #[inline(always)]
    fn wide(self) -> bool {
        true
    }

    #[inline(always)]
    fn lanes<const M: usize>(self, a4s: &[[f64; 4]], b4s: [&[[f64; 4]]; M]) -> [[f64; 4]; M] {
        Avx(()).lanes(a4s, b4s)
    }

    #[inline(always)]
    fn dots4(self, a: &[f64], bs: [&[f64]; 4]) -> [f64; 4] {
        Avx(()).dots4(a, bs)
    }

    #[inline(always)]
    fn dots2x4(self, a: [&[f64]; 2], bs: [&[f64]; 4]) -> [[f64; 4]; 2] {
        Avx(()).dots2x4(a, bs)
    }

    #[inline(always)]
    fn add4(self, s: [f64; 4], d: [f64; 4]) -> [f64; 4] {
        Avx(()).add4(s, d)
    }

    #[inline(always)]
    fn distances4(self, a: [f64; 4], b: f64, g: [f64; 4]) -> [f64; 4] {
        Avx(()).distances4(a, b, g)
    }

    #[inline(always)]
    fn axpys<const Q: usize>(self, acc: &mut [[f64; 4]; Q], t: Terms<'_>) {
        use std::arch::x86_64::{
            __m512d, _mm512_add_pd, _mm512_loadu_pd, _mm512_mul_pd, _mm512_set1_pd,
            _mm512_setzero_pd, _mm512_storeu_pd,
        };
        const MAX: usize = 4;
        if Q % 2 == 1 || Q > 2 * MAX {
            return Avx(()).axpys(acc, t);
        }
        let Terms { terms, src, offset } = t;
        let pairs = Q / 2;
        let flat = acc.as_flattened_mut();
        // SAFETY: an `Avx512` value is made only by `detect`, on a CPU with AVX-512F; every load
        // and store touches eight f64s of a slice checked to hold them.
        unsafe {
            let mut v: [__m512d; MAX] = [_mm512_setzero_pd(); MAX];
            for k in 0..pairs {
                v[k] = _mm512_loadu_pd(flat[8 * k..][..8].as_ptr());
            }
            for &(o, a) in terms {
                let s = &src[o + offset..][..4 * Q];
                let a = _mm512_set1_pd(a);
                for k in 0..pairs {
                    v[k] =
                        _mm512_add_pd(v[k], _mm512_mul_pd(a, _mm512_loadu_pd(s[8 * k..].as_ptr())));
                }
            }
            for k in 0..pairs {
                _mm512_storeu_pd(flat[8 * k..][..8].as_mut_ptr(), v[k]);
            }
        }
    }
}

/// Four f64s as one AVX vector, and back (only where AVX is compiled in: see `lanes_avx`).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn to_avx(v: [f64; 4]) -> std::arch::x86_64::__m256d {
    unsafe { std::arch::x86_64::_mm256_set_pd(v[3], v[2], v[1], v[0]) }
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn from_avx(v: std::arch::x86_64::__m256d) -> [f64; 4] {
    let mut out = [0.0; 4];
    // SAFETY: `out` holds four f64s.
    unsafe { std::arch::x86_64::_mm256_storeu_pd(out.as_mut_ptr(), v) };
    out
}

/// A computation generic in its products' instruction set, so that [`widest`] can compile it
/// for the widest one the CPU has.
pub(crate) trait WithLanes {
    type Output;
    fn run<L: Lanes>(self, lanes: L) -> Self::Output;
}

/// `work` with the widest products the CPU has, its whole body compiled for them: AVX-512's, else
/// AVX's, else the baseline's. Rust never fuses a multiplication and an addition, so every build
/// gives the same bits (tested with [`every_lanes`]; on this machine AVX-512 took the perceptron's
/// grids from 0.91 to 0.81 s; K-Means and the silhouettes did not move). A function compiled for
/// AVX is not inlined into one that is not, so a call per group of products cost more than the
/// wider instructions saved (measured: the k study 0.27-0.32 s → 0.41-0.47 s); chosen once per
/// block of rows, the call is paid once per block. Hand-written: the pinned crates dispatch their
/// own kernels only.
#[inline(always)]
pub(crate) fn widest<W: WithLanes>(work: W) -> W::Output {
    #[cfg(target_arch = "x86_64")]
    if let Some(w) = Avx512::detect() {
        // SAFETY: `w` exists, so the CPU has AVX-512F.
        return unsafe { run_avx512(work, w) };
    }
    #[cfg(target_arch = "x86_64")]
    if let Some(avx) = Avx::detect() {
        // SAFETY: `avx` exists, so the CPU has AVX.
        return unsafe { run_avx(work, avx) };
    }
    work.run(Base)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn run_avx512<W: WithLanes>(work: W, w: Avx512) -> W::Output {
    work.run(w)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn run_avx<W: WithLanes>(work: W, avx: Avx) -> W::Output {
    work.run(avx)
}

/// `work` once with each instruction set the CPU has, each compiled as [`widest`] compiles it
/// (tests: all must agree to the bit).
#[cfg(test)]
pub(crate) fn every_lanes<W: WithLanes + Clone>(work: W) -> Vec<W::Output> {
    let mut out = vec![work.clone().run(Base)];
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(avx) = Avx::detect() {
            // SAFETY: `avx` exists, so the CPU has AVX.
            out.push(unsafe { run_avx(work.clone(), avx) });
        }
        if let Some(w) = Avx512::detect() {
            // SAFETY: `w` exists, so the CPU has AVX-512F.
            out.push(unsafe { run_avx512(work, w) });
        }
    }
    out
}

/// [`lanes_sse2`] four wide. Not itself compiled for AVX: inlined into [`run_avx`], whose body
/// is (a function compiled for AVX would be a call from every group of products).
///
/// # Safety
/// Only on a CPU with AVX.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn lanes_avx<const M: usize>(a4s: &[[f64; 4]], b4s: [&[[f64; 4]]; M]) -> [[f64; 4]; M] {
    use std::arch::x86_64::{
        __m256d, _mm256_add_pd, _mm256_castpd256_pd128, _mm256_extractf128_pd, _mm256_mul_pd,
        _mm256_set_pd, _mm256_setzero_pd, _mm_cvtsd_f64, _mm_unpackhi_pd,
    };
    let b4s = b4s.map(|b| &b[..a4s.len()]);
    let load = |v: &[f64; 4]| unsafe { _mm256_set_pd(v[3], v[2], v[1], v[0]) };
    let mut acc: [__m256d; M] = [unsafe { _mm256_setzero_pd() }; M];
    // two groups a step (the same additions in the same order; half the loop's own work)
    let (pairs, last) = a4s.as_chunks::<2>();
    for (h, [a0, a1]) in pairs.iter().enumerate() {
        let (a0, a1) = (load(a0), load(a1));
        for m in 0..M {
            let (b0, b1) = (load(&b4s[m][2 * h]), load(&b4s[m][2 * h + 1]));
            acc[m] = unsafe { _mm256_add_pd(acc[m], _mm256_mul_pd(a0, b0)) };
            acc[m] = unsafe { _mm256_add_pd(acc[m], _mm256_mul_pd(a1, b1)) };
        }
    }
    if let [a4] = last {
        let (a, q) = (load(a4), a4s.len() - 1);
        for m in 0..M {
            acc[m] = unsafe { _mm256_add_pd(acc[m], _mm256_mul_pd(a, load(&b4s[m][q]))) };
        }
    }
    std::array::from_fn(|m| unsafe {
        let (low, high) = (
            _mm256_castpd256_pd128(acc[m]),
            _mm256_extractf128_pd::<1>(acc[m]),
        );
        let pair = |v| [_mm_cvtsd_f64(v), _mm_cvtsd_f64(_mm_unpackhi_pd(v, v))];
        let ([l0, l1], [l2, l3]) = (pair(low), pair(high));
        [l0, l1, l2, l3]
    })
}

/// The products of `V` vectors a (one or two) with four vectors b, all in AVX registers: the
/// lanes' partial sums as [`lanes_avx`], then each product's total as [`total`] four at once
/// (the four sums' lanes transposed into place), the same additions in the same order, so the
/// same bits. Written out because the lanes, their totals and the tails one product at a time
/// went through memory: callgrind counted a seventh of K-Means' instructions in the totals.
///
/// # Safety
/// Only on a CPU with AVX.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn dots2x4_avx<const V: usize>(a: [&[f64]; V], bs: [&[f64]; 4]) -> [[f64; 4]; V] {
    use std::arch::x86_64::{
        __m256d, _mm256_add_pd, _mm256_loadu_pd, _mm256_mul_pd, _mm256_permute2f128_pd,
        _mm256_set1_pd, _mm256_set_pd, _mm256_setzero_pd, _mm256_storeu_pd, _mm256_unpackhi_pd,
        _mm256_unpacklo_pd,
    };
    let n = a[0].len();
    let whole = n / 4 * 4;
    let mut b = [&[] as &[f64]; 4];
    for m in 0..4 {
        b[m] = &bs[m][..n];
    }
    let mut av = [&[] as &[f64]; V];
    for v in 0..V {
        av[v] = &a[v][..n];
    }
    let zero = unsafe { _mm256_setzero_pd() };
    let mut acc: [[__m256d; 4]; V] = [[zero; 4]; V];
    let mut j = 0;
    while j < whole {
        // SAFETY: j + 4 ≤ whole ≤ n, the length of every slice read
        unsafe {
            let bj = [
                _mm256_loadu_pd(b[0][j..].as_ptr()),
                _mm256_loadu_pd(b[1][j..].as_ptr()),
                _mm256_loadu_pd(b[2][j..].as_ptr()),
                _mm256_loadu_pd(b[3][j..].as_ptr()),
            ];
            for v in 0..V {
                let aj = _mm256_loadu_pd(av[v][j..].as_ptr());
                for m in 0..4 {
                    acc[v][m] = _mm256_add_pd(acc[v][m], _mm256_mul_pd(aj, bj[m]));
                }
            }
        }
        j += 4;
    }
    let mut out = [[0.0; 4]; V];
    for v in 0..V {
        // SAFETY: AVX, as the function's contract; the tails' indices are below n
        unsafe {
            let [s0, s1, s2, s3] = acc[v];
            // [l0+l1, l2+l3] of sums 0 and 1, of 2 and 3, then both pairs added: (l0+l1)+(l2+l3)
            let pairs01 = _mm256_add_pd(_mm256_unpacklo_pd(s0, s1), _mm256_unpackhi_pd(s0, s1));
            let pairs23 = _mm256_add_pd(_mm256_unpacklo_pd(s2, s3), _mm256_unpackhi_pd(s2, s3));
            let mut sum = _mm256_add_pd(
                _mm256_permute2f128_pd::<0x20>(pairs01, pairs23),
                _mm256_permute2f128_pd::<0x31>(pairs01, pairs23),
            );
            // the tail's products added in order (none: + −0.0, which changes no sum); a macro,
            // not a closure, which would not be compiled for AVX
            macro_rules! term {
                ($j:expr) => {
                    _mm256_mul_pd(
                        _mm256_set1_pd(av[v][$j]),
                        _mm256_set_pd(b[3][$j], b[2][$j], b[1][$j], b[0][$j]),
                    )
                };
            }
            let tail = match n - whole {
                0 => None,
                1 => Some(term!(whole)),
                2 => Some(_mm256_add_pd(term!(whole), term!(whole + 1))),
                _ => Some(_mm256_add_pd(
                    _mm256_add_pd(term!(whole), term!(whole + 1)),
                    term!(whole + 2),
                )),
            };
            if let Some(tail) = tail {
                sum = _mm256_add_pd(sum, tail);
            }
            _mm256_storeu_pd(out[v].as_mut_ptr(), sum);
        }
    }
    out
}

/// The four partial sums Σ_q a4[q][l] · b4[q][l] (l = 0..3) for each of the `M` b's, with SSE2's
/// two-wide products and sums (part of every x86-64 CPU): the same operations in the same order
/// as [`lanes_scalar`], so the same bits, in about a third of the instructions (callgrind: the
/// compiler left the scalar loop unvectorised, four multiplications and four additions a group).
#[cfg(target_arch = "x86_64")]
fn lanes<const M: usize>(a4s: &[[f64; 4]], b4s: [&[[f64; 4]]; M]) -> [[f64; 4]; M] {
    // SAFETY: SSE2 is part of the x86-64 baseline: every CPU this code can run on has it.
    unsafe { lanes_sse2(a4s, b4s) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn lanes_sse2<const M: usize>(a4s: &[[f64; 4]], b4s: [&[[f64; 4]]; M]) -> [[f64; 4]; M] {
    use std::arch::x86_64::{
        _mm_add_pd, _mm_cvtsd_f64, _mm_mul_pd, _mm_set_pd, _mm_setzero_pd, _mm_unpackhi_pd,
    };
    let b4s = b4s.map(|b| &b[..a4s.len()]);
    let mut low = [_mm_setzero_pd(); M];
    let mut high = [_mm_setzero_pd(); M];
    for (q, a4) in a4s.iter().enumerate() {
        let (a_low, a_high) = (_mm_set_pd(a4[1], a4[0]), _mm_set_pd(a4[3], a4[2]));
        for m in 0..M {
            let b4 = &b4s[m][q];
            low[m] = _mm_add_pd(low[m], _mm_mul_pd(a_low, _mm_set_pd(b4[1], b4[0])));
            high[m] = _mm_add_pd(high[m], _mm_mul_pd(a_high, _mm_set_pd(b4[3], b4[2])));
        }
    }
    let pair = |v| [_mm_cvtsd_f64(v), _mm_cvtsd_f64(_mm_unpackhi_pd(v, v))];
    std::array::from_fn(|m| {
        let ([l0, l1], [l2, l3]) = (pair(low[m]), pair(high[m]));
        [l0, l1, l2, l3]
    })
}

#[cfg(not(target_arch = "x86_64"))]
fn lanes<const M: usize>(a4s: &[[f64; 4]], b4s: [&[[f64; 4]]; M]) -> [[f64; 4]; M] {
    lanes_scalar(a4s, b4s)
}

/// [`lanes`] written out (other CPUs, and the reference of the tests).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn lanes_scalar<const M: usize>(a4s: &[[f64; 4]], b4s: [&[[f64; 4]]; M]) -> [[f64; 4]; M] {
    b4s.map(|b4s| {
        let mut s = [0.0f64; 4];
        for (a4, b4) in a4s.iter().zip(b4s) {
            for l in 0..4 {
                s[l] += a4[l] * b4[l];
            }
        }
        s
    })
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

    /// Eleven groups of four values of a sine (an odd count: AVX's loop takes two a step).
    fn groups(step: f64) -> Vec<[f64; 4]> {
        (0..11)
            .map(|q| std::array::from_fn(|l| ((4 * q + l) as f64 * step).sin() * 1e3))
            .collect()
    }

    #[test]
    fn the_two_wide_lanes_are_the_scalar_lanes_bit_for_bit() {
        let (a, b, c) = (groups(0.7), groups(1.3), groups(2.9));
        let got = lanes(&a, [&b, &c]).map(|l| l.map(f64::to_bits));
        assert_eq!(got, lanes_scalar(&a, [&b, &c]).map(|l| l.map(f64::to_bits)));
        assert_ne!(got[0], got[1]);
    }

    /// The lanes of the widest products the CPU has (AVX's on this project's machines),
    /// compiled as K-Means' assignment is.
    struct Widest<'a>(&'a [[f64; 4]], [&'a [[f64; 4]]; 3]);

    impl WithLanes for Widest<'_> {
        type Output = [[f64; 4]; 3];
        #[inline(always)]
        fn run<L: Lanes>(self, lanes: L) -> Self::Output {
            lanes.lanes(self.0, self.1)
        }
    }

    #[test]
    fn the_widest_lanes_are_the_scalar_lanes_bit_for_bit() {
        let (a, b, c, d) = (groups(0.7), groups(1.3), groups(2.9), groups(0.01));
        let got = widest(Widest(&a, [&b, &c, &d])).map(|l| l.map(f64::to_bits));
        let want = lanes_scalar(&a, [&b, &c, &d]).map(|l| l.map(f64::to_bits));
        assert_eq!(got, want);
        assert_ne!(got[0], got[1]);
    }

    /// The widest products of four vectors with one vector and with two at once.
    struct WidestDots<'a>(&'a [f64], &'a [f64], [&'a [f64]; 4]);

    impl WithLanes for WidestDots<'_> {
        type Output = ([f64; 4], [[f64; 4]; 2]);
        #[inline(always)]
        fn run<L: Lanes>(self, lanes: L) -> Self::Output {
            (
                lanes.dots4(self.0, self.2),
                lanes.dots2x4([self.0, self.1], self.2),
            )
        }
    }

    #[test]
    fn the_widest_products_of_four_and_of_two_rows_are_each_dot_bit_for_bit() {
        // every tail length (n mod 4), K-Means' 42 features, and none
        for n in [0, 1, 2, 3, 4, 5, 6, 7, 42, 45] {
            let v =
                |s: f64| -> Vec<f64> { (0..n).map(|i| ((i + 1) as f64 * s).sin() * 1e2).collect() };
            let (a, a2) = (v(0.7), v(0.37));
            let bs = [v(1.3), v(2.9), v(0.11), v(5.0)];
            let b = [&bs[0][..], &bs[1][..], &bs[2][..], &bs[3][..]];
            let (four, two) = widest(WidestDots(&a, &a2, b));
            let want = |x: &[f64]| b.map(|b| dot(x, b).to_bits());
            assert_eq!(four.map(f64::to_bits), want(&a), "n = {n}");
            assert_eq!(two[0].map(f64::to_bits), want(&a), "n = {n}");
            assert_eq!(two[1].map(f64::to_bits), want(&a2), "n = {n}");
            if n > 0 {
                assert_ne!(four[0], four[1]);
            }
        }
    }

    /// The widest lanes' sums and distances.
    struct WidestSmall([f64; 4], f64, [f64; 4]);

    impl WithLanes for WidestSmall {
        type Output = ([f64; 4], [f64; 4]);
        #[inline(always)]
        fn run<L: Lanes>(self, lanes: L) -> Self::Output {
            (
                lanes.add4(self.0, self.2),
                lanes.distances4(self.0, self.1, self.2),
            )
        }
    }

    #[test]
    fn the_widest_sums_and_distances_are_one_at_a_times_bit_for_bit() {
        // squared norms a, b and products g: a distance, a rounding below zero (→ 0), a zero
        // expansion, and one from large values
        let a = [2.0, 1.0, 0.0, 1e8 + 0.3];
        let b = 3.7;
        let g = [0.1, 2.35 + 1e-16, 1.85, 0.5e8 - 7.1];
        let (sum, d) = widest(WidestSmall(a, b, g));
        for l in 0..4 {
            assert_eq!(sum[l].to_bits(), (a[l] + g[l]).to_bits());
            let one = (a[l] + b - 2.0 * g[l]).max(0.0).sqrt();
            assert_eq!(d[l].to_bits(), one.to_bits(), "lane {l}");
        }
        assert_eq!(d[1], 0.0);
        assert!(d[3] > 0.0);
    }

    /// [`Lanes::axpys`] of `Q` groups of four.
    #[derive(Clone)]
    struct Axpys<'a, const Q: usize>(&'a [(usize, f64)], &'a [f64], usize);

    impl<const Q: usize> WithLanes for Axpys<'_, Q> {
        type Output = [[u64; 4]; Q];
        #[inline(always)]
        fn run<L: Lanes>(self, lanes: L) -> Self::Output {
            let mut acc: [[f64; 4]; Q] =
                std::array::from_fn(|q| std::array::from_fn(|l| (q * 4 + l) as f64 * 0.1 - 1.0));
            let t = Terms {
                terms: self.0,
                src: self.1,
                offset: self.2,
            };
            lanes.axpys(&mut acc, t);
            acc.map(|a| a.map(f64::to_bits))
        }
    }

    #[test]
    fn every_instruction_sets_axpys_is_the_scalar_one_bit_for_bit() {
        // 1, 2, 4 and 8 groups (AVX-512 takes pairs of groups; one left over goes four wide),
        // eleven terms over a source of sines, from an offset
        let src: Vec<f64> = (0..200).map(|i| (i as f64 * 0.37).sin() * 1e2).collect();
        let terms: Vec<(usize, f64)> = (0..11).map(|t| (t * 13, (t as f64 * 1.7).cos())).collect();
        fn check<const Q: usize>(terms: &[(usize, f64)], src: &[f64]) {
            let all = every_lanes(Axpys::<Q>(terms, src, 3));
            let mut want: [[f64; 4]; Q] =
                std::array::from_fn(|q| std::array::from_fn(|l| (q * 4 + l) as f64 * 0.1 - 1.0));
            let t = Terms {
                terms,
                src,
                offset: 3,
            };
            axpys_scalar(&mut want, t);
            for got in all {
                assert_eq!(got, want.map(|a| a.map(f64::to_bits)), "Q = {Q}");
            }
        }
        check::<1>(&terms, &src);
        check::<2>(&terms, &src);
        check::<4>(&terms, &src);
        check::<8>(&terms, &src);
    }

    #[test]
    fn dot_is_the_inner_product() {
        let a: Vec<f64> = (0..7).map(f64::from).collect();
        let b: Vec<f64> = (0..7).map(|i| f64::from(i) * 0.5).collect();
        assert_eq!(dot(&a, &b), 45.5);
    }
}
