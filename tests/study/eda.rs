//! Numbers behind the EDA and analytics charts: SEED_STUDY.md §5.2, §5.3 and §9.

use crate::common;

use campaign_study::eda;
use common::built;

fn rate(config: &campaign_study::StudyConfig, column: &str, value: &str) -> (usize, f64) {
    let rows = eda::response_rates(config, column).unwrap();
    let r = rows
        .iter()
        .find(|r| r.value == value)
        .unwrap_or_else(|| panic!("{column}={value} in {rows:?}"));
    (r.customers, (r.rate * 1000.0).round() / 10.0)
}

#[test]
fn univariate_response_rates_match_section_5_3() {
    let (_, config, _) = built();
    assert_eq!(rate(config, "HasAcceptedCmp", "0"), (1747, 8.4));
    assert_eq!(rate(config, "HasAcceptedCmp", "1"), (458, 40.8));
    let by_total: Vec<f64> = ["0", "1", "2", "3", "4"]
        .iter()
        .map(|v| rate(config, "AcceptedCmpTotal", v).1)
        .collect();
    assert_eq!(by_total, vec![8.4, 31.1, 51.9, 79.5, 90.9]);
    assert_eq!(rate(config, "HasChildren", "0").1, 26.8);
    assert_eq!(rate(config, "HasChildren", "1").1, 10.5);
    assert_eq!(rate(config, "Marital_Status", "Single").1, 22.3);
    assert_eq!(rate(config, "Marital_Status", "Partner").1, 11.1);
    let edu: Vec<f64> = ["Basic", "2n Cycle", "Graduation", "Master", "PhD"]
        .iter()
        .map(|v| rate(config, "Education", v).1)
        .collect();
    assert_eq!(edu, vec![3.7, 11.1, 13.7, 15.4, 21.2]);
    assert_eq!(rate(config, "Years_Since_Enrolled", "0").1, 9.1);
    assert_eq!(rate(config, "Years_Since_Enrolled", "1").1, 21.6);
}

#[test]
fn rate_intervals_contain_the_rate_and_shrink_with_n() {
    let (_, config, _) = built();
    for r in eda::response_rates(config, "AcceptedCmpTotal").unwrap() {
        assert!(r.ci_low <= r.rate && r.rate <= r.ci_high, "{r:?}");
        assert_eq!(r.rate, r.responders as f64 / r.customers as f64);
    }
    let rows = eda::response_rates(config, "AcceptedCmpTotal").unwrap();
    let width = |i: usize| rows[i].ci_high - rows[i].ci_low;
    assert!(
        width(0) < width(4),
        "1,747 customers give a narrower interval than 11"
    );
}

#[test]
fn correlations_with_response_match_section_5_3() {
    let (_, config, _) = built();
    let c = eda::correlations_with(config, "Response").unwrap();
    let get = |name: &str| c.iter().find(|x| x.0 == name).unwrap().1;
    let golden = [
        ("AcceptedCmpTotal", 0.427),
        ("HasAcceptedCmp", 0.368),
        ("MntTotal", 0.266),
        ("MntRegularProds", 0.265),
        ("Days_Since_Enrolled", 0.197),
        ("Income", 0.175),
        ("Years_Since_Enrolled", 0.175),
        ("NumTotalPurchases", 0.164),
        ("MntGoldProds", 0.140),
        ("Recency", -0.200),
        ("HasChildren", -0.205),
        ("Children", -0.169),
    ];
    for (name, r) in golden {
        assert!(
            (get(name) - r).abs() < 0.0015,
            "{name}: {} vs {r}",
            get(name)
        );
    }
    assert_eq!(
        c[0].0, "AcceptedCmpTotal",
        "sorted strongest positive first"
    );
    assert!(!c.iter().any(|x| x.0 == "Response"));
}

