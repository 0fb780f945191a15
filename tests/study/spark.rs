//! The Spark engine against the polars engine, on a Spark Connect server: the local one of
//! `scripts/spark.sh` (started here if it is not running), or $CAMPAIGN_STUDY_SPARK_REMOTE.
//! Same rows at every cleaning step, same lineage, same bronze and silver values, identical gold
//! tables; the same error for every kind of bad input, and every existing layer left as it was;
//! an unreachable server named in a clear error.
#![cfg(feature = "spark")]

use crate::common;

use campaign_study::data::gold::AGG_COLUMNS;
use campaign_study::spark::{self, layers::SparkPaths};
use campaign_study::{pipeline, StudyError};
use common::{raw_csv, snapshot, temp_config};
use polars::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The server's address, after starting the local one if no remote is given.
fn remote() -> &'static str {
    static REMOTE: OnceLock<String> = OnceLock::new();
    REMOTE.get_or_init(|| {
        if let Ok(r) = std::env::var("CAMPAIGN_STUDY_SPARK_REMOTE") {
            return r;
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/spark.sh");
        let status = std::process::Command::new(&script)
            .arg("start")
            .status()
            .expect("scripts/spark.sh");
        assert!(status.success(), "scripts/spark.sh start failed");
        spark::LOCAL_REMOTE.to_string()
    })
}

fn session() -> spark_connect::SparkSession {
    spark::connect(remote()).expect("a Spark Connect server")
}

/// The part files of a folder Spark wrote, with `ext`.
fn parts(dir: &str, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with("part-") && name.ends_with(ext)
        })
        .collect();
    files.sort();
    files
}

/// A parquet folder written by Spark, as one polars frame sorted by `key`.
fn read_spark_parquet(dir: &str, key: &[&str]) -> DataFrame {
    let frames: Vec<LazyFrame> = parts(dir, ".parquet")
        .iter()
        .map(|p| {
            LazyFrame::scan_parquet(PlRefPath::new(p.to_str().unwrap()), Default::default())
                .unwrap()
        })
        .collect();
    concat(frames, UnionArgs::default())
        .unwrap()
        .sort(key.to_vec(), Default::default())
        .collect()
        .unwrap()
}

fn read_parquet(path: &Path, key: &[&str]) -> DataFrame {
    LazyFrame::scan_parquet(PlRefPath::new(path.to_str().unwrap()), Default::default())
        .unwrap()
        .sort(key.to_vec(), Default::default())
        .collect()
        .unwrap()
}

fn read_csv(path: &Path) -> DataFrame {
    LazyCsvReader::new(PlRefPath::new(path.to_str().unwrap()))
        .with_has_header(true)
        .finish()
        .unwrap()
        .collect()
        .unwrap()
}

/// Whether two frames hold the same columns (names, types) and values, floats within `tol`.
fn assert_same(what: &str, a: &DataFrame, b: &DataFrame, tol: f64) {
    assert_eq!(a.shape(), b.shape(), "{what}: shape");
    assert_eq!(a.schema(), b.schema(), "{what}: schema");
    for (x, y) in a.columns().iter().zip(b.columns()) {
        if x.dtype() == &DataType::Float64 {
            let (x, y) = (x.f64().unwrap(), y.f64().unwrap());
            for (i, (u, v)) in x.iter().zip(y.iter()).enumerate() {
                match (u, v) {
                    (Some(u), Some(v)) => assert!(
                        (u - v).abs() <= tol * u.abs().max(1.0),
                        "{what}, {}, row {i}: {u} vs {v}",
                        x.name()
                    ),
                    (u, v) => assert_eq!(u, v, "{what}, {}, row {i}", x.name()),
                }
            }
        } else {
            assert!(
                x.as_materialized_series()
                    .equals_missing(y.as_materialized_series()),
                "{what}: column {} differs",
                x.name()
            );
        }
    }
}

struct Both {
    _dir: tempfile::TempDir,
    config: campaign_study::StudyConfig,
    polars: pipeline::LayersReport,
    spark: spark::layers::SparkLayersReport,
}

