//! Golden numbers of SEED_STUDY.md §4 and §9 on the real data, and determinism of the layers.

use crate::common;

use campaign_study::data::gold::AGG_COLUMNS;
use campaign_study::data::layers::scan_silver;
use campaign_study::data::schema::SILVER_COLUMNS;
use campaign_study::ml::stats::describe;
use common::{built, raw_csv, temp_config};

#[test]
fn sourcing_keeps_the_raw_bytes_and_types_all_29_columns() {
    let (_, config, report) = built();
    let s = &report.sourcing;
    assert_eq!((s.rows, s.columns), (2240, 29));
    assert!(s.is_published_file, "sha256 {}", s.sha256);
    assert_eq!(
        std::fs::read(config.resource_csv()).unwrap(),
        std::fs::read(raw_csv()).unwrap()
    );
    assert!(
        s.bronze_bytes < s.resource_bytes / 2,
        "bronze should compress"
    );
}

#[test]
fn silver_row_counts_follow_every_cleaning_step() {
    let (_, _, report) = built();
    let steps: Vec<(&str, usize, usize)> = report
        .silver
        .steps
        .iter()
        .map(|s| (s.step.as_str(), s.rows_out, s.responders_out))
        .collect();
    assert_eq!(
        steps,
        vec![
            ("read bronze", 2240, 334),
            ("missing Income", 2216, 333),
            ("features", 2216, 333),
            ("Age outliers", 2213, 333),
            ("Income outliers", 2205, 333),
            ("select columns", 2205, 333),
        ]
    );
    assert_eq!(report.silver.reference_date, "2014-06-29");
}

#[test]
fn outlier_bounds_are_the_sequential_iqr_bounds() {
    let (_, _, report) = built();
    let age = &report.silver.outliers[0];
    assert_eq!(age.column, "Age");
    assert_eq!((age.rows, age.lower, age.upper), (2216, 10.0, 82.0));
    assert_eq!(age.removed_values, vec![114.0, 115.0, 121.0]);
    let income = &report.silver.outliers[1];
    assert_eq!(income.column, "Income");
    assert_eq!(income.rows, 2213);
    assert!((income.lower - -14_615.5).abs() < 1e-9, "{}", income.lower);
    assert!((income.upper - 118_348.5).abs() < 1e-9, "{}", income.upper);
    assert_eq!(
        income.removed_values,
        vec![
            153_924.0, 156_924.0, 157_146.0, 157_243.0, 157_733.0, 160_803.0, 162_397.0, 666_666.0
        ]
    );
}

#[test]
fn silver_has_the_22_columns_in_order_and_the_golden_first_row() {
    let (_, config, _) = built();
    let df = scan_silver(config).unwrap().collect().unwrap();
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(names, SILVER_COLUMNS.to_vec());
    assert_eq!(df.height(), 2205);
    let row: Vec<String> = df
        .columns()
        .iter()
        .map(|c| c.get(0).unwrap().to_string().trim_matches('"').to_string())
        .collect();
    let expected = [
        "Graduation",
        "Single",
        "0",
        "0",
        "57",
        "46-60",
        "58138.0",
        "58",
        "0",
        "9",
        "3",
        "663",
        "1",
        "3",
        "7",
        "22",
        "1529",
        "88",
        "1617",
        "0",
        "0",
        "1",
    ];
    assert_eq!(row, expected);
}

