//! The original's clustering preprocessing on the real data: SEED_STUDY.md §6.2 golden values.

mod common;

use campaign_study::preprocessing::ColumnTransformer;
use campaign_study::segmentation::{faithful_roles, silver_columns, sound_roles};
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
    let row0: Vec<f64> = x[30..].iter().map(|c| c[0]).collect();
    let golden = [
        0.314651, 1.017189, 0.753752, 0.700269, 1.221174, 1.310705, 1.089046, 1.315543, 0.585859,
        0.727273, 0.666667, 0.948498,
    ];
    for ((v, g), n) in row0.iter().zip(golden).zip(&names[30..]) {
        assert!((v - g).abs() < 1e-4, "{n}: {v} vs {g}");
    }
    // one-hot part of row 0: Graduation, Single, 46-60, 0 children, no complaint, 1 year,
    // 0 campaigns, responder → exactly ten ones
    let ones: f64 = x[..30].iter().map(|c| c[0]).sum();
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
