//! NumPy's legacy random generator (`numpy.random.RandomState`: MT19937 seeded with
//! `init_genrand`, bounded integers by masked rejection, Fisher-Yates shuffles), so that splits
//! drawn through scikit-learn and imbalanced-learn with a `random_state` can be drawn here
//! exactly: the same test rows, CV folds and undersampled rows. Hand-written: no Rust crate reproduces NumPy's
//! legacy streams.

/// MT19937 state, as NumPy's `RandomState(seed)` sets it.
#[derive(Debug, Clone)]
pub struct RandomState {
    mt: Box<[u32; 624]>,
    pos: usize,
}

impl RandomState {
    /// `numpy.random.RandomState(seed)` for an integer seed (NumPy's `mt19937_seed`).
    pub fn new(seed: u32) -> Self {
        let mut mt = Box::new([0u32; 624]);
        mt[0] = seed;
        for i in 1..624 {
            mt[i] = 1_812_433_253u32
                .wrapping_mul(mt[i - 1] ^ (mt[i - 1] >> 30))
                .wrapping_add(i as u32);
        }
        Self { mt, pos: 624 }
    }

    fn generate(&mut self) {
        for i in 0..624 {
            let y = (self.mt[i] & 0x8000_0000) | (self.mt[(i + 1) % 624] & 0x7fff_ffff);
            let mut v = self.mt[(i + 397) % 624] ^ (y >> 1);
            if y & 1 != 0 {
                v ^= 0x9908_b0df;
            }
            self.mt[i] = v;
        }
        self.pos = 0;
    }

    /// The next 32 random bits (MT19937 `genrand_int32`).
    pub fn next_u32(&mut self) -> u32 {
        if self.pos >= 624 {
            self.generate();
        }
        let mut y = self.mt[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    fn next_u64(&mut self) -> u64 {
        (u64::from(self.next_u32()) << 32) | u64::from(self.next_u32())
    }

    /// `random_sample()`: a double in [0, 1) from 53 random bits.
    pub fn random_sample(&mut self) -> f64 {
        let a = u64::from(self.next_u32() >> 5);
        let b = u64::from(self.next_u32() >> 6);
        (a as f64 * 67_108_864.0 + b as f64) / 9_007_199_254_740_992.0
    }

    /// A uniform integer in [0, max] (NumPy's `random_interval`: masked rejection sampling).
    fn interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mut mask = max;
        for s in [1, 2, 4, 8, 16, 32] {
            mask |= mask >> s;
        }
        loop {
            let v = if max <= 0xffff_ffff {
                u64::from(self.next_u32()) & mask
            } else {
                self.next_u64() & mask
            };
            if v <= max {
                return v;
            }
        }
    }

    /// `randint(high)` (also `randint(0, high)`, any integer dtype): a uniform integer in
    /// [0, high), `high` ≥ 1.
    pub fn randint(&mut self, high: u64) -> u64 {
        self.interval(high - 1)
    }

    /// `binomial(n, p)` (NumPy's inversion algorithm, the one it uses while n·min(p, 1 − p) ≤ 30;
    /// larger means are not needed here).
    pub fn binomial(&mut self, n: u64, p: f64) -> u64 {
        if n == 0 || p == 0.0 {
            return 0;
        }
        if p <= 0.5 {
            self.binomial_inversion(n, p)
        } else {
            n - self.binomial_inversion(n, 1.0 - p)
        }
    }

    fn binomial_inversion(&mut self, n: u64, p: f64) -> u64 {
        let nf = n as f64;
        debug_assert!(p * nf <= 30.0, "NumPy draws this binomial with BTPE");
        let q = 1.0 - p;
        let qn = (nf * q.ln()).exp();
        let np = nf * p;
        let bound = nf.min(np + 10.0 * (np * q + 1.0).sqrt()) as u64;
        let (mut x, mut px) = (0u64, qn);
        let mut u = self.random_sample();
        while u > px {
            x += 1;
            if x > bound {
                x = 0;
                px = qn;
                u = self.random_sample();
            } else {
                u -= px;
                px = ((n - x + 1) as f64 * p * px) / (x as f64 * q);
            }
        }
        x
    }

    /// `multinomial(1, pvals)`: the index of the one drawn category (NumPy's sequence of
    /// conditional binomials).
    pub fn multinomial_one(&mut self, pvals: &[f64]) -> usize {
        let mut remaining = 1.0;
        for (j, &p) in pvals[..pvals.len() - 1].iter().enumerate() {
            if self.binomial(1, p / remaining) == 1 {
                return j;
            }
            remaining -= p;
        }
        pvals.len() - 1
    }

    /// `shuffle(x)` for a 1-d array.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.interval(i as u64) as usize;
            v.swap(i, j);
        }
    }

    /// `permutation(n)`.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut v: Vec<usize> = (0..n).collect();
        self.shuffle(&mut v);
        v
    }

    /// `choice(a, size, replace=False)` without weights: the first `size` of a permutation.
    pub fn choice<T: Copy>(&mut self, a: &[T], size: usize) -> Vec<T> {
        self.permutation(a.len())
            .into_iter()
            .take(size)
            .map(|i| a[i])
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MULTINOMIAL_42: [usize; 8] = [1, 0, 0, 1, 1, 1, 1, 0];
    const BINOMIAL_42: [u64; 4] = [4, 2, 4, 4];

    #[test]
    fn matches_numpy_random_state_42() {
        // np.random.RandomState(42).random_sample() and .permutation(10)
        assert_eq!(RandomState::new(42).random_sample(), 0.3745401188473625);
        assert_eq!(
            RandomState::new(42).permutation(10),
            vec![8, 1, 5, 0, 7, 2, 9, 4, 3, 6]
        );
        // the first 32-bit output of MT19937 seeded with 5489 (the reference generator)
        assert_eq!(RandomState::new(5489).next_u32(), 3_499_211_612);
        // np.random.RandomState(42).randint(2**31 - 1, size=3) and .randint(0, 10, 5)
        let mut r = RandomState::new(42);
        let v: Vec<u64> = (0..3).map(|_| r.randint(2_147_483_647)).collect();
        assert_eq!(v, vec![1_608_637_542, 1_273_642_419, 1_935_803_228]);
        let mut r = RandomState::new(42);
        let v: Vec<u64> = (0..5).map(|_| r.randint(10)).collect();
        assert_eq!(v, vec![6, 3, 7, 4, 6]);
        // np.random.RandomState(42).multinomial(1, [0.3, 0.7], size=8).argmax(1) and
        // .binomial(5, 0.8, size=4)
        let mut r = RandomState::new(42);
        let v: Vec<usize> = (0..8).map(|_| r.multinomial_one(&[0.3, 0.7])).collect();
        assert_eq!(v, MULTINOMIAL_42);
        let mut r = RandomState::new(42);
        let v: Vec<u64> = (0..4).map(|_| r.binomial(5, 0.8)).collect();
        assert_eq!(v, BINOMIAL_42);
    }
}
