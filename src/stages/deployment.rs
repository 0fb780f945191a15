//! Stage 10 — deployment (SEED_STUDY.md §8): the saved honest model's card; the original's two
//! examples scored by the original's own pipeline (notebook 08's, `models/classifier.json`) and
//! by the honest model from raw inputs; one decision explained feature by feature; and a small
//! file scored by [`crate::scoring::score_file`], the function `campaign-study score` runs.

use crate::config::StudyConfig;
use crate::data::features::feature_columns;
use crate::data::original::{LeanExample, ORIGINAL_EXAMPLES};
use crate::data::rules::age_group;
use crate::data::schema::TEXT_COLUMNS;
use crate::error::{PolarsContext, Result};
use crate::ml::classifier::FittedPipeline;
use crate::ml::preprocessing::Columns;
use crate::report::table::Table;
use crate::scoring::examples::{example_a, example_b, RawRecord};
use crate::scoring::records::{Records, LINE};
use crate::scoring::score::{explain_records, features_of};
use crate::scoring::{score_file, OnInvalid, Selection};
// What this stage's functions return, nameable from here (a notebook writes
// `let m: deployment::ModelArtifact`).
pub use crate::scoring::score::Explanation;
pub use crate::scoring::{ModelArtifact, ScoreReport};
use polars::prelude::*;
use std::path::PathBuf;

/// The deployed model (written by `profit`).
pub fn model(config: &StudyConfig) -> Result<ModelArtifact> {
    ModelArtifact::load(&config.deployed_model())
}

/// The original's feature columns of a lean example, derived as its deployment notebook did:
/// HasChildren, AgeGroup, quarter, whole years, MntTotal and HasAcceptedCmp from the 16 inputs.
pub fn lean_columns(e: &LeanExample) -> Result<Columns> {
    let df = df!(
        "Education" => [e.education],
        "Marital_Status" => [e.marital_status],
        "Children" => [e.children],
        "Age" => [e.age],
        "Income" => [e.income],
        "Recency" => [e.recency],
        "Complain" => [e.complain],
        "Dt_Customer_Month" => [e.month],
        "Days_Since_Enrolled" => [e.days],
        "NumDealsPurchases" => [e.deals],
        "NumWebVisitsMonth" => [e.web_visits],
        "NumTotalPurchases" => [e.purchases],
        "MntRegularProds" => [e.regular],
        "MntGoldProds" => [e.gold],
        "AcceptedCmpTotal" => [e.accepted],
        "Cluster" => [e.cluster],
    )
    .ctx(|| format!("{}: building the record", e.name))?;
    let df = df
        .lazy()
        .with_columns([
            col("Children")
                .gt(lit(0i64))
                .cast(DataType::Int64)
                .alias("HasChildren"),
            age_group(),
            ((col("Dt_Customer_Month") - lit(1i64)).floor_div(lit(3i64)) + lit(1i64))
                .alias("Dt_Customer_Quarter"),
            col("Days_Since_Enrolled")
                .floor_div(lit(365i64))
                .alias("Years_Since_Enrolled"),
            (col("MntRegularProds") + col("MntGoldProds")).alias("MntTotal"),
            col("AcceptedCmpTotal")
                .gt(lit(0i64))
                .cast(DataType::Int64)
                .alias("HasAcceptedCmp"),
        ])
        .collect()
        .ctx(|| format!("{}: deriving the lean features", e.name))?;
    Ok(Columns::from_frame(&df, &feature_columns(), &TEXT_COLUMNS)?)
}

/// An original example scored by the original's final pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct OriginalScore {
    pub example: LeanExample,
    pub probability: f64,
    pub predicted: u8,
}

/// Example A and B through the original's final pipeline as notebook 08 tuned it: the faithful
/// logistic regression (`models/classifier_original_lr.json`).
pub fn original_examples(config: &StudyConfig) -> Result<Vec<OriginalScore>> {
    let path = config.original_model();
    if !path.exists() {
        return Err(crate::error::StudyError::MissingLayer {
            path,
            stage: "train",
        });
    }
    let pipeline = FittedPipeline::load(&path)?;
    ORIGINAL_EXAMPLES
        .iter()
        .map(|e| {
            let x = lean_columns(e)?;
            let p = pipeline.scores(&x)?[0];
            Ok(OriginalScore {
                example: *e,
                probability: p,
                predicted: pipeline.labels_of(&[p])[0],
            })
        })
        .collect()
}