#[test]
fn silver_summary_statistics_match_the_original_within_0_01() {
    let (_, config, _) = built();
    let stats = describe(scan_silver(config).unwrap()).unwrap();
    let get = |c: &str| {
        stats
            .iter()
            .find(|s| s.column == c)
            .unwrap_or_else(|| panic!("{c}"))
    };
    // (column, mean, std, min, median, max) from SEED_STUDY.md §4
    let golden = [
        ("Income", 51_622.09, 20_713.06, 1730.0, 51_287.0, 113_734.0),
        ("Age", 45.10, 11.71, 18.0, 44.0, 74.0),
        ("Recency", 49.01, 28.93, 0.0, 49.0, 99.0),
        ("Days_Since_Enrolled", 353.72, 202.56, 0.0, 356.0, 699.0),
        ("NumTotalPurchases", 12.57, 7.18, 0.0, 12.0, 32.0),
        ("MntTotal", 606.82, 601.68, 5.0, 397.0, 2525.0),
        ("MntRegularProds", 562.76, 575.94, 4.0, 343.0, 2491.0),
        ("MntGoldProds", 44.06, 51.74, 0.0, 25.0, 321.0),
        ("NumDealsPurchases", 2.32, 1.89, 0.0, 2.0, 15.0),
        ("NumWebVisitsMonth", 5.34, 2.41, 0.0, 6.0, 20.0),
    ];
    for (c, mean, std, min, median, max) in golden {
        let s = get(c);
        assert_eq!(s.count, 2205, "{c}");
        assert!((s.mean - mean).abs() <= 0.01, "{c} mean {}", s.mean);
        assert!((s.std - std).abs() <= 0.01, "{c} std {}", s.std);
        assert_eq!((s.min, s.median, s.max), (min, median, max), "{c}");
    }
    for (c, mean) in [
        ("Children", 0.95),
        ("Dt_Customer_Month", 6.47),
        ("AcceptedCmpTotal", 0.30),
    ] {
        assert!(
            (get(c).mean - mean).abs() <= 0.01,
            "{c} mean {}",
            get(c).mean
        );
    }
    let years = get("Years_Since_Enrolled");
    assert_eq!((years.min, years.max), (0.0, 1.0));
}

#[test]
fn gold_tables_match_section_9_exactly() {
    let (_, config, report) = built();
    let expected = [
        ("agg_education.csv", "Education,Percentage,Count\n2n Cycle,9.0,198\nBasic,2.4,54\nGraduation,50.5,1113\nMaster,16.5,364\nPhD,21.6,476\n"),
        ("agg_marital_status.csv", "Marital_Status,Percentage,Count\nPartner,64.5,1422\nSingle,35.5,783\n"),
        ("agg_children.csv", "Children,Percentage,Count\n0,28.5,628\n1,50.4,1112\n2,18.8,415\n3,2.3,50\n"),
        ("agg_agegroup.csv", "AgeGroup,Percentage,Count\n18-30,11.7,257\n31-45,43.4,958\n46-60,33.0,727\n61+,11.9,263\n"),
        ("agg_acceptedcmptotal.csv", "AcceptedCmpTotal,Percentage,Count\n0,79.2,1747\n1,14.6,322\n2,3.7,81\n3,2.0,44\n4,0.5,11\n"),
        ("agg_response.csv", "Response,Percentage,Count\n0,84.9,1872\n1,15.1,333\n"),
    ];
    assert_eq!(report.gold.tables.len(), AGG_COLUMNS.len());
    for (file, content) in expected {
        let text = std::fs::read_to_string(config.gold_dir().join(file)).unwrap();
        assert_eq!(text, content, "{file}");
    }
    assert!(config.gold_lineage().exists());
}

#[test]
fn same_input_gives_byte_identical_layer_files() {
    let (_, config, _) = built();
    let (_keep, again) = temp_config();
    campaign_study::pipeline::layers(&again, &raw_csv()).unwrap();
    let files = |root: &std::path::Path| {
        let mut out = Vec::new();
        for layer in ["01_resource", "02_bronze", "03_silver", "04_gold"] {
            let mut names: Vec<_> = std::fs::read_dir(root.join(layer))
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            names.sort();
            for n in names {
                out.push((
                    layer.to_string(),
                    n.clone(),
                    std::fs::read(root.join(layer).join(&n)).unwrap(),
                ));
            }
        }
        out
    };
    let (a, b) = (files(&config.data_dir), files(&again.data_dir));
    assert_eq!(
        a.len(),
        1 + 1 + 3 + 7,
        "{:?}",
        a.iter().map(|f| &f.1).collect::<Vec<_>>()
    );
    for (x, y) in a.iter().zip(&b) {
        assert_eq!((&x.0, &x.1), (&y.0, &y.1));
        assert!(x.2 == y.2, "{}/{:?} differs between runs", x.0, x.1);
    }
}

