//! Scoring on Spark: the deployed model applied to a customer table in the cluster, written
//! there. The model is one expression ([`probability_rule`]: the §4 and engineered features,
//! the column transformer, the logistic model and its calibration), so the executors need
//! neither Python nor this program. Records are checked by the model's own input rules (type,
//! category, domain rules, training range) compiled to Spark, as the local scorer checks them:
//! valid ones are scored, the others set aside with the column, value and reason.

use super::expr::{first_failing, to_spark, with_rules};
use super::{check_written, int_at, one_row, spark_err};
use crate::data::expr::{field, RowExpr};
use crate::data::features::engineered_columns;
use crate::data::rules;
use crate::data::validation::{checks, Check};
use crate::error::{Result, StudyError};
use crate::scoring::rule::probability_rule;
use crate::scoring::score::{CONTACT, NO_CONTACT};
use crate::scoring::ModelArtifact;
use spark_connect::functions as f;
use spark_connect::{col, lit, lit_double, lit_string, Column, DataFrame, SparkSession};

const PROBLEM: &str = "__problem";

/// What `score --engine spark` wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct SparkScoreReport {
    pub output: String,
    pub rejects: String,
    pub scored: usize,
    pub rejected: usize,
}

/// Where the records set aside go, beside `output`.
pub fn rejects_path(output: &str) -> String {
    format!("{}.rejects", output.trim_end_matches('/'))
}

/// A text column chosen by the failing check's index: `value(check)` for every check.
fn by_check(checks: &[Check], value: impl Fn(&Check) -> Column) -> Column {
    let mut it = checks.iter().enumerate();
    let Some((_, first)) = it.next() else {
        return f::expr("CAST(NULL AS STRING)");
    };
    it.fold(
        f::when(col(PROBLEM).eq(lit(0)), value(first)),
        |acc, (i, c)| acc.when(col(PROBLEM).eq(lit(i as i64)), value(c)),
    )
}

/// The records of `input` (CSV with a header, read by the cluster) with the model's outputs.
/// Returns the scored records, the records set aside, and every record with the index of its
/// first failing check (missing when valid).
pub fn scored_frame(
    spark: &SparkSession,
    model: &ModelArtifact,
    input: &str,
) -> Result<(DataFrame, DataFrame, DataFrame)> {
    let text = spark.read().option("header", "true").csv(input);
    let header = text
        .columns()
        .map_err(spark_err(&format!("reading {input}")))?;
    let missing: Vec<String> = model
        .inputs
        .iter()
        .filter(|c| !header.contains(&c.name))
        .map(|c| c.name.clone())
        .collect();
    if !missing.is_empty() {
        return Err(StudyError::MissingFields {
            origin: input.to_string(),
            columns: missing,
        });
    }
    let rules_of: Vec<_> = model.inputs.iter().map(|c| c.rule()).collect();
    let checks = checks(&rules_of);
    let flagged = text.with_column(PROBLEM, first_failing(&checks));

    let bad = flagged
        .filter(col(PROBLEM).is_not_null())
        .with_columns(vec![
            (
                "column".into(),
                by_check(&checks, |c| lit_string(&c.column)),
            ),
            (
                "value".into(),
                by_check(&checks, |c| col(&c.column).cast_str("string")),
            ),
            (
                "reason".into(),
                by_check(&checks, |c| {
                    lit_string(&format!("{} (expected {})", c.problem, c.expected))
                }),
            ),
        ])
        .drop(vec![PROBLEM]);

    // valid records: the text kept aside under `__text_<name>`, the inputs typed under their
    // own names, the silver and engineered features, the probability
    let text_name = |n: &str| format!("__text_{n}");
    let mut lf = flagged
        .filter(col(PROBLEM).is_null())
        .with_columns_renamed(header.iter().map(|n| (n.clone(), text_name(n))).collect());
    let typed: Vec<(String, RowExpr)> = model
        .inputs
        .iter()
        .map(|c| (c.name.clone(), field(&text_name(&c.name)).parse(c.kind)))
        .collect();
    lf = with_rules(
        &lf,
        typed.iter().map(|(n, r)| (n.as_str(), r.clone())).collect(),
    );
    for round in rules::derived_columns(&model.reference) {
        lf = with_rules(&lf, round);
    }
    lf = with_rules(&lf, engineered_columns());
    let p = to_spark(&probability_rule(model)?);
    let d = &model.decision;
    let mut out: Vec<Column> = header.iter().map(|n| col(&text_name(n)).alias(n)).collect();
    out.push(col("probability"));
    out.push(
        lit_double(d.revenue)
            .mul(col("probability"))
            .sub(lit_double(d.cost))
            .alias("expected_value"),
    );
    out.push(
        f::when(
            col("probability").ge(lit_double(d.threshold)),
            lit_string(CONTACT),
        )
        .otherwise(lit_string(NO_CONTACT))
        .alias("decision"),
    );
    let good = lf.with_column("probability", p).select(out);
    Ok((good, bad, flagged))
}

/// Score the customer table `input` on `spark` and write the scored records to `output` and
/// those set aside to [`rejects_path`]`(output)`, as parquet in the cluster.
pub fn score(
    spark: &SparkSession,
    model: &ModelArtifact,
    input: &str,
    output: &str,
) -> Result<SparkScoreReport> {
    let (good, bad, flagged) = scored_frame(spark, model, input)?;
    // the counts from the checks alone (one pass over the input, no model)
    let counts = one_row(
        &flagged.agg(vec![
            f::count(lit(1)).expression().clone(),
            f::count(col(PROBLEM)).expression().clone(),
        ]),
        "counting the records",
    )?;
    let (records, rejected) = (
        int_at(&counts, 0).unwrap_or(0) as usize,
        int_at(&counts, 1).unwrap_or(0) as usize,
    );
    let rejects = rejects_path(output);
    for (df, path, rows) in [
        (&good, output, records - rejected),
        (&bad, rejects.as_str(), rejected),
    ] {
        df.write()
            .mode("overwrite")
            .parquet(path)
            .map_err(spark_err(&format!("writing {path}")))?;
        check_written(&spark.read().parquet(path), path, rows)?;
    }
    Ok(SparkScoreReport {
        scored: records - rejected,
        rejected,
        output: output.to_string(),
        rejects,
    })
}