fn verdict(accept: bool) -> &'static str {
    if accept {
        "will accept"
    } else {
        "will not accept"
    }
}

/// The two examples as the original answered and as its pipeline answers here.
pub fn original_examples_table(scores: &[OriginalScore]) -> Table {
    let rows = scores
        .iter()
        .map(|s| {
            vec![
                s.example.name.to_string(),
                format!(
                    "{} (p ≈ {:.2})",
                    verdict(s.example.predicted == 1),
                    s.example.probability
                ),
                format!("{} (p = {:.3})", verdict(s.predicted == 1), s.probability),
            ]
        })
        .collect();
    Table::new(
        vec![
            "example".into(),
            "original (SEED_STUDY.md §8)".into(),
            "the original's tuned logistic regression here (notebook 08)".into(),
        ],
        rows,
    )
    .with_caption("The original's deployment examples, lean inputs with Cluster typed in, its tuned pipeline (undersampled: p is not a calibrated probability)")
}

/// The two examples in raw form, side by side, with the lean fields the model's rules derive
/// from them (to compare with the original's inputs).
pub fn raw_examples_table(model: &ModelArtifact) -> Result<Table> {
    let (a, b) = (example_a(), example_b());
    let mut rows: Vec<Vec<String>> = a
        .iter()
        .zip(&b)
        .map(|((k, va), (_, vb))| vec![k.to_string(), va.clone(), vb.clone()])
        .collect();
    let records = records_of(&[("Example A", a), ("Example B", b)])?;
    let x = features_of(model, records.frame.lazy())?;
    for name in [
        "Age",
        "Days_Since_Enrolled",
        "MntTotal",
        "NumTotalPurchases",
        "AcceptedCmpTotal",
    ] {
        let v = x.get(name)?.as_numbers(name)?;
        rows.push(vec![
            format!("→ {name} (derived)"),
            format!("{}", v[0]),
            format!("{}", v[1]),
        ]);
    }
    Ok(Table::new(
        vec!["raw input".into(), "Example A".into(), "Example B".into()],
        rows,
    )
    .with_caption("The examples in the case file's raw schema, and what the scoring core derives"))
}

fn records_of(examples: &[(&str, RawRecord)]) -> Result<Records> {
    let list: Vec<serde_json::Value> = examples
        .iter()
        .map(|(_, r)| {
            serde_json::Value::Object(
                r.iter()
                    .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.clone())))
                    .collect(),
            )
        })
        .collect();
    Records::from_json(&serde_json::Value::Array(list), "examples")
}

/// Example A and B through the deployed honest model, from raw inputs, explained.
pub fn honest_examples(model: &ModelArtifact) -> Result<Vec<(String, Explanation)>> {
    let examples = [("Example A", example_a()), ("Example B", example_b())];
    let explained = explain_records(model, &records_of(&examples)?)?;
    Ok(examples
        .iter()
        .map(|(n, _)| n.to_string())
        .zip(explained)
        .collect())
}

/// The honest model's answers to the examples.
pub fn honest_examples_table(model: &ModelArtifact, explained: &[(String, Explanation)]) -> Table {
    let rows = explained
        .iter()
        .map(|(name, e)| {
            vec![
                name.clone(),
                format!("{:.3}", e.probability),
                format!("{:+.2}", e.expected_value),
                if e.contact {
                    "contact"
                } else {
                    "do not contact"
                }
                .to_string(),
            ]
        })
        .collect();
    Table::new(
        vec![
            "example".into(),
            "probability".into(),
            "expected value (MU)".into(),
            format!("decision (p ≥ {:.3})", model.decision.threshold),
        ],
        rows,
    )
    .with_caption("The honest model on the examples' raw inputs (calibrated probabilities)")
}

