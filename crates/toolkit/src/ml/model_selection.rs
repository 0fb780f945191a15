//! Seeded stratified splits: k-fold cross-validation folds and a train/test split that keep each
//! class's share in every part. Hand-written (neither linfa nor smartcore has stratified
//! splitting) as scikit-learn draws them — `StratifiedShuffleSplit` behind
//! `train_test_split(stratify=y)` and `StratifiedKFold(shuffle=True)` — from NumPy's legacy
//! generator ([`crate::ml::numpy_rng`]), so the original's seed 42 gives the original's rows.

use crate::ml::numpy_rng::RandomState;

/// scikit-learn's `_approximate_mode`: split `n_draws` across classes in proportion to
/// `counts`, the rounding remainder going to the largest fractional parts (ties drawn at random).
fn approximate_mode(counts: &[usize], n_draws: usize, rng: &mut RandomState) -> Vec<usize> {
    let total: usize = counts.iter().sum();
    let continuous: Vec<f64> = counts
        .iter()
        .map(|c| (c * n_draws) as f64 / total as f64)
        .collect();
    let mut floored: Vec<usize> = continuous.iter().map(|c| c.floor() as usize).collect();
    let mut need = n_draws.saturating_sub(floored.iter().sum());
    if need > 0 {
        let remainder: Vec<f64> = continuous
            .iter()
            .zip(&floored)
            .map(|(c, f)| c - *f as f64)
            .collect();
        let mut values = remainder.clone();
        values.sort_by(|a, b| b.total_cmp(a));
        values.dedup();
        for v in values {
            let inds: Vec<usize> = (0..remainder.len())
                .filter(|&i| remainder[i] == v)
                .collect();
            let add = inds.len().min(need);
            for i in rng.choice(&inds, add) {
                floored[i] += 1;
            }
            need -= add;
            if need == 0 {
                break;
            }
        }
    }
    floored
}

/// Stratified k folds (scikit-learn's `StratifiedKFold(k, shuffle=True, random_state=seed)`):
/// every row in exactly one validation fold, each class's rows dealt to the folds in blocks
/// whose fold labels are then shuffled, so each fold holds its share of each class to within
/// one row. Returns, per fold, (training rows, validation rows), both ascending.
pub fn stratified_k_fold(y: &[u8], k: usize, seed: u64) -> Vec<(Vec<usize>, Vec<usize>)> {
    let k = k.max(2);
    let mut rng = RandomState::new(seed as u32);
    // classes encoded by order of appearance, as scikit-learn does
    let first = y.first().copied().unwrap_or(0);
    let encoded: Vec<usize> = y.iter().map(|c| usize::from(*c != first)).collect();
    let n_classes = if encoded.contains(&1) { 2 } else { 1 };
    let mut sorted = encoded.clone();
    sorted.sort_unstable();
    // allocation[f][c]: rows of class c in test fold f
    let allocation: Vec<Vec<usize>> = (0..k)
        .map(|f| {
            let mut counts = vec![0; n_classes];
            for c in sorted.iter().skip(f).step_by(k) {
                counts[*c] += 1;
            }
            counts
        })
        .collect();
    let mut test_fold = vec![0usize; y.len()];
    for c in 0..n_classes {
        let mut folds: Vec<usize> = allocation
            .iter()
            .enumerate()
            .flat_map(|(f, counts)| std::iter::repeat_n(f, counts[c]))
            .collect();
        rng.shuffle(&mut folds);
        let rows = (0..y.len()).filter(|&i| encoded[i] == c);
        for (i, f) in rows.zip(folds) {
            test_fold[i] = f;
        }
    }
    folds_of(&test_fold, k)
}

/// Stratified group k folds: every group (for example, copies of one customer) falls in one
/// fold, so no group is on both sides of a split, and each fold gets close to its share of each
/// class. Groups are labelled by their majority class, shuffled (seeded), and dealt largest first
/// to the fold that holds the fewest rows of that class so far (ties: the lowest fold).
/// Hand-written: scikit-learn's `StratifiedGroupKFold` has no Rust counterpart. Returns, per fold,
/// (training rows, validation rows), both ascending.
pub fn stratified_group_k_fold(
    y: &[u8],
    groups: &[usize],
    k: usize,
    seed: u64,
) -> Vec<(Vec<usize>, Vec<usize>)> {
    let k = k.max(2);
    let n_groups = groups.iter().max().map_or(0, |g| g + 1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_groups];
    for (i, g) in groups.iter().enumerate() {
        members[*g].push(i);
    }
    let mut order: Vec<usize> = (0..n_groups).filter(|g| !members[*g].is_empty()).collect();
    let mut rng = RandomState::new(seed as u32);
    rng.shuffle(&mut order);
    // largest groups first (stable: the shuffle decides among equal sizes)
    order.sort_by_key(|g| std::cmp::Reverse(members[*g].len()));
    let mut held = vec![[0usize; 2]; k];
    let mut test_fold = vec![0usize; y.len()];
    for g in order {
        let pos = members[g].iter().filter(|&&i| y[i] == 1).count();
        let class = usize::from(2 * pos > members[g].len());
        let f = (0..k)
            .min_by_key(|f| (held[*f][class], held[*f][0] + held[*f][1]))
            .unwrap_or(0);
        for &i in &members[g] {
            test_fold[i] = f;
            held[f][usize::from(y[i] == 1)] += 1;
        }
    }
    folds_of(&test_fold, k)
}

