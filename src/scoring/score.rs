//! The scoring core every deployment path calls (notebook 10, `campaign-study score`, the web
//! app): records are checked against the model's input schema, typed, turned into silver
//! features by the processing stage's own rules ([`crate::data::rules`]) and the targeting
//! stage's engineered features ([`crate::data::features`]), scored and calibrated; then ranked
//! and decided.

use super::artifact::{logit, Calibrator, ModelArtifact};
use super::records::{Numbering, Records, LINE};
use crate::data::features::{engineered_exprs, feature_names};
use crate::data::rules::derive;
use crate::data::validation::{checks, typed, with_problems, with_values, Check, PROBLEM, VALUE};
use crate::error::{PolarsContext, Result, StudyError};
use crate::io::io_err;
use crate::ml::models::FittedModel;
use crate::ml::preprocessing::{Column as Feature, Columns};
use polars::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Columns scoring appends to the input's.
pub const OUTPUT_COLUMNS: [&str; 4] = ["probability", "expected_value", "decision", "rank"];
/// Columns a rejects file appends to the input's.
pub const REJECT_COLUMNS: [&str; 4] = ["line", "column", "value", "reason"];

pub const CONTACT: &str = "contact";
pub const NO_CONTACT: &str = "do not contact";

/// Whom to contact among the scored records.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Selection {
    /// The model's decision rule (break-even probability).
    Rule,
    /// Everyone with a probability of at least this.
    Threshold(f64),
    /// The `n` most likely responders (a contact budget), whatever their probability.
    Top(usize),
}

/// What to do with a record that cannot be scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnInvalid {
    /// Stop with an error naming the record, column and value.
    Stop,
    /// Set it aside with its reason and score the rest.
    Skip,
}

/// Scored records (input columns + [`OUTPUT_COLUMNS`], input order) and the records set aside
/// (input columns + [`REJECT_COLUMNS`]).
#[derive(Debug, Clone)]
pub struct Scored {
    pub scored: DataFrame,
    pub rejects: DataFrame,
}

/// The model's checks of its inputs.
fn model_checks(model: &ModelArtifact) -> Vec<Check> {
    checks(&model.inputs.iter().map(|c| c.rule()).collect::<Vec<_>>())
}

/// Error if a record lacks a column the model needs.
fn require_columns(model: &ModelArtifact, records: &Records) -> Result<()> {
    let have = records.columns();
    let missing: Vec<String> = model
        .inputs
        .iter()
        .filter(|c| !have.contains(&c.name))
        .map(|c| c.name.clone())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(StudyError::MissingFields {
            origin: records.origin.clone(),
            columns: missing,
        })
    }
}

/// The pipeline's features of valid text records (typed → silver rules → engineered).
pub fn features_of(model: &ModelArtifact, text: LazyFrame) -> Result<Columns> {
    let typed_inputs: Vec<Expr> = model
        .inputs
        .iter()
        .map(|c| typed(&c.name, c.kind))
        .collect();
    let df = derive(text.select(typed_inputs), &model.reference)
        .with_columns(engineered_exprs())
        .collect()
        .ctx(|| "computing the model's features".to_string())?;
    let names = feature_names();
    let text_columns: Vec<&str> = model
        .inputs
        .iter()
        .filter(|c| !c.categories.is_empty())
        .map(|c| c.name.as_str())
        .collect();
    Ok(Columns::from_frame(&df, &names, &text_columns)?)
}

/// Rows scored at a time: the features and encoded matrices of a chunk are the stage's largest
/// allocations, so memory stays bounded by the chunk, not the file (results are row-wise and
/// identical at any chunk size).
pub const CHUNK_ROWS: usize = 65_536;