/// A decision feature by feature: the `n` largest contributions to the log-odds, the rest
/// summed, the baseline, and the total.
pub fn explanation_table(e: &Explanation, n: usize) -> Table {
    let mut rows = vec![vec![
        "baseline (a customer at the training means)".to_string(),
        String::new(),
        format!("{:+.3}", e.baseline),
    ]];
    for c in e.contributions.iter().take(n) {
        rows.push(vec![
            c.feature.clone(),
            c.value.clone(),
            format!("{:+.3}", c.log_odds),
        ]);
    }
    let rest: f64 = e.contributions.iter().skip(n).map(|c| c.log_odds).sum();
    rows.push(vec![
        format!(
            "the other {} features",
            e.contributions.len().saturating_sub(n)
        ),
        String::new(),
        format!("{rest:+.3}"),
    ]);
    rows.push(vec![
        "log-odds (sum)".to_string(),
        format!("p = {:.3}", e.probability),
        format!("{:+.3}", e.log_odds),
    ]);
    Table::new(
        vec![
            "feature".into(),
            "value".into(),
            "contribution to the log-odds".into(),
        ],
        rows,
    )
    .with_caption(
        "One decision, feature by feature (calibrated log-odds = baseline + contributions)",
    )
}

/// Write a small `;`-separated file of customers, as the original's batch file: the first
/// `n` customers of the resource file without `Response` and the `Z_` columns, the last one
/// given the original app's category typo ('2 Cycle') so the file shows a rejected record.
pub fn write_sample(config: &StudyConfig, n: usize) -> Result<PathBuf> {
    let records = Records::read_csv(&config.resource_csv())?;
    let last = (n + 1) as u32; // line of the n-th customer (header = line 1)
    let mut df = records
        .frame
        .lazy()
        .limit(n as IdxSize)
        .with_column(
            when(col(LINE).eq(lit(last)))
                .then(lit("2 Cycle"))
                .otherwise(col("Education"))
                .alias("Education"),
        )
        .drop(by_name(
            [LINE, "Response", "Z_CostContact", "Z_Revenue"],
            true,
            false,
        ))
        .collect()
        .ctx(|| "building the sample file".to_string())?;
    let path = config.scoring_dir().join("customers_sample.csv");
    crate::io::write_atomic(&path, |f| {
        CsvWriter::new(f)
            .include_header(true)
            .with_separator(b';')
            .finish(&mut df)
            .ctx(|| format!("writing {}", path.display()))
    })?;
    Ok(path)
}

/// Score the sample file as `campaign-study score --skip-invalid` does.
pub fn score_sample(config: &StudyConfig, model: &ModelArtifact, n: usize) -> Result<ScoreReport> {
    let input = write_sample(config, n)?;
    let output = config.scoring_dir().join("customers_sample.scored.csv");
    score_file(model, &input, &output, Selection::Rule, OnInvalid::Skip)
}

/// A CSV file as a table (the scored file or its rejects), with selected columns.
pub fn file_table(path: &std::path::Path, columns: &[&str]) -> Result<Table> {
    let records = Records::read_csv(path)?;
    let df = records
        .frame
        .select(columns.iter().copied())
        .ctx(|| format!("reading {}", path.display()))?;
    Ok(Table::from_df(&df))
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// What scoring a file did, as a table (file names, not machine paths).
pub fn score_report_table(r: &ScoreReport) -> Table {
    let mut rows = vec![
        vec!["records read".to_string(), r.records.to_string()],
        vec!["scored".to_string(), r.scored.to_string()],
        vec![
            "set aside (cannot be scored)".to_string(),
            r.rejected.to_string(),
        ],
        vec!["to contact".to_string(), r.contacted.to_string()],
        vec![
            "their expected profit (MU)".to_string(),
            format!("{:.1}", r.expected_profit),
        ],
        vec!["scored file".to_string(), file_name(&r.output)],
    ];
    if let Some(p) = &r.rejects {
        rows.push(vec!["rejects file".to_string(), file_name(p)]);
    }
    Table::new(vec!["".into(), "".into()], rows).with_caption("Scoring a file")
}

/// The records a scoring run set aside, with their line, column, value and reason.
pub fn rejects_table(r: &ScoreReport) -> Result<Table> {
    match &r.rejects {
        Some(p) => Ok(file_table(p, &["ID", "line", "column", "value", "reason"])?
            .with_caption("Set aside: each record's first problem")),
        None => Ok(Table::new(vec!["nothing set aside".into()], vec![])),
    }
}
