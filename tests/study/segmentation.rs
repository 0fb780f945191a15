//! The original's clustering preprocessing on the real data: SEED_STUDY.md §6.2 golden values.

use crate::common;

use campaign_study::data::features::{faithful_roles, sound_roles};
use campaign_study::data::layers::silver_columns;
use campaign_study::ml::preprocessing::ColumnTransformer;
use common::built;

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-12)
}

#[test]
fn faithful_preprocessing_matches_section_6_2() {
    let (_, config, _) = built();
    let data = silver_columns(config).unwrap();
    let ct = ColumnTransformer::fit(&faithful_roles(), &data).unwrap();
    let names = ct.feature_names();
    assert_eq!(names.len(), 42);
    assert_eq!(names[0], "one_hot_encoder__Education_2n Cycle");
    assert_eq!(
        names
            .iter()
            .filter(|n| n.starts_with("one_hot_encoder__"))
            .count(),
        30
    );

    let income = &ct.standard[0];
    assert!(
        rel(income.mean, 51_622.09) < 1e-3 && rel(income.std, 20_708.37) < 1e-3,
        "{income:?}"
    );
    let age = &ct.standard[1];
    assert!(
        rel(age.mean, 45.0957) < 1e-3 && rel(age.std, 11.7031) < 1e-3,
        "{age:?}"
    );

    let lambdas = [-0.51364, 0.85117, 0.37692, 0.16180, 0.11761, 0.17746];
    for (p, l) in ct.power.iter().zip(lambdas) {
        assert!(
            rel(p.lambda, l) < 1e-3,
            "{}: λ {} vs {l}",
            p.column,
            p.lambda
        );
    }
    let ranges = [(0.0, 99.0), (1.0, 12.0), (1.0, 4.0), (0.0, 699.0)];
    for (m, r) in ct.min_max.iter().zip(ranges) {
        assert_eq!((m.min, m.max), r, "{}", m.column);
    }

    // transformed first row, continuous part (§6.2), within 1e-4
    let x = ct.transform(&data).unwrap();
    let row0: Vec<f64> = x.row(0).iter().skip(30).copied().collect();
    let golden = [
        0.314651, 1.017189, 0.753752, 0.700269, 1.221174, 1.310705, 1.089046, 1.315543, 0.585859,
        0.727273, 0.666667, 0.948498,
    ];
    for ((v, g), n) in row0.iter().zip(golden).zip(&names[30..]) {
        assert!((v - g).abs() < 1e-4, "{n}: {v} vs {g}");
    }
    // one-hot part of row 0: Graduation, Single, 46-60, 0 children, no complaint, 1 year,
    // 0 campaigns, responder → exactly ten ones
    let ones: f64 = x.row(0).iter().take(30).sum();
    assert_eq!(ones, 10.0);
}

#[test]
fn sound_roles_leave_response_out() {
    let (_, config, _) = built();
    let data = silver_columns(config).unwrap();
    let ct = ColumnTransformer::fit(&sound_roles(), &data).unwrap();
    let names = ct.feature_names();
    assert_eq!(names.len(), 40);
    assert!(!names.iter().any(|n| n.contains("Response")));
}

/// The whole stage, once per test binary.
fn segmented() -> &'static campaign_study::segmentation::Segmentation {
    static SEG: std::sync::OnceLock<campaign_study::segmentation::Segmentation> =
        std::sync::OnceLock::new();
    SEG.get_or_init(|| campaign_study::segmentation::run(&built().1).unwrap())
}

#[test]
fn k_study_matches_section_6_3() {
    // (k, inertia, silhouette) recomputed with scikit-learn on the same 42-column matrix
    let golden = [
        (2, 19_639.45, 0.2580),
        (3, 16_869.86, 0.2124),
        (4, 15_938.29, 0.1587),
        (5, 15_206.97, 0.1405),
        (6, 14_561.46, 0.1280),
        (7, 14_114.04, 0.1220),
        (8, 13_738.71, 0.1168),
        (9, 13_422.64, 0.1071),
        (10, 13_131.54, 0.1084),
    ];
    let seg = segmented();
    assert_eq!(seg.k_table.len(), golden.len());
    for (row, (k, inertia, sil)) in seg.k_table.iter().zip(golden) {
        assert_eq!(row.k, k);
        assert!(
            rel(row.inertia, inertia) < 0.02,
            "k={k}: inertia {} vs {inertia}",
            row.inertia
        );
        assert!(
            (row.silhouette - sil).abs() < 0.01,
            "k={k}: silhouette {} vs {sil}",
            row.silhouette
        );
    }
}