/// Calibrated probabilities of valid text records (checked by the model's rules), `chunk_rows`
/// at a time.
pub fn probabilities_in_chunks(
    model: &ModelArtifact,
    good: &DataFrame,
    chunk_rows: usize,
) -> Result<Vec<f64>> {
    let mut p = Vec::with_capacity(good.height());
    for offset in (0..good.height()).step_by(chunk_rows.max(1)) {
        let x = features_of(model, good.slice(offset as i64, chunk_rows).lazy())?;
        p.extend(model.probabilities(&x)?);
    }
    Ok(p)
}

/// Score `records`: check them, compute the features, calibrated probabilities, expected
/// values, ranks and decisions.
pub fn score(
    model: &ModelArtifact,
    records: &Records,
    selection: Selection,
    on_invalid: OnInvalid,
) -> Result<Scored> {
    let Checked { checks, good, bad } = check(model, records)?;
    if on_invalid == OnInvalid::Stop && bad.height() > 0 {
        return Err(first_error(records, &bad, &checks));
    }
    let p = probabilities_in_chunks(model, &good, CHUNK_ROWS)?;
    let scored = outputs(model, good, &p, &ranks(&p), selection)?;
    Ok(Scored {
        scored,
        rejects: rejects(bad, &checks)?,
    })
}

/// Records split by the model's checks.
struct Checked {
    checks: Vec<Check>,
    /// The valid records (input columns and [`LINE`]).
    good: DataFrame,
    /// The others, with their first problem ([`PROBLEM`]) and its value ([`VALUE`]).
    bad: DataFrame,
}

/// Check `records` against the model's inputs: every column present, then each record's first
/// problem, in one pass.
fn check(model: &ModelArtifact, records: &Records) -> Result<Checked> {
    require_columns(model, records)?;
    let checks = model_checks(model);
    let checked = with_problems(records.frame.clone().lazy(), &checks)
        .collect()
        .ctx(|| format!("checking {}", records.origin))?;
    let bad = bad_rows(&checked, &checks, records)?;
    let good = if bad.height() == 0 {
        checked
            .drop(PROBLEM)
            .ctx(|| format!("checking {}", records.origin))?
    } else {
        checked
            .lazy()
            .filter(col(PROBLEM).is_null())
            .drop(by_name([PROBLEM], true, false))
            .collect()
            .ctx(|| format!("checking {}", records.origin))?
    };
    Ok(Checked { checks, good, bad })
}

/// The rows of `checked` with a problem, with the offending values (none: an empty frame,
/// without planning the value query).
fn bad_rows(checked: &DataFrame, checks: &[Check], records: &Records) -> Result<DataFrame> {
    let any = checked
        .column(PROBLEM)
        .map(|c| c.null_count() < c.len())
        .unwrap_or(false);
    let bad = checked.clone().lazy().filter(col(PROBLEM).is_not_null());
    let bad = if any {
        with_values(bad, checks)
    } else {
        bad.with_column(lit(NULL).cast(DataType::String).alias(VALUE))
    };
    Ok(bad
        .collect()
        .ctx(|| format!("checking {}", records.origin))?)
}

fn first_error(records: &Records, bad: &DataFrame, checks: &[Check]) -> StudyError {
    let line = bad
        .column(LINE)
        .ok()
        .and_then(|c| c.u32().ok()?.get(0))
        .unwrap_or(0);
    let i = bad
        .column(PROBLEM)
        .ok()
        .and_then(|c| c.u32().ok()?.get(0))
        .unwrap_or(0) as usize;
    let value = bad
        .column(VALUE)
        .ok()
        .and_then(|c| c.str().ok()?.get(0).map(str::to_string))
        .unwrap_or_default();
    let check = &checks[i.min(checks.len() - 1)];
    StudyError::InvalidRecord {
        origin: records.origin.clone(),
        record: records.record(line as u64),
        column: check.column.clone(),
        value,
        problem: check.problem.to_string(),
        expected: check.expected.clone(),
    }
}