fn both() -> &'static Both {
    static BOTH: OnceLock<Both> = OnceLock::new();
    BOTH.get_or_init(|| {
        let (dir, config) = temp_config();
        let polars = pipeline::layers(&config, &raw_csv()).unwrap();
        let paths = SparkPaths::new(dir.path().join("spark").to_str().unwrap());
        let input = raw_csv().canonicalize().unwrap();
        let spark = spark::layers::layers(&session(), input.to_str().unwrap(), &paths).unwrap();
        Both {
            _dir: dir,
            config,
            polars,
            spark,
        }
    })
}

#[test]
fn spark_gives_the_same_rows_lineage_and_outlier_bounds() {
    let b = both();
    assert_eq!(b.spark.rows, 2240);
    let rows: Vec<usize> = b.spark.lineage.steps.iter().map(|s| s.rows_out).collect();
    assert_eq!(rows, [2240, 2216, 2216, 2213, 2205, 2205]);
    assert_eq!(b.spark.lineage.steps.last().unwrap().responders_out, 333);
    // every step, rule text (with its quartiles and bounds) and outlier list as the polars engine's
    assert_eq!(b.spark.lineage.steps, b.polars.silver.steps);
    assert_eq!(b.spark.lineage.outliers, b.polars.silver.outliers);
    assert_eq!(
        b.spark.lineage.reference_date,
        b.polars.silver.reference_date
    );
}

#[test]
fn spark_writes_the_same_bronze_and_silver_values() {
    let b = both();
    let paths = &b.spark.paths;
    assert_same(
        "bronze",
        &read_spark_parquet(&paths.bronze(), &["ID"]),
        &read_parquet(&b.config.bronze_parquet(), &["ID"]),
        0.0,
    );
    assert_same(
        "wide silver",
        &read_spark_parquet(&paths.silver_wide(), &["ID"]),
        &read_parquet(&b.config.silver_wide_parquet(), &["ID"]),
        0.0,
    );
    let every: Vec<&str> = campaign_study::data::schema::SILVER_COLUMNS.to_vec();
    assert_same(
        "silver",
        &read_spark_parquet(&paths.silver(), &every),
        &read_parquet(&b.config.silver_parquet(), &every),
        0.0,
    );
}

#[test]
fn spark_writes_identical_gold_tables() {
    let b = both();
    for column in AGG_COLUMNS {
        let files = parts(&b.spark.paths.gold(column), ".csv");
        assert_eq!(files.len(), 1, "{column}: one CSV part");
        let spark = read_csv(&files[0]);
        let polars = read_csv(&b.config.gold_agg(column));
        assert_same(column, &spark, &polars, 0.0);
    }
    // and the resource layer holds the raw lines unchanged
    let files = parts(&b.spark.paths.resource(), ".txt");
    let copied: String = files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let raw = std::fs::read_to_string(raw_csv()).unwrap();
    assert_eq!(
        copied.lines().collect::<Vec<_>>(),
        raw.lines().collect::<Vec<_>>()
    );
}

