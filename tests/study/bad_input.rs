//! Bad input gives a clear, typed error naming the problem, and leaves every layer untouched.

use crate::common;

use campaign_study::{pipeline, StudyConfig, StudyError};
use common::{raw_csv, snapshot, temp_config};
use std::path::{Path, PathBuf};

/// Build good layers, then run `input` through them: returns the error, after checking that
/// no file was added, removed or changed.
fn run_bad(input: &Path, config: &StudyConfig) -> StudyError {
    let before = snapshot(&config.data_dir);
    let err = pipeline::layers(config, input).expect_err("bad input must fail");
    assert_eq!(
        snapshot(&config.data_dir),
        before,
        "layers changed by a failed run: {err}"
    );
    err
}

fn with_good_layers() -> (tempfile::TempDir, StudyConfig) {
    let (dir, config) = temp_config();
    pipeline::layers(&config, &raw_csv()).unwrap();
    (dir, config)
}

/// The raw CSV with `edit` applied to its text, written to a temp file.
fn edited(dir: &Path, name: &str, edit: impl Fn(&str) -> String) -> PathBuf {
    let text = std::fs::read_to_string(raw_csv()).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, edit(&text)).unwrap();
    path
}

#[test]
fn missing_column_is_named() {
    let (dir, config) = with_good_layers();
    let input = edited(dir.path(), "no_recency.csv", |t| {
        t.lines()
            .map(|l| {
                let mut f: Vec<&str> = l.split(',').collect();
                f.remove(8); // Recency
                f.join(",")
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    let err = run_bad(&input, &config);
    assert!(
        matches!(&err, StudyError::MissingColumns { columns, .. } if columns == &["Recency"]),
        "{err}"
    );
    assert!(err.to_string().contains("Recency"));
}

#[test]
fn non_numeric_income_names_line_column_and_value() {
    let (dir, config) = with_good_layers();
    // Line 5 of the file (the 4th customer) gets a text income.
    let input = edited(dir.path(), "text_income.csv", |t| {
        t.lines()
            .enumerate()
            .map(|(i, l)| {
                if i == 4 {
                    let mut f: Vec<String> = l.split(',').map(str::to_string).collect();
                    f[4] = "about 40k".into();
                    f.join(",")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    let err = run_bad(&input, &config);
    match &err {
        StudyError::InvalidValue {
            line,
            column,
            value,
            ..
        } => {
            assert_eq!(
                (*line, column.as_str(), value.as_str()),
                (5, "Income", "about 40k")
            );
        }
        other => panic!("unexpected error: {other}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("line 5") && msg.contains("Income") && msg.contains("about 40k"),
        "{msg}"
    );
}

#[test]
fn flag_outside_0_1_is_rejected() {
    let (dir, config) = with_good_layers();
    let input = edited(dir.path(), "bad_flag.csv", |t| {
        let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
        let mut f: Vec<String> = lines[2].split(',').map(str::to_string).collect();
        f[28] = "2".into(); // Response
        lines[2] = f.join(",");
        lines.join("\n")
    });
    let err = run_bad(&input, &config);
    assert!(
        matches!(&err, StudyError::InvalidValue { line: 3, column, .. } if column == "Response"),
        "{err}"
    );
}

#[test]
fn empty_file_is_rejected() {
    let (dir, config) = with_good_layers();
    let input = dir.path().join("empty.csv");
    std::fs::write(&input, "").unwrap();
    let err = run_bad(&input, &config);
    assert!(matches!(err, StudyError::EmptyInput { .. }), "{err}");
}

#[test]
fn header_only_is_rejected() {
    let (dir, config) = with_good_layers();
    let input = edited(dir.path(), "header.csv", |t| {
        format!("{}\n", t.lines().next().unwrap())
    });
    let err = run_bad(&input, &config);
    assert!(matches!(err, StudyError::NoRows { .. }), "{err}");
}

#[test]
fn unreadable_path_is_an_io_error_naming_the_path() {
    let (_dir, config) = with_good_layers();
    let input = PathBuf::from("/nonexistent/ifood.csv");
    let err = run_bad(&input, &config);
    assert!(matches!(err, StudyError::Io { .. }), "{err}");
    assert!(err.to_string().contains("/nonexistent/ifood.csv"));
}

#[test]
fn unknown_category_is_named_with_its_line() {
    let (dir, config) = with_good_layers();
    let input = edited(dir.path(), "marital.csv", |t| {
        t.replacen(
            "5524,1957,Graduation,Single",
            "5524,1957,Graduation,Complicated",
            1,
        )
    });
    let err = run_bad(&input, &config);
    assert!(
        matches!(&err, StudyError::InvalidValue { line: 2, column, value, .. }
            if column == "Marital_Status" && value == "Complicated"),
        "{err}"
    );
    assert!(
        err.to_string().contains("Married"),
        "lists the known categories: {err}"
    );
}

#[test]
fn no_temporary_files_are_left_behind() {
    let (dir, config) = with_good_layers();
    let input = dir.path().join("empty.csv");
    std::fs::write(&input, "").unwrap();
    let _ = pipeline::layers(&config, &input);
    let leftovers: Vec<_> = snapshot(&config.data_dir)
        .into_keys()
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".tmp-")
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// The raw CSV with one column of every data row replaced by `value`.
fn with_column(dir: &Path, name: &str, column: &str, value: &str) -> PathBuf {
    edited(dir, name, |t| {
        let mut lines = t.lines();
        let header = lines.next().unwrap();
        let j = header.split(',').position(|c| c == column).unwrap();
        let mut out = vec![header.to_string()];
        for l in lines {
            let mut f: Vec<&str> = l.split(',').collect();
            f[j] = value;
            out.push(f.join(","));
        }
        out.join("\n") + "\n"
    })
}

#[test]
fn a_file_that_fails_in_processing_leaves_every_layer_as_it_was() {
    // schema-valid (Income may be missing), so sourcing accepts it; processing cannot compute a
    // reference date without one known income. Before the staged swap, 01_resource and 02_bronze
    // were already replaced at this point while 03_silver and 04_gold kept the old data.
    let (dir, config) = with_good_layers();
    let input = with_column(dir.path(), "no_income.csv", "Income", "");
    let err = run_bad(&input, &config);
    assert!(err.to_string().contains("reference date"), "{err}");
    assert!(!config.staging_dir().exists());
}

#[test]
fn a_customer_too_young_for_any_age_group_is_rejected_with_line_column_value_and_rule() {
    // born 2000: age 14 in 2014, inside the IQR bounds on Age, but in no age group (18-30 is the
    // lowest): it used to get a null AgeGroup and an empty gold group ",0.0,1"
    let (dir, config) = with_good_layers();
    let input = edited(dir.path(), "young.csv", |t| {
        t.replacen("5524,1957,Graduation", "5524,2000,Graduation", 1)
    });
    let err = run_bad(&input, &config);
    match &err {
        StudyError::DomainRule {
            line,
            id,
            column,
            value,
            rule,
        } => {
            assert_eq!(
                (*line, *id, column.as_str(), value.as_str()),
                (2, 5524, "Year_Birth", "2000")
            );
            assert!(rule.contains("age 14") && rule.contains("18"), "{rule}");
        }
        other => panic!("unexpected error: {other}"),
    }
}

#[test]
fn a_good_run_after_a_failed_one_replaces_every_layer() {
    let (dir, config) = with_good_layers();
    let before = snapshot(&config.data_dir);
    let input = with_column(dir.path(), "no_income.csv", "Income", "");
    let _ = pipeline::layers(&config, &input).unwrap_err();
    pipeline::layers(&config, &raw_csv()).unwrap();
    assert_eq!(
        snapshot(&config.data_dir),
        before,
        "the same good input gives the same layers, and no staging is left"
    );
}

#[test]
fn a_negative_amount_breaks_a_domain_rule_named_with_its_line() {
    let (dir, config) = with_good_layers();
    let input = edited(dir.path(), "negative.csv", |t| {
        let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
        let mut f: Vec<String> = lines[3].split(',').map(str::to_string).collect();
        f[9] = "-12".into(); // MntWines
        lines[3] = f.join(",");
        lines.join("\n")
    });
    let err = run_bad(&input, &config);
    assert!(
        matches!(&err, StudyError::InvalidValue { line: 4, column, value, problem: "negative value", .. }
            if column == "MntWines" && value == "-12"),
        "{err}"
    );
    assert!(err.to_string().contains("≥ 0"), "{err}");
}

#[test]
fn a_customer_born_after_enrolling_breaks_a_domain_rule_named_with_its_line() {
    let (dir, config) = with_good_layers();
    // line 2: ID 5524, enrolled 2012-09-04; born 2013 is impossible
    let input = edited(dir.path(), "born_late.csv", |t| {
        t.replacen("5524,1957,Graduation", "5524,2013,Graduation", 1)
    });
    let err = run_bad(&input, &config);
    assert!(
        matches!(&err, StudyError::InvalidValue { line: 2, column, value, problem: "born after enrolling", .. }
            if column == "Year_Birth" && value == "2013"),
        "{err}"
    );
}
