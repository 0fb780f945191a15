//! The `campaign-study` binary as a user runs it: exit codes, a one-line error on stderr, which
//! input wins (`--input`, then `CAMPAIGN_STUDY_INPUT`, then the file already in `01_resource/`),
//! and a stage run before the layer it reads exists.

mod common;

use common::raw_csv;
use std::path::Path;
use std::process::{Command, Output};

/// Run the binary with `args` on the data directory `data`, with a clean environment for the
/// study's variables (`input_env`: the value of `CAMPAIGN_STUDY_INPUT`, if any).
fn cli(data: &Path, input_env: Option<&Path>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_campaign-study"));
    cmd.arg("--data-dir")
        .arg(data)
        .arg("--reports-dir")
        .arg(data.join("reports"))
        .args(args)
        .env_remove("CAMPAIGN_STUDY_INPUT")
        .env_remove("CAMPAIGN_STUDY_DATA_DIR");
    if let Some(p) = input_env {
        cmd.env("CAMPAIGN_STUDY_INPUT", p);
    }
    cmd.output().expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A copy of the case file with the first data row's Income made unreadable.
fn broken_copy(dir: &Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(raw_csv()).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let income = header.iter().position(|c| *c == "Income").unwrap();
    let mut cells: Vec<String> = lines[1].split(',').map(str::to_string).collect();
    cells[income] = "lots".into();
    lines[1] = cells.join(",");
    let path = dir.join("broken.csv");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

#[test]
fn layers_succeeds_with_exit_code_0_and_reports_what_it_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let o = cli(
        &data,
        None,
        &["layers", "--input", raw_csv().to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("2205 rows × 22 columns"),
        "{}",
        stdout(&o)
    );
    assert!(data.join("04_gold/agg_response.csv").exists());
}

#[test]
fn a_bad_input_exits_1_with_one_line_naming_file_line_column_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let bad = broken_copy(dir.path());
    let o = cli(
        &dir.path().join("data"),
        None,
        &["layers", "--input", bad.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: "), "{err}");
    for part in ["broken.csv", "line 2", "column Income", "\"lots\""] {
        assert!(err.contains(part), "{part} missing from {err}");
    }
    assert!(stdout(&o).is_empty());
}

#[test]
fn the_input_flag_wins_over_the_environment_which_wins_over_the_placed_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let good = raw_csv();
    let bad = broken_copy(dir.path());
    // --input (good) beats CAMPAIGN_STUDY_INPUT (bad)
    let o = cli(
        &data,
        Some(&bad),
        &["layers", "--input", good.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // without --input the environment is read: the bad file fails, naming it
    let o = cli(&data, Some(&bad), &["layers"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("broken.csv"), "{}", stderr(&o));
    // without either, the file already placed in 01_resource/ is used
    let o = cli(&data, None, &["layers"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("01_resource"), "{}", stdout(&o));
}

#[test]
fn no_input_anywhere_says_how_to_give_one() {
    let dir = tempfile::tempdir().unwrap();
    let o = cli(&dir.path().join("data"), None, &["layers"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("--input") && err.contains("CAMPAIGN_STUDY_INPUT"),
        "{err}"
    );
}

#[test]
fn a_stage_run_before_its_input_layer_exists_names_the_stage_to_run() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for (stage, needs) in [
        ("profile", "`layers`"),
        ("eda", "`layers`"),
        ("segment", "`layers`"),
        ("select", "`segment`"),
        ("profit", "`layers`"),
    ] {
        let o = cli(&data, None, &[stage]);
        assert_eq!(o.status.code(), Some(1), "{stage}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{stage}: {err}");
        assert!(err.contains(needs), "{stage}: {err}");
    }
}

#[test]
fn an_unknown_stage_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = cli(&dir.path().join("data"), None, &["deploy-everything"]);
    assert_eq!(o.status.code(), Some(2), "clap's usage error");
    assert!(
        stderr(&o).contains("unrecognized subcommand"),
        "{}",
        stderr(&o)
    );
}
