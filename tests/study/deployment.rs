//! The deployed model and the scoring core on the study data: the model file round trip,
//! scoring the case file against the training features, the decision options, bad records, and
//! explanations. The model is the profit stage's choice (logistic regression, C 1, Platt), fitted
//! here by the same function the stage calls, without the stage's repeated CV.

use crate::common;

use campaign_study::scoring::artifact::logit;
use campaign_study::scoring::examples::{example_a, example_b};
use campaign_study::scoring::score::{explain_records, rejects_path, CONTACT};
use campaign_study::scoring::{score, score_file, ModelArtifact, OnInvalid, Records, Selection};
use campaign_study::targeting::Customers;
use campaign_study::{StudyConfig, StudyError};
use common::{built, raw_csv};
use polars::prelude::*;
use std::path::PathBuf;
use std::sync::OnceLock;

fn config() -> &'static StudyConfig {
    &built().1
}

/// The deployable model, fitted once and saved to the test's models folder.
fn model() -> &'static ModelArtifact {
    static M: OnceLock<ModelArtifact> = OnceLock::new();
    M.get_or_init(|| {
        let m = common::deployable();
        m.save(&config().deployed_model()).expect("save");
        m
    })
}

fn out_dir() -> PathBuf {
    let d = config().scoring_dir();
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn column_f64(df: &DataFrame, name: &str) -> Vec<f64> {
    df.column(name)
        .unwrap()
        .cast(&DataType::Float64)
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect()
}

fn column_str(df: &DataFrame, name: &str) -> Vec<String> {
    df.column(name)
        .unwrap()
        .cast(&DataType::String)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect()
}

#[test]
fn the_model_file_records_what_scoring_needs_and_reloads_bit_identical() {
    let m = model();
    assert_eq!(m.trained_on.customers, 2205);
    assert_eq!(m.trained_on.responders, 333);
    assert_eq!(
        m.trained_on.sha256,
        campaign_study::data::schema::PUBLISHED_SHA256
    );
    assert_eq!(m.reference.date, "2014-06-29");
    assert_eq!(m.inputs.len(), 25);
    let education = m.input("Education").unwrap();
    assert_eq!(
        education.categories,
        ["2n Cycle", "Basic", "Graduation", "Master", "PhD"]
    );
    // the outlier filters of processing bound the training incomes and ages
    let income = m.input("Income").unwrap();
    assert_eq!(
        (income.lower.as_deref(), income.upper.as_deref()),
        (Some("1730"), Some("113734"))
    );
    let born = m.input("Year_Birth").unwrap();
    assert_eq!(
        (born.lower.as_deref(), born.upper.as_deref()),
        (Some("1940"), Some("1996"))
    );
    assert_eq!(m.features.len(), 35);

    let loaded = ModelArtifact::load(&config().deployed_model()).unwrap();
    let x = Customers::load(config()).unwrap().data.x;
    let a = m.probabilities(&x).unwrap();
    let b = loaded.probabilities(&x).unwrap();
    assert_eq!(a.len(), 2205);
    assert!(
        a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()),
        "probabilities changed through the file"
    );
}

