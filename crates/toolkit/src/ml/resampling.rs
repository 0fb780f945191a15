//! Random undersampling of the majority class (imbalanced-learn's `RandomUnderSampler`,
//! strategy 'auto', drawn from NumPy's legacy generator as imbalanced-learn draws it, so seed 42
//! keeps the original's rows). Hand-written: no Rust crate has it. Applied to training rows only.

use crate::ml::numpy_rng::RandomState;
use rand_xoshiro::rand_core::RngCore;
use rand_xoshiro::Xoshiro256Plus;

/// A uniform index in 0..n from a seeded xoshiro256+ (Lemire's multiply-shift), for the study's
/// own random steps (permutation importance, bootstrap); the original's splits use
/// [`RandomState`].
pub fn index_below(rng: &mut Xoshiro256Plus, n: usize) -> usize {
    ((rng.next_u64() as u128 * n as u128) >> 64) as usize
}

/// A random permutation of 0..n (Fisher-Yates with [`index_below`]).
pub fn permutation(rng: &mut Xoshiro256Plus, n: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        v.swap(i, index_below(rng, i + 1));
    }
    v
}

/// Rows to keep from a training set with labels `y`: every row of the minority class and as
/// many rows of the majority class, drawn without replacement with `seed`. Returned grouped by
/// class (class 0 first) as imbalanced-learn orders them: the drawn rows in draw order, the
/// minority rows ascending.
pub fn undersample(y: &[u8], seed: u64) -> Vec<usize> {
    let by_class: Vec<Vec<usize>> = [0u8, 1]
        .iter()
        .map(|c| (0..y.len()).filter(|&i| y[i] == *c).collect())
        .collect();
    let n_min = by_class[0].len().min(by_class[1].len());
    // the minority class: the smaller one (on a tie, the one appearing first, as Counter)
    let minority = if by_class[0].len() != by_class[1].len() {
        usize::from(by_class[1].len() < by_class[0].len())
    } else {
        usize::from(y.first() == Some(&1))
    };
    let mut rng = RandomState::new(seed as u32);
    let mut out = Vec::with_capacity(2 * n_min);
    for (c, rows) in by_class.iter().enumerate() {
        if c == minority {
            out.extend_from_slice(rows);
        } else {
            out.extend(rng.choice(rows, n_min));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_every_minority_row_and_balances_the_classes() {
        let y: Vec<u8> = (0..100).map(|i| u8::from(i % 7 == 0)).collect();
        let rows = undersample(&y, 42);
        let pos: Vec<_> = rows.iter().filter(|&&i| y[i] == 1).collect();
        let neg: Vec<_> = rows.iter().filter(|&&i| y[i] == 0).collect();
        assert_eq!(pos.len(), 15);
        assert_eq!(neg.len(), 15);
        let mut unique = rows.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), rows.len(), "no row twice");
        assert_eq!(undersample(&y, 42), rows, "same seed, same rows");
        assert_ne!(undersample(&y, 7), rows, "another seed, other rows");
    }
}