#[test]
fn correlation_matrix_is_symmetric_with_unit_diagonal() {
    let (_, config, _) = built();
    let (names, m) = eda::correlations(config).unwrap();
    // 19 numeric + 5 education + 2 marital + 4 age-group dummies
    assert_eq!(names.len(), 30);
    for (i, row) in m.iter().enumerate() {
        assert!((row[i] - 1.0).abs() < 1e-12, "{}", names[i]);
        for (j, v) in row.iter().enumerate() {
            assert!((v - m[j][i]).abs() < 1e-12);
        }
    }
}

#[test]
fn personas_reproduce_the_16_customer_filter() {
    let (_, config, _) = built();
    let p = eda::personas(config).unwrap();
    assert_eq!((p.customers, p.responders), (2205, 333));
    assert_eq!(
        (p.all_conditions_customers, p.all_conditions_responders),
        (16, 16)
    );
    let rule = |d: &str| p.rules.iter().find(|r| r.dimension == d).unwrap();
    assert_eq!(rule("Income").group1, "Income ≥ 51287");
    assert_eq!(rule("Spending").group1, "MntTotal ≥ 397");
    assert_eq!(rule("Purchases").group1, "NumTotalPurchases ≥ 12");
    assert_eq!(rule("Days as customer").group1, "Days_Since_Enrolled ≥ 356");
    let accepted = rule("Accepted campaigns");
    assert_eq!(
        (accepted.group1_customers, accepted.group1_responders),
        (458, 187)
    );
    for r in &p.rules {
        assert_eq!(r.group1_customers + r.group2_customers, 2205);
    }
}

#[test]
fn target_analysis_ranks_earlier_campaigns_first_and_covers_every_row() {
    let (_, config, _) = built();
    let assoc = eda::target_analysis(config).unwrap();
    assert_eq!(assoc.len(), 21, "every silver feature but Response");
    assert_eq!(assoc[0].feature, "AcceptedCmpTotal");
    for w in assoc.windows(2) {
        assert!(w[0].cramers_v >= w[1].cramers_v);
    }
    for a in &assoc {
        let n: usize = a.rows.iter().map(|r| r.customers).sum();
        let k: usize = a.rows.iter().map(|r| r.responders).sum();
        assert_eq!((n, k), (2205, 333), "{}", a.feature);
        assert!((0.0..=1.0).contains(&a.cramers_v));
    }
    let income = assoc.iter().find(|a| a.feature == "Income").unwrap();
    assert_eq!(income.rows.len(), 5, "quintile bins");
}

#[test]
fn every_figure_renders_and_is_written_as_svg_and_png() {
    let (dir, config, _) = built();
    let out = dir.path().join("figures");
    let mut written = eda::write_figures(config, &out).unwrap();
    written.extend(campaign_study::analytics::write_figures(config, &out).unwrap());
    let figures = eda::figures(config).unwrap();
    let gold = campaign_study::analytics::figures(config).unwrap();
    assert_eq!(written.len(), 2 * (figures.len() + gold.len()));
    assert_eq!(figures.len(), 1 + 7 + 5 + 3 + 4);
    assert_eq!(gold.len(), 6);
    for path in &written {
        let bytes = std::fs::read(path).unwrap();
        match path.extension().and_then(|e| e.to_str()) {
            Some("svg") => {
                let text = String::from_utf8(bytes).unwrap();
                roxmltree::Document::parse(&text)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            }
            Some("png") => assert_eq!(&bytes[1..4], b"PNG", "{}", path.display()),
            other => panic!("unexpected file {other:?}"),
        }
    }
}

#[test]
fn gold_charts_show_the_gold_counts() {
    let (_, config, _) = built();
    let chart = campaign_study::analytics::agg_chart(config, "Education").unwrap();
    match &chart.panels[0].kind {
        campaign_study::report::charts::PanelKind::Bars { labels, values, .. } => {
            assert_eq!(
                labels,
                &["2n Cycle", "Basic", "Graduation", "Master", "PhD"]
            );
            assert_eq!(values, &[198.0, 54.0, 1113.0, 364.0, 476.0]);
        }
        other => panic!("{other:?}"),
    }
}