#[test]
fn a_model_file_of_another_format_is_refused_with_a_clear_error() {
    model();
    let text = std::fs::read_to_string(config().deployed_model()).unwrap();
    let path = out_dir().join("old_model.json");
    std::fs::write(
        &path,
        text.replace("\"format_version\": 1", "\"format_version\": 0"),
    )
    .unwrap();
    match ModelArtifact::load(&path) {
        Err(StudyError::ModelFormat {
            found: 0,
            expected: 1,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    let e = ModelArtifact::load(&out_dir().join("none.json")).unwrap_err();
    assert!(e.to_string().contains("run the `profit` stage"), "{e}");
}

#[test]
fn scoring_the_case_file_reproduces_the_training_features_probabilities() {
    let m = model();
    let output = out_dir().join("case_file.scored.csv");
    let report = score_file(m, &raw_csv(), &output, Selection::Rule, OnInvalid::Skip).unwrap();
    assert_eq!(
        (report.records, report.scored, report.rejected),
        (2240, 2205, 35)
    );
    let scored = Records::read_csv(&output).unwrap();
    let header = scored.columns();
    let scored = scored.frame;
    // the training customers, in the same order, scored from their raw rows
    let customers = Customers::load(config()).unwrap();
    let ids: Vec<i64> = column_f64(&scored, "ID")
        .iter()
        .map(|v| *v as i64)
        .collect();
    assert_eq!(ids, customers.ids);
    let want = m.probabilities(&customers.data.x).unwrap();
    let got = column_f64(&scored, "probability");
    assert!(
        got.iter()
            .zip(&want)
            .all(|(a, b)| a.to_bits() == b.to_bits()),
        "the raw path and the training features disagree"
    );
    // expected value, rank and decision follow their definitions
    let ev = column_f64(&scored, "expected_value");
    assert!(got
        .iter()
        .zip(&ev)
        .all(|(p, e)| (11.0 * p - 3.0 - e).abs() < 1e-12));
    let mut ranks: Vec<i64> = column_f64(&scored, "rank")
        .iter()
        .map(|v| *v as i64)
        .collect();
    let top = ranks.iter().position(|r| *r == 1).unwrap();
    assert_eq!(got[top], got.iter().copied().fold(f64::MIN, f64::max));
    ranks.sort();
    assert_eq!(ranks, (1..=2205).collect::<Vec<i64>>());
    let decisions = column_str(&scored, "decision");
    for (p, d) in got.iter().zip(&decisions) {
        assert_eq!(*p >= 3.0 / 11.0, d == CONTACT, "p {p}, {d}");
    }
    // every input column is passed through, Response and the constants included
    assert_eq!(header.first().map(|c| c.as_str()), Some("ID"));
    assert!(header.iter().any(|c| c.as_str() == "Response"));
    assert_eq!(
        header[header.len() - 4..],
        ["probability", "expected_value", "decision", "rank"]
    );
    // the 35 rejected: 24 missing incomes, 11 outside the training range (the outliers)
    let rejects = Records::read_csv(&rejects_path(&output)).unwrap().frame;
    let reasons = column_str(&rejects, "reason");
    let missing = reasons
        .iter()
        .filter(|r| r.starts_with("missing value"))
        .count();
    let outside = reasons
        .iter()
        .filter(|r| r.starts_with("outside the range"))
        .count();
    assert_eq!((missing, outside), (24, 11), "{reasons:?}");
    assert_eq!(column_str(&rejects, "line")[0], "12");
}

#[test]
fn strict_scoring_stops_at_the_first_bad_record_and_writes_nothing() {
    let m = model();
    let output = out_dir().join("strict.scored.csv");
    let e = score_file(m, &raw_csv(), &output, Selection::Rule, OnInvalid::Stop).unwrap_err();
    match &e {
        StudyError::InvalidRecord {
            record,
            column,
            value,
            ..
        } => assert_eq!(
            (record.as_str(), column.as_str(), value.as_str()),
            ("line 12", "Income", "")
        ),
        other => panic!("{other}"),
    }
    assert!(!output.exists());
    assert!(!rejects_path(&output).exists());
}

/// The first `n` rows of the case file, `;`-separated, without Response and the Z_ columns,
/// with the change `edit` (line, column, value) applied.
fn semicolon_file(name: &str, n: usize, edit: Option<(u32, &str, &str)>) -> PathBuf {
    let records = Records::read_csv(&raw_csv()).unwrap();
    let mut lf = records.frame.lazy().limit(n as IdxSize).drop(by_name(
        ["Response", "Z_CostContact", "Z_Revenue"],
        true,
        false,
    ));
    if let Some((line, column, value)) = edit {
        lf = lf.with_column(
            when(col("__line").eq(lit(line)))
                .then(lit(value.to_string()))
                .otherwise(col(column))
                .alias(column),
        );
    }
    let mut df = lf.drop(by_name(["__line"], true, false)).collect().unwrap();
    let path = out_dir().join(name);
    let mut f = std::fs::File::create(&path).unwrap();
    CsvWriter::new(&mut f)
        .with_separator(b';')
        .finish(&mut df)
        .unwrap();
    path
}

#[test]
fn semicolon_files_without_response_score_as_the_case_file_does() {
    let m = model();
    let path = semicolon_file("first_ten.csv", 11, None);
    let semi = score(
        m,
        &Records::read_csv(&path).unwrap(),
        Selection::Rule,
        OnInvalid::Skip,
    )
    .unwrap();
    let full = score(
        m,
        &Records::read_csv(&raw_csv()).unwrap(),
        Selection::Rule,
        OnInvalid::Skip,
    )
    .unwrap();
    // line 12 (the 11th customer) has no income: 10 scored, 1 rejected
    assert_eq!((semi.scored.height(), semi.rejects.height()), (10, 1));
    let a = column_f64(&semi.scored, "probability");
    let b = column_f64(&full.scored, "probability");
    assert_eq!(a, b[..10]);
    assert!(!semi
        .scored
        .get_column_names()
        .iter()
        .any(|c| c.as_str() == "Response"));
}

#[test]
fn a_budget_contacts_the_n_most_likely_and_a_threshold_those_above_it() {
    let m = model();
    let records = Records::read_csv(&raw_csv()).unwrap();
    let top = score(m, &records, Selection::Top(25), OnInvalid::Skip)
        .unwrap()
        .scored;
    let p = column_f64(&top, "probability");
    let d = column_str(&top, "decision");
    let r = column_f64(&top, "rank");
    assert_eq!(d.iter().filter(|v| *v == CONTACT).count(), 25);
    assert!(d
        .iter()
        .zip(&r)
        .all(|(d, r)| (d == CONTACT) == (*r <= 25.0)));
    let cut = score(m, &records, Selection::Threshold(0.5), OnInvalid::Skip)
        .unwrap()
        .scored;
    let dc = column_str(&cut, "decision");
    assert_eq!(
        dc.iter().filter(|v| *v == CONTACT).count(),
        p.iter().filter(|v| **v >= 0.5).count()
    );
}

#[test]
fn every_kind_of_bad_record_is_named_by_line_column_and_value() {
    let m = model();
    let cases: [(&str, &str, &str, &str); 6] = [
        ("Education", "2 Cycle", "unknown category", "2 Cycle"),
        ("Income", "abc", "not a valid value", "abc"),
        (
            "Dt_Customer",
            "2014-13-01",
            "not a valid value",
            "2014-13-01",
        ),
        ("Kidhome", "-1", "negative value", "-1"),
        (
            "Income",
            "500000",
            "outside the range the model was fitted on",
            "500000",
        ),
        (
            "Dt_Customer",
            "2015-01-01",
            "outside the range the model was fitted on",
            "2015-01-01",
        ),
    ];
    for (i, (column, value, problem, shown)) in cases.iter().enumerate() {
        let path = semicolon_file(&format!("bad_{i}.csv"), 5, Some((4, column, value)));
        let e = score(
            m,
            &Records::read_csv(&path).unwrap(),
            Selection::Rule,
            OnInvalid::Stop,
        )
        .unwrap_err();
        match &e {
            StudyError::InvalidRecord {
                record,
                column: c,
                value: v,
                problem: p,
                ..
            } => assert_eq!(
                (record.as_str(), c.as_str(), v.as_str(), p.as_str()),
                ("line 4", *column, *shown, *problem),
                "{e}"
            ),
            other => panic!("{column}={value}: {other}"),
        }
    }
    // a column the model needs is missing
    let records = Records::read_csv(&raw_csv()).unwrap();
    let without = Records {
        frame: records.frame.drop("Recency").unwrap(),
        ..records
    };
    match score(m, &without, Selection::Rule, OnInvalid::Skip) {
        Err(StudyError::MissingFields { columns, .. }) => assert_eq!(columns, ["Recency"]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn explanations_add_up_to_the_calibrated_log_odds_and_agree_with_scoring() {
    let m = model();
    let list = serde_json::Value::Array(
        [example_a(), example_b()]
            .iter()
            .map(|r| {
                serde_json::Value::Object(
                    r.iter()
                        .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.clone())))
                        .collect(),
                )
            })
            .collect(),
    );
    let records = Records::from_json(&list, "examples").unwrap();
    let explained = explain_records(m, &records).unwrap();
    let scored = score(m, &records, Selection::Rule, OnInvalid::Stop)
        .unwrap()
        .scored;
    let p = column_f64(&scored, "probability");
    for (e, p) in explained.iter().zip(&p) {
        assert_eq!(e.probability.to_bits(), p.to_bits());
        let sum = e.baseline + e.contributions.iter().map(|c| c.log_odds).sum::<f64>();
        assert!((sum - logit(*p)).abs() < 1e-9, "{sum} vs {}", logit(*p));
        assert!(e
            .contributions
            .windows(2)
            .all(|w| w[0].log_odds.abs() >= w[1].log_odds.abs()));
    }
    // Example A is a customer to contact, Example B is not
    assert!(explained[0].contact && explained[0].probability > 0.5);
    assert!(!explained[1].contact && explained[1].probability < 0.1);
}

#[test]
fn scoring_in_chunks_gives_the_same_probabilities_as_at_once() {
    let m = model();
    let records = Records::read_csv(&raw_csv()).unwrap();
    // the valid records: the case file without its missing incomes and outliers
    let valid = score(m, &records, Selection::Rule, OnInvalid::Skip)
        .unwrap()
        .scored;
    let text = valid
        .drop_many(["probability", "expected_value", "decision", "rank"])
        .lazy()
        .select([all().as_expr().cast(DataType::String)])
        .collect()
        .unwrap();
    use campaign_study::scoring::score::probabilities_in_chunks;
    let whole = probabilities_in_chunks(m, &text, usize::MAX).unwrap();
    let small = probabilities_in_chunks(m, &text, 97).unwrap();
    assert_eq!(whole.len(), 2205);
    assert!(whole
        .iter()
        .zip(&small)
        .all(|(a, b)| a.to_bits() == b.to_bits()));
    assert_eq!(whole, column_f64(&valid, "probability"));
}

/// The bytes of a file.
fn bytes(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn a_file_scored_in_chunks_is_byte_identical_to_one_scored_at_once() {
    use campaign_study::scoring::score::score_file_in_chunks;
    let m = model();
    // 97 records a chunk: 24 chunks, the last partial; rejects in several chunks; the budget's
    // ranks are global, so a chunk-local rank would change the decisions and the rank column
    for (name, selection) in [("rule", Selection::Rule), ("top", Selection::Top(300))] {
        let once = out_dir().join(format!("once.{name}.csv"));
        let chunked = out_dir().join(format!("chunked.{name}.csv"));
        let a = score_file_in_chunks(m, &raw_csv(), &once, selection, OnInvalid::Skip, 1 << 20)
            .unwrap();
        let b =
            score_file_in_chunks(m, &raw_csv(), &chunked, selection, OnInvalid::Skip, 97).unwrap();
        assert_eq!(
            (a.records, a.scored, a.rejected, a.contacted),
            (b.records, b.scored, b.rejected, b.contacted)
        );
        assert_eq!((a.records, a.scored, a.rejected), (2240, 2205, 35));
        assert!(
            bytes(&once) == bytes(&chunked),
            "{name}: scored files differ"
        );
        assert!(
            bytes(&rejects_path(&once)) == bytes(&rejects_path(&chunked)),
            "{name}: rejects differ"
        );
        // the report's sums are the file's
        let scored = Records::read_csv(&chunked).unwrap().frame;
        let d = column_str(&scored, "decision");
        let ev = column_f64(&scored, "expected_value");
        let contacted: Vec<f64> = ev
            .iter()
            .zip(&d)
            .filter(|(_, d)| *d == CONTACT)
            .map(|(e, _)| *e)
            .collect();
        assert_eq!(b.contacted, contacted.len());
        assert!((b.expected_profit - contacted.iter().sum::<f64>()).abs() < 1e-9);
        if let Selection::Top(n) = selection {
            assert_eq!(b.contacted, n);
        }
    }
    // strict, 5 records a chunk: the first bad record (line 12) is in the third chunk
    // (in a folder of its own: other tests write beside the others meanwhile)
    let dir = out_dir().join("strict_chunked");
    std::fs::create_dir_all(&dir).unwrap();
    let strict = dir.join("strict.chunked.csv");
    let e = score_file_in_chunks(m, &raw_csv(), &strict, Selection::Rule, OnInvalid::Stop, 5)
        .unwrap_err();
    assert!(e.to_string().contains("line 12"), "{e}");
    assert!(!strict.exists() && !rejects_path(&strict).exists());
    let leftovers: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_file_with_a_header_and_no_records_gives_files_with_headers_only() {
    let m = model();
    let input = out_dir().join("header_only.csv");
    let header = bytes(&raw_csv())
        .split(|b| *b == b'\n')
        .next()
        .unwrap()
        .to_vec();
    std::fs::write(&input, [header, b"\n".to_vec()].concat()).unwrap();
    let output = out_dir().join("header_only.scored.csv");
    let r = score_file(m, &input, &output, Selection::Rule, OnInvalid::Skip).unwrap();
    assert_eq!((r.records, r.scored, r.rejected, r.contacted), (0, 0, 0, 0));
    let scored = String::from_utf8(bytes(&output)).unwrap();
    assert_eq!(scored.lines().count(), 1);
    assert!(scored.starts_with("ID,") && scored.trim_end().ends_with(",decision,rank"));
    let rejects = String::from_utf8(bytes(&rejects_path(&output))).unwrap();
    assert!(
        rejects.trim_end().ends_with(",line,column,value,reason"),
        "{rejects}"
    );
}

/// The model as one row rule (what the Spark engine runs), compiled to polars over the case
/// file's valid records, gives the scorer's probabilities.
#[test]
fn the_model_as_an_expression_gives_the_scorers_probabilities() {
    use campaign_study::data::features::engineered_exprs;
    use campaign_study::data::rules::derive;
    use campaign_study::data::validation::typed;
    use campaign_study::scoring::rule::probability_rule;
    let m = model();
    let records = Records::read_csv(&raw_csv()).unwrap();
    let scored = score(m, &records, Selection::Rule, OnInvalid::Skip)
        .unwrap()
        .scored;
    let want = column_f64(&scored, "probability");
    let typed_inputs: Vec<Expr> = m.inputs.iter().map(|c| typed(&c.name, c.kind)).collect();
    let rule = probability_rule(m).unwrap();
    let got = derive(scored.clone().lazy().select(typed_inputs), &m.reference)
        .with_columns(engineered_exprs())
        .select([rule.to_polars().alias("p")])
        .collect()
        .unwrap();
    let got = column_f64(&got, "p");
    assert_eq!(got.len(), 2205);
    let worst = got
        .iter()
        .zip(&want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(worst < 1e-12, "largest difference {worst}");
}