/// (training rows, validation rows) of each of `k` folds, from every row's validation fold.
fn folds_of(test_fold: &[usize], k: usize) -> Vec<(Vec<usize>, Vec<usize>)> {
    (0..k)
        .map(|f| (0..test_fold.len()).partition(|&i| test_fold[i] != f))
        .collect()
}

/// Stratified train/test split (scikit-learn's `train_test_split(test_size=test_share,
/// stratify=y, random_state=seed)`): ⌈share · n⌉ test rows, apportioned to the classes.
/// Returns (training rows, test rows) in scikit-learn's (shuffled) order.
pub fn stratified_split(y: &[u8], test_share: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let n = y.len();
    let n_test = (test_share * n as f64).ceil() as usize;
    let n_train = n - n_test;
    let mut rng = RandomState::new(seed as u32);
    let class_rows: Vec<Vec<usize>> = [0u8, 1]
        .iter()
        .map(|c| (0..n).filter(|&i| y[i] == *c).collect::<Vec<_>>())
        .filter(|rows| !rows.is_empty())
        .collect();
    let counts: Vec<usize> = class_rows.iter().map(Vec::len).collect();
    let n_i = approximate_mode(&counts, n_train, &mut rng);
    let remaining: Vec<usize> = counts.iter().zip(&n_i).map(|(c, t)| c - t).collect();
    let t_i = approximate_mode(&remaining, n_test, &mut rng);
    let mut train = Vec::with_capacity(n_train);
    let mut test = Vec::with_capacity(n_test);
    for (c, rows) in class_rows.iter().enumerate() {
        let perm: Vec<usize> = rng
            .permutation(rows.len())
            .into_iter()
            .map(|i| rows[i])
            .collect();
        train.extend_from_slice(&perm[..n_i[c]]);
        test.extend_from_slice(&perm[n_i[c]..n_i[c] + t_i[c]]);
    }
    rng.shuffle(&mut train);
    rng.shuffle(&mut test);
    (train, test)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouped_folds_keep_every_group_whole_and_every_class_spread() {
        // 300 rows, 1 in 5 positive; rows 0-59 come in 20 groups of 3 (copies), the rest alone
        let n = 300;
        let y: Vec<u8> = (0..n).map(|i| u8::from(i % 5 == 0)).collect();
        let groups: Vec<usize> = (0..n)
            .map(|i| if i < 60 { i / 3 } else { i - 40 })
            .collect();
        let folds = stratified_group_k_fold(&y, &groups, 5, 42);
        assert_eq!(folds.len(), 5);
        let mut seen = vec![0; n];
        for (train, valid) in &folds {
            for &v in valid {
                seen[v] += 1;
                // no copy of a validation row is among the training rows
                assert!(train.iter().all(|t| groups[*t] != groups[v]));
            }
            assert_eq!(train.len() + valid.len(), n);
            let pos = valid.iter().filter(|&&i| y[i] == 1).count();
            assert!(
                (10..=14).contains(&pos),
                "{pos} positives in a fold of {}",
                valid.len()
            );
            assert!((57..=63).contains(&valid.len()), "fold of {}", valid.len());
        }
        assert!(seen.iter().all(|s| *s == 1), "every row validated once");
        assert_eq!(folds, stratified_group_k_fold(&y, &groups, 5, 42), "seeded");
    }

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
    fn approximate_mode_gives_the_original_split_sizes() {
        let mut rng = RandomState::new(42);
        // 1,872 negatives and 333 positives: 1,764 training rows with 266 positives
        assert_eq!(
            approximate_mode(&[1872, 333], 1764, &mut rng),
            vec![1498, 266]
        );
        assert_eq!(approximate_mode(&[374, 67], 441, &mut rng), vec![374, 67]);
    }

    #[test]
    fn split_is_stratified_deterministic_and_seed_dependent() {
        let y = labels();
        let (train, test) = stratified_split(&y, 0.2, 42);
        assert_eq!(test.len() + train.len(), 2205);
        let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
        all.sort_unstable();
        assert!(
            all.iter().enumerate().all(|(i, r)| i == *r),
            "a partition of the rows"
        );
        assert_eq!(test.iter().filter(|i| y[**i] == 1).count(), 67); // 333 · 0.2 rounded
        assert_eq!(test.len(), 67 + 374); // 1,872 · 0.2 rounded: 441 rows as the original
        assert_eq!(stratified_split(&y, 0.2, 42), (train.clone(), test.clone()));
        assert_ne!(stratified_split(&y, 0.2, 7).1, test);
    }
}