#[test]
fn profile_finds_the_known_problems_of_the_raw_data() {
    let (_, config, _) = built();
    let p = campaign_study::understanding::profile_bronze(config).unwrap();
    assert_eq!(p.rows, 2240);
    assert_eq!(p.columns.len(), 29);
    let income = p.column("Income").unwrap();
    assert_eq!(income.missing, 24);
    let year = p.column("Year_Birth").unwrap();
    assert_eq!(
        (year.min.as_deref(), year.max.as_deref()),
        (Some("1893"), Some("1996"))
    );
    let edu = p.column("Education").unwrap();
    assert_eq!(edu.top[0], ("Graduation".to_string(), 1127));
    let marital = p.column("Marital_Status").unwrap();
    assert_eq!(marital.distinct, 8);
    assert_eq!(p.column("ID").unwrap().distinct, 2240);
    let problem = |col: &str, word: &str| {
        p.problems
            .iter()
            .find(|x| x.column == col && x.problem.contains(word))
            .unwrap_or_else(|| panic!("no problem {col}/{word} in {:#?}", p.problems))
    };
    assert_eq!(problem("Income", "missing").rows, 24);
    assert_eq!(problem("Z_CostContact", "constant").rows, 2240);
    assert_eq!(problem("Z_Revenue", "constant").rows, 2240);
    assert_eq!(problem("ID", "identifier").rows, 2240);
    assert_eq!(problem("Marital_Status", "Absurd").rows, 7);
    assert_eq!(problem("Year_Birth", "1893, 1899, 1900").rows, 3);
    assert!(problem("Income", "666666").rows >= 8);
    assert_eq!(problem("(all but ID)", "repeat").rows, 182);
}

#[test]
fn the_wide_silver_table_keys_the_lean_rows_by_customer_id() {
    use polars::prelude::*;
    let config = &built().1;
    let read = |p: &std::path::Path| {
        LazyFrame::scan_parquet(
            PlRefPath::new(p.to_string_lossy().as_ref()),
            Default::default(),
        )
        .unwrap()
        .collect()
        .unwrap()
    };
    let wide = read(&config.silver_wide_parquet());
    let lean = read(&config.silver_parquet());
    assert_eq!(wide.height(), 2205);
    assert!(wide.column("ID").is_ok() && wide.column("MntWines").is_ok());
    assert!(wide.column("Z_Revenue").is_err(), "constants dropped");
    let ids = wide.column("ID").unwrap().n_unique().unwrap();
    assert_eq!(ids, 2205, "one row per customer");
    // same rows in the same order: the lean table is a projection of the wide one
    assert!(wide.select(SILVER_COLUMNS).unwrap().equals(&lean));
}

#[test]
fn the_streamed_layers_hold_the_same_rows_as_the_in_memory_rules() {
    // `layers` streams bronze and silver to their files (scan → checks → sink); the rules
    // collected in memory must give the same tables, value for value
    use campaign_study::data::layers::{scan_bronze, scan_silver_wide};
    use campaign_study::processing::clean_wide;
    use campaign_study::sourcing::read_raw;
    let (_, config, _) = built();
    let bronze = scan_bronze(config).unwrap().collect().unwrap();
    assert!(bronze.equals_missing(&read_raw(&raw_csv()).unwrap()));
    let (lean, wide, _) = clean_wide(scan_bronze(config).unwrap(), "bronze").unwrap();
    let silver = scan_silver(config).unwrap().collect().unwrap();
    let silver_wide = scan_silver_wide(config).unwrap().collect().unwrap();
    assert_eq!((silver.height(), silver_wide.width()), (2205, wide.width()));
    assert!(silver.equals_missing(&lean));
    assert!(silver_wide.equals_missing(&wide));
}