/// Ranks (1 = most likely; ties keep input order) of `p`.
fn ranks(p: &[f64]) -> Vec<u32> {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|a, b| p[*b].total_cmp(&p[*a]));
    let mut rank = vec![0u32; p.len()];
    for (r, i) in order.into_iter().enumerate() {
        rank[i] = r as u32 + 1;
    }
    rank
}

/// Whether to contact the record of probability `p` and rank `rank`.
fn contact(model: &ModelArtifact, selection: Selection, p: f64, rank: u32) -> bool {
    match selection {
        Selection::Rule => p >= model.decision.threshold,
        Selection::Threshold(t) => p >= t,
        Selection::Top(n) => (rank as usize) <= n,
    }
}

/// The valid records `good` with their outputs appended (`p` and `rank` in their order).
fn outputs(
    model: &ModelArtifact,
    good: DataFrame,
    p: &[f64],
    rank: &[u32],
    selection: Selection,
) -> Result<DataFrame> {
    let mut df = good.drop(LINE).ctx(|| "scoring".to_string())?;
    let ev: Vec<f64> = p
        .iter()
        .map(|v| model.decision.expected_value(*v))
        .collect();
    let decision: Vec<&str> = p
        .iter()
        .zip(rank)
        .map(|(p, r)| {
            if contact(model, selection, *p, *r) {
                CONTACT
            } else {
                NO_CONTACT
            }
        })
        .collect();
    for c in [
        Column::new("probability".into(), p),
        Column::new("expected_value".into(), ev),
        Column::new("decision".into(), decision),
        Column::new("rank".into(), rank.to_vec()),
    ] {
        df.with_column(c).ctx(|| "scoring".to_string())?;
    }
    Ok(df)
}

fn rejects(bad: DataFrame, checks: &[Check]) -> Result<DataFrame> {
    let index: Vec<usize> = bad
        .column(PROBLEM)
        .and_then(|c| c.u32().cloned())
        .ctx(|| "listing the rejected records".to_string())?
        .iter()
        .map(|i| i.unwrap_or(0) as usize)
        .collect();
    let column: Vec<&str> = index.iter().map(|i| checks[*i].column.as_str()).collect();
    let reason: Vec<String> = index
        .iter()
        .map(|i| format!("{} (expected {})", checks[*i].problem, checks[*i].expected))
        .collect();
    let mut df = bad
        .lazy()
        .rename([LINE, VALUE], ["line", "value"], true)
        .drop(by_name([PROBLEM], true, false))
        .collect()
        .ctx(|| "listing the rejected records".to_string())?;
    let line = df
        .drop_in_place("line")
        .ctx(|| "listing the rejected records".to_string())?;
    let value = df
        .drop_in_place("value")
        .ctx(|| "listing the rejected records".to_string())?;
    for c in [
        line,
        Column::new("column".into(), column),
        value,
        Column::new("reason".into(), reason),
    ] {
        df.with_column(c)
            .ctx(|| "listing the rejected records".to_string())?;
    }
    Ok(df)
}

/// What `score_file` did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreReport {
    pub records: usize,
    pub scored: usize,
    pub rejected: usize,
    pub contacted: usize,
    /// Sum of the contacted customers' expected values (MU).
    pub expected_profit: f64,
    pub output: PathBuf,
    pub rejects: Option<PathBuf>,
}

impl std::fmt::Display for ScoreReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "scored {} of {} records → {}; contact {} (expected profit {:.0} MU)",
            self.scored,
            self.records,
            self.output.display(),
            self.contacted,
            self.expected_profit
        )?;
        if let Some(r) = &self.rejects {
            write!(f, "; {} rejected → {}", self.rejected, r.display())?;
        }
        Ok(())
    }
}

/// The rejects file beside `output`: `scored.csv` → `scored.rejects.csv`.
pub fn rejects_path(output: &Path) -> PathBuf {
    let stem = output
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scored".into());
    output.with_file_name(format!("{stem}.rejects.csv"))
}

