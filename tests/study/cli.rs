//! The `campaign-study` binary as a user runs it: exit codes, a one-line error on stderr, which
//! input wins (`--input`, then `CAMPAIGN_STUDY_INPUT`, then the file already in `01_resource/`),
//! and a stage run before the layer it reads exists.

use crate::common;

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

/// A data directory with the layers built and a deployable model saved beside it.
fn with_model() -> &'static (std::path::PathBuf, std::path::PathBuf) {
    static M: std::sync::OnceLock<(std::path::PathBuf, std::path::PathBuf)> =
        std::sync::OnceLock::new();
    M.get_or_init(|| {
        let config = &common::built().1;
        let model = common::deployable();
        let path = config.models_dir.join("cli_model.json");
        model.save(&path).unwrap();
        (config.data_dir.clone(), path)
    })
}

#[test]
fn score_writes_the_scored_file_and_the_rejects_and_says_what_it_did() {
    let (data, model) = with_model();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scored.csv");
    let raw = raw_csv();
    let args = [
        "score",
        "--input",
        raw.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
    ];
    let o = cli(data, None, &[&args[..], &["--skip-invalid"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("scored 2205 of 2240 records"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("35 rejected"), "{}", stdout(&o));
    let scored = std::fs::read_to_string(&out).unwrap();
    assert_eq!(scored.lines().count(), 2206);
    let rejects = std::fs::read_to_string(dir.path().join("scored.rejects.csv")).unwrap();
    assert_eq!(rejects.lines().count(), 36);

    // without --skip-invalid: exit 1, one line naming the record, and no file written
    let strict_out = dir.path().join("strict.csv");
    let mut strict = args.to_vec();
    strict[4] = strict_out.to_str().unwrap();
    let o = cli(data, None, &strict);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("line 12, column Income: missing value"),
        "{err}"
    );
    assert!(!strict_out.exists());

    // a budget
    let o = cli(
        data,
        None,
        &[&args[..], &["--skip-invalid", "--top", "100"]].concat(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("contact 100 "), "{}", stdout(&o));
}

#[test]
fn score_refuses_bad_options_and_a_missing_model() {
    let (data, model) = with_model();
    let raw = raw_csv();
    let base = [
        "score",
        "--input",
        raw.to_str().unwrap(),
        "--output",
        "/tmp/never-written.csv",
    ];
    for bad in [
        vec!["--threshold", "1.5"],
        vec!["--top", "5", "--threshold", "0.3"],
        vec!["--top", "-3"],
    ] {
        let o = cli(data, None, &[&base[..], &bad[..]].concat());
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", stderr(&o));
    }
    let o = cli(
        data,
        None,
        &[&base[..], &["--model", "/nonexistent/model.json"]].concat(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("run the `profit` stage first"),
        "{}",
        stderr(&o)
    );
    let o = cli(
        data,
        None,
        &[
            "score",
            "--input",
            "/nonexistent.csv",
            "--output",
            "/tmp/x.csv",
            "--model",
            model.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/nonexistent.csv"), "{}", stderr(&o));
}

#[cfg(feature = "app")]
#[test]
fn serve_answers_on_its_address_and_refuses_one_it_cannot_use() {
    use std::io::{Read, Write};
    let (data, model) = with_model();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_campaign-study"))
        .arg("--data-dir")
        .arg(data)
        .args(["serve", "--addr", &addr, "--model", model.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    let answer = loop {
        if let Ok(mut s) = std::net::TcpStream::connect(&addr) {
            // the smallest HTTP/1.1 request, to see the real binary answer on its socket
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut text = String::new();
            s.read_to_string(&mut text).unwrap();
            break text;
        }
        assert!(start.elapsed().as_secs() < 30, "serve did not listen");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"status\":\"ok\""), "{answer}");

    let o = cli(
        data,
        None,
        &[
            "serve",
            "--addr",
            "256.0.0.1:80",
            "--model",
            model.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("cannot listen on 256.0.0.1:80"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn one_thread_or_many_give_byte_identical_gold_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let raw = raw_csv();
    let o = cli(&data, None, &["layers", "--input", raw.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let gold = |name: &str| std::fs::read(data.join("04_gold").join(name)).unwrap();
    let mut runs = Vec::new();
    for threads in ["1", "3"] {
        for stage in ["segment", "select"] {
            let o = cli(&data, None, &["--threads", threads, stage]);
            assert!(
                o.status.success(),
                "{stage} --threads {threads}: {}",
                stderr(&o)
            );
        }
        runs.push((
            gold("kmeans_k_table.csv"),
            gold("agg_cluster.csv"),
            gold("models_metrics.csv"),
            gold("models_metrics_leak_free.csv"),
        ));
    }
    assert!(runs[0] == runs[1], "results depend on the thread count");
    let o = cli(&data, None, &["--threads", "0", "profile"]);
    assert_eq!(o.status.code(), Some(2));
}