#[test]
fn bad_input_gets_the_same_error_on_both_engines_and_changes_no_layer() {
    let (dir, config) = temp_config();
    pipeline::layers(&config, &raw_csv()).unwrap();
    let spark_root = dir.path().join("spark");
    let paths = SparkPaths::new(spark_root.to_str().unwrap());
    let session = session();
    let good = raw_csv().canonicalize().unwrap();
    spark::layers::layers(&session, good.to_str().unwrap(), &paths).unwrap();
    let text = std::fs::read_to_string(raw_csv()).unwrap();
    let header = text.lines().next().unwrap();
    let recency = header.split(',').position(|c| c == "Recency").unwrap();
    let without_recency: String = text
        .lines()
        .map(|l| {
            let mut f: Vec<&str> = l.split(',').collect();
            f.remove(recency);
            f.join(",") + "\n"
        })
        .collect();
    let cases: Vec<(&str, String, fn(&StudyError) -> bool)> = vec![
        (
            "missing column",
            without_recency,
            |e| matches!(e, StudyError::MissingColumns { columns, .. } if columns == &["Recency"]),
        ),
        (
            "wrong type",
            text.replacen(
                "5524,1957,Graduation,Single,58138",
                "5524,1957,Graduation,Single,58k",
                1,
            ),
            |e| matches!(e, StudyError::InvalidValue { line: 2, column, .. } if column == "Income"),
        ),
        (
            "unknown category",
            text.replacen(
                "5524,1957,Graduation,Single",
                "5524,1957,Graduation,Complicated",
                1,
            ),
            |e| matches!(e, StudyError::InvalidValue { line: 2, column, .. } if column == "Marital_Status"),
        ),
        (
            "not a real number",
            text.replacen(
                "5524,1957,Graduation,Single,58138",
                "5524,1957,Graduation,Single,NaN",
                1,
            ),
            |e| matches!(e, StudyError::InvalidValue { line: 2, column, .. } if column == "Income"),
        ),
        (
            "a date not written YYYY-MM-DD",
            text.replacen("58138,0,0,2012-09-04", "58138,0,0,2012-9-4", 1),
            |e| matches!(e, StudyError::InvalidValue { line: 2, column, .. } if column == "Dt_Customer"),
        ),
        (
            "too young for an age group",
            text.replacen("5524,1957,Graduation", "5524,2000,Graduation", 1),
            |e| {
                matches!(
                    e,
                    StudyError::DomainRule {
                        line: 2,
                        id: 5524,
                        ..
                    }
                )
            },
        ),
    ];
    let before = (snapshot(&config.data_dir), snapshot(&spark_root));
    for (what, content, expected) in cases {
        let input = dir.path().join(format!("{}.csv", what.replace(' ', "_")));
        std::fs::write(&input, content).unwrap();
        let polars = pipeline::layers(&config, &input).expect_err(what);
        let spark =
            spark::layers::layers(&session, input.to_str().unwrap(), &paths).expect_err(what);
        assert!(expected(&polars), "{what}, polars: {polars}");
        assert_eq!(spark.to_string(), polars.to_string(), "{what}");
    }
    assert!(
        before == (snapshot(&config.data_dir), snapshot(&spark_root)),
        "a refused input changed a layer"
    );
}

#[test]
fn an_unreachable_server_is_a_clear_error_naming_its_address() {
    // a port nothing listens on: refused at once
    let err = spark::connect("sc://127.0.0.1:9").err().expect("refused");
    assert!(
        matches!(&err, StudyError::SparkUnreachable { address, .. } if address == "127.0.0.1:9"),
        "{err}"
    );
    assert!(err.to_string().contains("127.0.0.1:9"), "{err}");
    // a name that does not resolve
    let err = spark::connect("sc://no-such-host.invalid:15002")
        .err()
        .expect("unresolvable");
    assert!(
        matches!(&err, StudyError::SparkUnreachable { address, .. } if address == "no-such-host.invalid:15002"),
        "{err}"
    );
    // not a Spark Connect address at all
    assert!(matches!(
        spark::connect("http://127.0.0.1:15002"),
        Err(StudyError::Invalid(_))
    ));
}

#[test]
fn spark_scoring_gives_the_local_probabilities_decisions_and_rejects() {
    use campaign_study::scoring::{score_file, OnInvalid, Selection};
    let model = common::deployable();
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("local.csv");
    score_file(&model, &raw_csv(), &local, Selection::Rule, OnInvalid::Skip).unwrap();
    let input = raw_csv().canonicalize().unwrap();
    let output = dir.path().join("spark_scored");
    let report = spark::score::score(
        &session(),
        &model,
        input.to_str().unwrap(),
        output.to_str().unwrap(),
    )
    .unwrap();
    assert_eq!((report.scored, report.rejected), (2205, 35));

    let key = |df: DataFrame| {
        df.lazy()
            .with_column(col("ID").cast(DataType::Int64))
            .sort(["ID"], Default::default())
            .collect()
            .unwrap()
    };
    let local_df = key(read_csv(&local));
    let spark_df = key(read_spark_parquet(&report.output, &["ID"]));
    let ids = |df: &DataFrame| df.column("ID").unwrap().i64().unwrap().to_vec();
    assert_eq!(ids(&spark_df), ids(&local_df));
    for column in ["probability", "expected_value"] {
        let a = spark_df.column(column).unwrap().f64().unwrap();
        let b = local_df.column(column).unwrap().f64().unwrap();
        let worst = a
            .into_no_null_iter()
            .zip(b.into_no_null_iter())
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max);
        assert!(worst < 1e-12, "{column}: largest difference {worst}");
    }
    assert!(spark_df
        .column("decision")
        .unwrap()
        .as_materialized_series()
        .equals(
            local_df
                .column("decision")
                .unwrap()
                .as_materialized_series()
        ));

    // the same records set aside, for the same column and reason
    let local_rejects = key(read_csv(&campaign_study::scoring::score::rejects_path(
        &local,
    )));
    let spark_rejects = key(read_spark_parquet(&report.rejects, &["ID"]));
    assert_eq!(ids(&spark_rejects), ids(&local_rejects));
    for column in ["column", "reason"] {
        assert!(
            spark_rejects
                .column(column)
                .unwrap()
                .as_materialized_series()
                .equals(
                    local_rejects
                        .column(column)
                        .unwrap()
                        .as_materialized_series()
                ),
            "{column}"
        );
    }
}