#[test]
fn a_small_layer_read_once_writes_the_same_files_as_a_scan_per_query() {
    // `layers` reads the case file's bronze and silver into memory once (they are far below
    // READ_ONCE_BYTES); a large file is scanned by every query. Both must write the same bytes.
    use campaign_study::data::layers::{scan_bronze, READ_ONCE_BYTES};
    use campaign_study::{analytics, processing};
    let (_, config, _) = built();
    let size = std::fs::metadata(config.bronze_parquet()).unwrap().len();
    assert!(
        size <= READ_ONCE_BYTES,
        "the case file's bronze is {size} bytes"
    );
    let (_keep, scanned) = temp_config();
    std::fs::create_dir_all(scanned.bronze_parquet().parent().unwrap()).unwrap();
    std::fs::copy(config.bronze_parquet(), scanned.bronze_parquet()).unwrap();
    processing::write_silver(&scanned, scan_bronze(&scanned).unwrap()).unwrap();
    analytics::write_gold(&scanned, scan_silver(&scanned).unwrap()).unwrap();
    let mut files = vec![
        config.silver_parquet(),
        config.silver_wide_parquet(),
        config.silver_lineage(),
        config.gold_lineage(),
    ];
    files.extend(AGG_COLUMNS.iter().map(|c| config.gold_agg(c)));
    for file in files {
        let other = scanned
            .data_dir
            .join(file.strip_prefix(&config.data_dir).unwrap());
        assert!(
            std::fs::read(&file).unwrap() == std::fs::read(&other).unwrap(),
            "{} differs",
            file.display()
        );
    }
}

#[test]
fn every_cleaning_step_is_a_frame_and_the_dropped_rows_are_the_rules_complement() {
    // notebook 03's frames: the table after each rule and the rows each filter dropped
    use polars::prelude::*;
    let (_, config, report) = built();
    let cleaning = campaign_study::processing::cleaning(config).unwrap();
    let height = |lf: LazyFrame| lf.collect().unwrap().height();
    // one frame per lineage step, with the lineage's row counts
    let names: Vec<&str> = cleaning.frames.iter().map(|f| f.step.as_str()).collect();
    let steps: Vec<&str> = report
        .silver
        .steps
        .iter()
        .map(|s| s.step.as_str())
        .collect();
    assert_eq!(names, steps);
    for (f, s) in cleaning.frames.iter().zip(&report.silver.steps) {
        assert_eq!(height(f.after.clone()), s.rows_out, "{}", f.step);
        let dropped = height(cleaning.removed(&f.step).unwrap());
        assert_eq!(dropped, s.rows_in - s.rows_out, "{}", f.step);
    }
    // the rows each filter dropped: 24 missing incomes, the three implausible birth years, the
    // eight incomes above the upper bound (666,666 among them)
    let removed = |step: &str| cleaning.removed(step).unwrap().collect().unwrap();
    assert_eq!(
        removed("missing Income")
            .column("Income")
            .unwrap()
            .null_count(),
        24
    );
    let mut years: Vec<i64> = removed("Age outliers")
        .column("Year_Birth")
        .unwrap()
        .i64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    years.sort_unstable();
    assert_eq!(years, [1893, 1899, 1900]);
    let incomes = removed("Income outliers");
    let incomes = incomes.column("Income").unwrap().f64().unwrap();
    assert!(incomes.into_no_null_iter().all(|v| v > 118_348.5));
    assert!(incomes.into_no_null_iter().any(|v| v == 666_666.0));
    // the last frame is the wide silver layer, value for value
    let wide = cleaning.after("select columns").unwrap().collect().unwrap();
    let silver_wide = campaign_study::data::layers::scan_silver_wide(config)
        .unwrap()
        .collect()
        .unwrap();
    assert!(wide.equals_missing(&silver_wide));
    let e = cleaning.after("no such rule").map(|_| ()).unwrap_err();
    assert!(e.to_string().contains("missing Income"), "{e}");
}