/// Score a CSV file into `output` (and, skipping invalid records, their rejects beside it):
/// what `campaign-study score` runs. Files are written whole or not at all.
///
/// Memory is bounded by a chunk of [`CHUNK_ROWS`] records, not by the file: the file is first
/// staged as text in a temporary parquet file (polars' streaming sink; row groups of a chunk),
/// then read a chunk at a time twice: once to check and score (the probabilities of every valid
/// record are kept: 8 bytes a record, for the ranks; and the lines set aside), once to write the
/// valid records with their outputs. The files are identical at any chunk size (tested).
pub fn score_file(
    model: &ModelArtifact,
    input: &Path,
    output: &Path,
    selection: Selection,
    on_invalid: OnInvalid,
) -> Result<ScoreReport> {
    score_file_in_chunks(model, input, output, selection, on_invalid, CHUNK_ROWS)
}

/// [`score_file`], `chunk_rows` records at a time.
pub fn score_file_in_chunks(
    model: &ModelArtifact,
    input: &Path,
    output: &Path,
    selection: Selection,
    on_invalid: OnInvalid,
    chunk_rows: usize,
) -> Result<ScoreReport> {
    let chunk_rows = chunk_rows.max(1);
    let staged = StagedRecords::stage(input, output, chunk_rows)?;
    require_columns(model, &staged.chunk(0, 0)?)?;
    let offsets = staged.offsets(chunk_rows);
    // Pass 1: check every record, score the valid ones, set the others aside.
    let mut p = Vec::new();
    // the lines set aside, in order (pass 2 keeps the others without checking them again)
    let mut rejected_lines: Vec<u32> = Vec::new();
    let mut rejects_file = match on_invalid {
        OnInvalid::Skip => Some(CsvFile::new(&rejects_path(output))?),
        OnInvalid::Stop => None,
    };
    for &offset in &offsets {
        let records = staged.chunk(offset, chunk_rows)?;
        let Checked { checks, good, bad } = check(model, &records)?;
        match rejects_file.as_mut() {
            None if bad.height() > 0 => return Err(first_error(&records, &bad, &checks)),
            None => {}
            // Empty batches too: the header is written even when nothing is rejected.
            Some(file) => {
                let lines = bad.column(LINE).and_then(|c| c.u32().cloned());
                rejected_lines.extend(
                    lines
                        .ctx(|| "listing the rejected records".to_string())?
                        .into_no_null_iter(),
                );
                file.append(rejects(bad, &checks)?)?;
            }
        }
        p.extend(probabilities_in_chunks(model, &good, chunk_rows)?);
    }
    // The ranks are global: computed between the passes, from every probability.
    let rank = ranks(&p);
    let mut contacted = 0;
    let mut expected_profit = 0.0;
    for (p, r) in p.iter().zip(&rank) {
        if contact(model, selection, *p, *r) {
            contacted += 1;
            expected_profit += model.decision.expected_value(*p);
        }
    }
    // Pass 2: the valid records with their outputs, in input order.
    let mut scored_file = CsvFile::new(output)?;
    let mut done = 0;
    for &offset in &offsets {
        let records = staged.chunk(offset, chunk_rows)?.frame;
        let keep: BooleanChunked = records
            .column(LINE)
            .and_then(|c| c.u32().cloned())
            .ctx(|| "scoring".to_string())?
            .into_no_null_iter()
            .map(|line| rejected_lines.binary_search(&line).is_err())
            .collect();
        let good = records.filter(&keep).ctx(|| "scoring".to_string())?;
        let k = good.height();
        let range = done..done + k;
        scored_file.append(outputs(
            model,
            good,
            &p[range.clone()],
            &rank[range],
            selection,
        )?)?;
        done += k;
    }
    let rejects_written = rejects_file.map(|f| f.persist()).transpose()?;
    scored_file.persist()?;
    Ok(ScoreReport {
        records: staged.rows,
        scored: p.len(),
        rejected: rejected_lines.len(),
        contacted,
        expected_profit,
        output: output.to_path_buf(),
        rejects: rejects_written,
    })
}

