//! The case file's compute, part by part, set beside what the scikit-learn original measured for
//! the same work (a measurement, not a test; issue 13's table: one job, this machine).
//!
//! ```text
//! cargo run --example bench_case -- DATA_DIR    # a data folder where `layers` and `select` ran
//! cargo run --example bench_case -- DATA_DIR segmentation    # some parts only: PART[,PART...]
//! ```
//!
//! Parts: `layers`, `eda`, `segmentation`, `selection`, `grids`.
//!
//! `scripts/bench_sklearn.py DATA_DIR --parts segmentation,selection,grid` times the original's
//! three parts in scikit-learn on the same machine and layers (README, "Speed").
//!
//! Layers: the four layers from the raw file (the input `StudyConfig::input_path` finds), into a
//! fresh folder each run. Eda: the `eda` stage's charts (SVG and PNG) and tables, into a fresh
//! folder. Segmentation: the original's study alone (42-feature transform, K-Means k = 2..10 × 10
//! restarts with inertia and silhouette, PCA, K-Means k = 3 in the plane; scikit-learn 1.5 s),
//! then the whole `segment` computation (that, the sound segmentation and the silhouettes of
//! both). Model selection: the faithful leaderboard alone (the original's 11 models × 5 folds
//! in its pipeline; scikit-learn 17.8 s), then both leaderboards (`select`'s computation).
//! Training: each tuned family's grid search, faithful and leak-free (the original's logistic
//! grid, both variants: scikit-learn 28.5 s), and the refits. Each part runs `REPEATS` times;
//! the table shows the median.

use campaign_study::config::CV_FOLDS;
use campaign_study::data::features::{classifier_data, faithful_roles, split};
use campaign_study::data::layers::{read_means, silver_columns};
use campaign_study::leaderboard::compare;
use campaign_study::ml::classifier::cv_folds;
use campaign_study::ml::clustering::{k_scan, kmeans};
use campaign_study::ml::decomposition::pca;
use campaign_study::ml::preprocessing::ColumnTransformer;
use campaign_study::segmentation::segment;
use campaign_study::training::{families, finalise, grid_search};
use campaign_study::{pipeline, StudyConfig};
use std::time::Instant;

const REPEATS: usize = 5;

/// Median wall seconds of `REPEATS` runs of `f`.
fn median<T>(mut f: impl FnMut() -> campaign_study::Result<T>) -> campaign_study::Result<f64> {
    let mut t = Vec::with_capacity(REPEATS);
    for _ in 0..REPEATS {
        let start = Instant::now();
        f()?;
        t.push(start.elapsed().as_secs_f64());
    }
    t.sort_by(f64::total_cmp);
    Ok(t[REPEATS / 2])
}

fn main() -> campaign_study::Result<()> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "data".into());
    let parts: Vec<String> = std::env::args()
        .nth(2)
        .map(|a| a.split(',').map(String::from).collect())
        .unwrap_or_default();
    const PARTS: [&str; 5] = ["layers", "eda", "segmentation", "selection", "grids"];
    if let Some(p) = parts.iter().find(|p| !PARTS.contains(&p.as_str())) {
        eprintln!("unknown part {p}: one of {}", PARTS.join(", "));
        std::process::exit(2);
    }
    let run = |part: &str| parts.is_empty() || parts.iter().any(|p| p == part);
    let config = StudyConfig::new(dir);
    println!("| part | this crate (s, median of {REPEATS}) | scikit-learn original (s, as recorded in issue 13; `scripts/bench_sklearn.py` measures it here) |");
    println!("|---|---|---|");
    if run("layers") {
        let input = config.input_path(None)?;
        let layers = median(|| {
            let fresh = tempfile::tempdir().expect("a temporary folder");
            pipeline::layers(&StudyConfig::new(fresh.path().join("data")), &input)
        })?;
        println!("| layers: raw → bronze → silver → gold, into a fresh folder | {layers:.3} | — |");
    }
    if run("eda") {
        let charts = median(|| {
            let fresh = tempfile::tempdir().expect("a temporary folder");
            pipeline::eda(&config, fresh.path())
        })?;
        println!("| eda: the 26 charts (SVG and PNG) and the tables | {charts:.3} | — |");
    }
    if run("segmentation") {
        let faithful = median(|| {
            let data = silver_columns(&config)?;
            let ct = ColumnTransformer::fit(&faithful_roles(), &data)?;
            let x42 = ct.transform(&data)?;
            k_scan(&x42, 2..=10, config.seed)?;
            let plane = pca(&x42, 2)?;
            Ok(kmeans(&plane.scores, 3, config.seed)?)
        })?;
        println!("| segmentation: the original's study (read, transform, k = 2..10, PCA, k = 3) | {faithful:.3} | 1.5 |");
        let whole = median(|| segment(&config))?;
        println!("| segmentation: `segment`'s computation (both segmentations, every silhouette) | {whole:.3} | — |");
    }
    if !run("selection") && !run("grids") {
        return Ok(());
    }

    let data = classifier_data(&config)?;
    let (train, test) = split(&data, config.seed);
    if run("selection") {
        let leaderboard = median(|| compare(&data, &train, false, config.seed))?;
        println!("| model selection: the faithful leaderboard (11 models × 5 folds) | {leaderboard:.3} | 17.8 |");
        let both = median(|| {
            compare(&data, &train, false, config.seed)?;
            compare(&data, &train, true, config.seed)
        })?;
        println!(
            "| model selection: faithful and leak-free (`select`'s computation) | {both:.3} | — |"
        );
    }
    if !run("grids") {
        return Ok(());
    }

    let means = read_means(&config.gold_models_metrics())?;
    let folds = cv_folds(&data, &train, CV_FOLDS, config.seed);
    let mut total = 0.0;
    let mut lr = 0.0;
    for leak_free in [false, true] {
        let variant = if leak_free { "leak-free" } else { "faithful" };
        for family in families(&means) {
            let grid = median(|| grid_search(&data, &folds, &family, leak_free, config.seed))?;
            let g = grid_search(&data, &folds, &family, leak_free, config.seed)?;
            let refit = median(|| finalise(&data, g.best(), &train, &test, config.seed))?;
            println!(
                "| grid: {} {variant}, {} candidates × {} folds (refit and test: {refit:.3} s) | {grid:.3} | — |",
                family.name(),
                g.results.len(),
                folds.len(),
            );
            total += grid + refit;
            if family.name() == "LogisticRegression" {
                lr += grid;
            }
        }
    }
    println!("| grid: the logistic regression, faithful and leak-free | {lr:.3} | 28.5 |");
    println!("| `train`'s grids and refits | {total:.3} | — |");
    Ok(())
}
