//! Seeded stratified splits: k-fold cross-validation folds and a train/test split that keep each
//! class's share in every part. Hand-written: neither linfa nor smartcore has stratified
//! splitting. The exact rows differ from NumPy's RNG (SEED_STUDY.md §12); the shares do not.

use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256Plus;

/// Fisher-Yates shuffle driven by a seeded xoshiro256+ (Lemire's multiply-shift for the range).
fn shuffle(v: &mut [usize], rng: &mut Xoshiro256Plus) {
    for i in (1..v.len()).rev() {
        let j = ((rng.next_u64() as u128 * (i as u128 + 1)) >> 64) as usize;
        v.swap(i, j);
    }
}

/// Row indices of each class (0/1), shuffled with `seed`.
fn shuffled_by_class(y: &[u8], seed: u64) -> [Vec<usize>; 2] {
    let mut rng = Xoshiro256Plus::seed_from_u64(seed);
    let mut classes = [Vec::new(), Vec::new()];
    for (i, &c) in y.iter().enumerate() {
        classes[usize::from(c == 1)].push(i);
    }
    for c in classes.iter_mut() {
        shuffle(c, &mut rng);
    }
    classes
}

/// Stratified k folds: every row in exactly one validation fold; each class is dealt round the
/// folds so every fold holds its share of each class to within one row. Returns, per fold,
/// (training rows, validation rows), both ascending.
pub fn stratified_k_fold(y: &[u8], k: usize, seed: u64) -> Vec<(Vec<usize>, Vec<usize>)> {
    let k = k.max(2);
    let mut folds = vec![Vec::new(); k];
    let mut next = 0;
    for class in shuffled_by_class(y, seed) {
        for i in class {
            folds[next % k].push(i);
            next += 1;
        }
    }
    folds
        .iter()
        .map(|valid| {
            let mut valid = valid.clone();
            valid.sort_unstable();
            let mut in_valid = vec![false; y.len()];
            for &i in &valid {
                in_valid[i] = true;
            }
            let train = (0..y.len()).filter(|i| !in_valid[*i]).collect();
            (train, valid)
        })
        .collect()
}

/// Stratified train/test split with `test_share` of each class (rounded) in the test part.
/// Returns (training rows, test rows), both ascending.
pub fn stratified_split(y: &[u8], test_share: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut train = Vec::new();
    let mut test = Vec::new();
    for class in shuffled_by_class(y, seed) {
        let n_test = (class.len() as f64 * test_share).round() as usize;
        test.extend_from_slice(&class[..n_test]);
        train.extend_from_slice(&class[n_test..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    (train, test)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Vec<u8> {
        // 2,205 rows with 333 positives, as the silver layer
        (0..2205)
            .map(|i| u8::from(i % 6 == 0 && i / 6 < 333))
            .collect()
    }

    #[test]
    fn folds_cover_every_row_once_and_keep_class_shares() {
        let y = labels();
        assert_eq!(y.iter().filter(|v| **v == 1).count(), 333);
        let folds = stratified_k_fold(&y, 5, 42);
        let mut seen = vec![0; y.len()];
        for (train, valid) in &folds {
            assert_eq!(train.len() + valid.len(), y.len());
            for &i in valid {
                seen[i] += 1;
            }
            assert!(train.iter().all(|i| valid.binary_search(i).is_err()));
            let pos = valid.iter().filter(|i| y[**i] == 1).count() as f64;
            let expected = 333.0 / 5.0;
            assert!((pos - expected).abs() <= 1.0, "{pos} positives in a fold");
            assert!((valid.len() as f64 - 2205.0 / 5.0).abs() <= 1.0);
        }
        assert!(
            seen.iter().all(|n| *n == 1),
            "every row validated exactly once"
        );
    }

    #[test]
    fn split_is_stratified_deterministic_and_seed_dependent() {
        let y = labels();
        let (train, test) = stratified_split(&y, 0.2, 42);
        assert_eq!(test.len() + train.len(), 2205);
        assert_eq!(test.iter().filter(|i| y[**i] == 1).count(), 67); // 333 · 0.2 rounded
        assert_eq!(test.len(), 67 + 374); // 1,872 · 0.2 rounded: 441 rows as the original
        assert_eq!(stratified_split(&y, 0.2, 42), (train.clone(), test.clone()));
        assert_ne!(stratified_split(&y, 0.2, 7).1, test);
    }
}