/// A CSV file's records as text in a temporary parquet file beside the output, read back a
/// chunk at a time. polars 0.55 has no batched CSV reader in its public API and a sliced CSV
/// scan re-reads the file from its start; a parquet slice reads only its row groups.
struct StagedRecords {
    file: tempfile::NamedTempFile,
    origin: String,
    rows: usize,
}

impl StagedRecords {
    fn stage(input: &Path, output: &Path, chunk_rows: usize) -> Result<Self> {
        let origin = input.display().to_string();
        let file = toolkit::io::temp_beside(output, ".parquet")?;
        let options = ParquetWriteOptions {
            compression: ParquetCompression::Snappy,
            row_group_size: Some(chunk_rows),
            ..Default::default()
        };
        crate::io::stream_to_parquet(Records::scan_csv(input)?, file.path(), options)
            .ctx(|| format!("reading {origin}"))?;
        let rows = crate::io::parquet_shape(file.path())?.0;
        Ok(Self { file, origin, rows })
    }

    /// Chunk offsets: at least one (an empty file has one empty chunk: its header is written).
    fn offsets(&self, chunk_rows: usize) -> Vec<usize> {
        (0..self.rows.max(1)).step_by(chunk_rows).collect()
    }

    fn chunk(&self, offset: usize, len: usize) -> Result<Records> {
        let frame = LazyFrame::scan_parquet(
            crate::io::pl_path(self.file.path()),
            ScanArgsParquet::default(),
        )
        .and_then(|lf| lf.slice(offset as i64, len as IdxSize).collect())
        .ctx(|| format!("reading {}", self.origin))?;
        Ok(Records {
            frame,
            origin: self.origin.clone(),
            numbering: Numbering::Line,
        })
    }
}

/// A CSV file written in batches into a temporary file, in place only when whole.
struct CsvFile {
    path: PathBuf,
    tmp: tempfile::NamedTempFile,
    writer: Option<polars::io::csv::write::BatchedWriter<std::fs::File>>,
}

impl CsvFile {
    fn new(path: &Path) -> Result<Self> {
        Ok(Self {
            path: path.to_path_buf(),
            tmp: toolkit::io::temp_beside(path, ".csv")?,
            writer: None,
        })
    }

    /// Append `df`'s rows (the first batch writes the header).
    fn append(&mut self, mut df: DataFrame) -> Result<()> {
        df.align_chunks();
        let path = &self.path;
        if self.writer.is_none() {
            let f = self.tmp.reopen().map_err(io_err("write", path))?;
            self.writer = Some(
                CsvWriter::new(f)
                    .include_header(true)
                    .batched(df.schema())
                    .ctx(|| format!("writing {}", path.display()))?,
            );
        }
        if let Some(w) = self.writer.as_mut() {
            w.write_batch(&df)
                .ctx(|| format!("writing {}", path.display()))?;
        }
        Ok(())
    }

    fn persist(mut self) -> Result<PathBuf> {
        let path = self.path.clone();
        if let Some(w) = self.writer.as_mut() {
            w.finish().ctx(|| format!("writing {}", path.display()))?;
        }
        drop(self.writer.take());
        self.tmp
            .persist(&path)
            .map_err(|e| io_err("replace", &path)(e.error))?;
        Ok(path)
    }
}

/// One feature's part in a decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// The encoded feature (`Income`, `Education_PhD`, …).
    pub feature: String,
    /// The customer's value of the feature's input column, as text.
    pub value: String,
    /// Its contribution to the calibrated log-odds, against a customer at the training means.
    pub log_odds: f64,
}

