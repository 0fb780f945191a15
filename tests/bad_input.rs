//! Bad input gives a clear, typed error naming the problem, and leaves every layer untouched.

mod common;

use campaign_study::{pipeline, StudyConfig, StudyError};
use common::{raw_csv, temp_config};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every file under the data directory with its bytes.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

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