#[test]
fn faithful_clusters_match_section_6_5_after_relabelling() {
    let seg = segmented();
    for (size, golden) in seg.faithful.sizes.iter().zip([550usize, 910, 745]) {
        assert!(size.abs_diff(golden) <= 2, "sizes {:?}", seg.faithful.sizes);
    }
    let ratios = &seg.faithful.projection.explained_variance_ratio;
    assert!(
        (ratios[0] - 0.3794).abs() < 0.005 && (ratios[1] - 0.1275).abs() < 0.005,
        "{ratios:?}"
    );
    assert!((seg.faithful.silhouette_fitted - 0.5176).abs() < 0.02);
    // §6.4 centroids in the PCA plane
    let golden = [(2.670, -1.099), (-2.252, -0.392), (0.783, 1.292)];
    for ((x, y), (gx, gy)) in seg.faithful.centroids_2d().into_iter().zip(golden) {
        assert!(
            (x - gx).abs() < 0.05 && (y - gy).abs() < 0.05,
            "({x}, {y}) vs ({gx}, {gy})"
        );
    }
}

#[test]
fn segmentation_outputs_are_written_and_consistent() {
    let (_, config, _) = built();
    let seg = segmented();
    let agg = std::fs::read_to_string(config.gold_agg("Cluster")).unwrap();
    // the original's clusters are 550 / 910 / 745 (SEED_STUDY.md §6.5); the PCA plane holds
    // several Lloyd optima within 0.05 of one inertia (3149.67-3149.72) that differ by a few
    // customers, and which one ten restarts find depends on the random numbers: this seed's is
    // one customer away, at a lower inertia than the original's (README, "Segmentation")
    assert_eq!(
        agg,
        "Cluster,Percentage,Count\n0,25.0,551\n1,41.3,910\n2,33.7,744\n"
    );
    assert!((seg.faithful.inertia - 3149.7).abs() < 0.05);
    let k = std::fs::read_to_string(config.gold_k_table()).unwrap();
    assert!(
        k.starts_with("k,inertia,silhouette,silhouette_rows\n2,"),
        "{k}"
    );
    // every silhouette of the case file is exact: over all 2,205 customers
    assert!(k.lines().skip(1).all(|l| l.ends_with(",2205")), "{k}");
    assert_eq!(k.lines().count(), 10);
    assert!(config.clustered_parquet().exists());
    // the sound segmentation (no Response, full space) as notebook 06 reports it: 531 / 911 /
    // 763, adjusted Rand index 0.941 with the faithful one
    assert_eq!(seg.sound.sizes, vec![531, 911, 763]);
    assert!(
        (seg.adjusted_rand_index - 0.941).abs() < 0.0005,
        "ARI {}",
        seg.adjusted_rand_index
    );
}

#[test]
fn faithful_cluster_profiles_match_section_6_6() {
    let (_, config, _) = built();
    let t = campaign_study::segmentation::profile(config, &segmented().faithful.labels).unwrap();
    let row = |name: &str| -> Vec<f64> {
        let i = t
            .rows
            .iter()
            .position(|r| r[0] == name)
            .unwrap_or_else(|| panic!("{name}"));
        t.rows[i][1..].iter().map(|v| v.parse().unwrap()).collect()
    };
    // §6.6: 27.1 % (149/550), 8.2 % (75/910), 14.6 % (109/745); one customer apart here
    for (got, want) in row("Response rate %").iter().zip([27.1, 8.2, 14.6]) {
        assert!((got - want).abs() <= 0.1 + 1e-9, "{got} vs {want}");
    }
    // means move by at most (max − min) / 550 when one customer changes cluster
    for (got, want) in row("Income").iter().zip([75_524.0, 33_042.0, 56_671.0]) {
        assert!((got - want).abs() < 50.0, "{got} vs {want}");
    }
    for (got, want) in row("MntTotal").iter().zip([1_323.5, 75.1, 727.3]) {
        assert!((got - want).abs() < 5.0, "{got} vs {want}");
    }
    for (got, want) in row("NumDealsPurchases").iter().zip([1.00, 1.90, 3.80]) {
        assert!((got - want).abs() < 0.02, "{got} vs {want}");
    }
}