/// A decision feature by feature: `log_odds = baseline + Σ contributions` (exactly, for a
/// logistic model with Platt or no calibration).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    pub probability: f64,
    pub expected_value: f64,
    pub contact: bool,
    /// Log-odds of a customer at the training means of every encoded feature.
    pub baseline: f64,
    pub log_odds: f64,
    /// Largest first (by size).
    pub contributions: Vec<Contribution>,
}

/// Explain the first row of `x` (the pipeline's features): each encoded feature's
/// contribution to the log-odds. Only a logistic model decomposes so; others are an error.
pub fn explain(model: &ModelArtifact, x: &Columns) -> Result<Explanation> {
    let FittedModel::LogisticRegression(lr) = &model.pipeline.model else {
        return Err(StudyError::Invalid(format!(
            "explanations need a logistic model; this one is {}",
            model.pipeline.spec.model.name()
        )));
    };
    let z = model.pipeline.features(&x.take(&[0]))?;
    // Platt is linear on the log-odds: it scales every contribution by a and shifts by b.
    let (a, b) = match &model.calibration {
        Calibrator::Platt(p) => (p.a, p.b),
        _ => (1.0, 0.0),
    };
    let names = model.pipeline.feature_names();
    let mut contributions: Vec<Contribution> = names
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let feature = name.split_once("__").map_or(name.as_str(), |s| s.1);
            Contribution {
                feature: feature.to_string(),
                value: value_of(x, feature),
                log_odds: a * lr.coef[j] * (z[[0, j]] - model.feature_means[j]),
            }
        })
        .collect();
    let baseline = a
        * (lr.intercept
            + lr.coef
                .iter()
                .zip(&model.feature_means)
                .map(|(c, m)| c * m)
                .sum::<f64>())
        + b;
    let log_odds = baseline + contributions.iter().map(|c| c.log_odds).sum::<f64>();
    contributions.sort_by(|p, q| q.log_odds.abs().total_cmp(&p.log_odds.abs()));
    let probability = model.probabilities(&x.take(&[0]))?[0];
    Ok(Explanation {
        probability,
        expected_value: model.decision.expected_value(probability),
        contact: probability >= model.decision.threshold,
        baseline,
        log_odds: match model.calibration {
            Calibrator::Isotonic(_) => log_odds,
            _ => logit(probability),
        },
        contributions,
    })
}

/// Explain every record, strictly: the first record that cannot be scored is an error naming
/// it, its column and its value.
pub fn explain_records(model: &ModelArtifact, records: &Records) -> Result<Vec<Explanation>> {
    let Checked { checks, good, bad } = check(model, records)?;
    if bad.height() > 0 {
        return Err(first_error(records, &bad, &checks));
    }
    let x = features_of(model, good.lazy())?;
    (0..x.rows())
        .map(|i| explain(model, &x.take(&[i])))
        .collect()
}

/// The first row's value of the input column behind an encoded feature (`Education_PhD` →
/// Education's value).
fn value_of(x: &Columns, feature: &str) -> String {
    let column =
        x.0.iter()
            .filter(|(name, _)| feature == name || feature.starts_with(&format!("{name}_")))
            .max_by_key(|(name, _)| name.len());
    match column {
        Some((_, Feature::Numeric(v))) => v
            .first()
            .map_or(String::new(), |v| format!("{}", (v * 1e4).round() / 1e4)),
        Some((_, Feature::Categorical(v))) => v
            .levels
            .get(v.codes.first().map_or(usize::MAX, |c| *c as usize))
            .cloned()
            .unwrap_or_default(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_put_the_most_likely_first_and_keep_input_order_on_ties() {
        assert_eq!(ranks(&[0.2, 0.9, 0.2, 0.5]), [3, 1, 4, 2]);
    }

    #[test]
    fn the_rejects_file_sits_beside_the_output() {
        assert_eq!(
            rejects_path(Path::new("/tmp/out/scored.csv")),
            PathBuf::from("/tmp/out/scored.rejects.csv")
        );
    }
}