/// A second local server, stopped when dropped.
struct Server(&'static str);

impl Server {
    fn start(port: &'static str, stream_duration: &str) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/spark.sh");
        let status = std::process::Command::new(&script)
            .arg("start")
            .env("SPARK_CONNECT_PORT", port)
            .env("SPARK_CONNECT_STREAM_DURATION", stream_duration)
            .env("SPARK_DRIVER_MEMORY", "512m")
            .status()
            .expect("scripts/spark.sh");
        assert!(status.success());
        Server(port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/spark.sh");
        let _ = std::process::Command::new(script)
            .arg("stop")
            .env("SPARK_CONNECT_PORT", self.0)
            .status();
    }
}

#[test]
fn a_result_stream_the_server_cuts_is_an_error_never_an_empty_answer() {
    // A server that closes every result stream after 2 s for the client to reattach, which the
    // Rust client 4.2.0 takes for the end of the result: a 4 s query answered no rows at all.
    let _server = Server::start("15012", "2s");
    let slow = "SELECT count(*) AS n FROM range(1) \
                WHERE reflect('java.lang.Thread', 'sleep', cast(4000 as long)) IS NULL";
    let cut = spark::connect("sc://127.0.0.1:15012").unwrap();
    let err = spark::one_row(&cut.sql(slow).unwrap(), "a slow count").unwrap_err();
    assert!(
        matches!(&err, StudyError::Spark { message, .. } if message.contains("cut")),
        "{err}"
    );
    // the study's server never cuts a stream: the same query answers its one row
    let row = spark::one_row(&session().sql(slow).unwrap(), "a slow count").unwrap();
    assert!(spark::int_at(&row, 0).is_some(), "{row:?}");
}

#[test]
fn spark_and_polars_agree_on_a_synthetic_file_of_20000_customers() {
    // more of everything the rules meet: missing incomes, outliers, rare categories, ties at
    // the quartiles, many gold groups
    let (dir, config) = temp_config();
    let input = dir.path().join("synthetic.csv");
    campaign_study::synth::synthesize(&raw_csv(), 20_000, 11, &input).unwrap();
    let polars = pipeline::layers(&config, &input).unwrap();
    let paths = SparkPaths::new(dir.path().join("spark").to_str().unwrap());
    let spark = spark::layers::layers(&session(), input.to_str().unwrap(), &paths).unwrap();
    assert_eq!(spark.rows, 20_000);
    assert!(
        spark.lineage.steps[1].rows_out < 20_000,
        "missing incomes dropped"
    );
    assert_eq!(spark.lineage.steps, polars.silver.steps);
    assert_eq!(spark.lineage.outliers, polars.silver.outliers);
    assert_same(
        "wide silver",
        &read_spark_parquet(&paths.silver_wide(), &["ID"]),
        &read_parquet(&config.silver_wide_parquet(), &["ID"]),
        0.0,
    );
    for column in AGG_COLUMNS {
        let files = parts(&paths.gold(column), ".csv");
        assert_same(
            column,
            &read_csv(&files[0]),
            &read_csv(&config.gold_agg(column)),
            0.0,
        );
    }
}
