//! Synthetic customer files in the case file's raw schema, for measuring the study at scale.
//!
//! The generator resamples real customers and jitters them: each synthetic row copies a row of
//! the case file drawn uniformly (with replacement), then
//!
//! - spends (`Mnt*`) are multiplied by a log-normal factor (σ 0.15) and rounded;
//! - purchase counts and web visits move by −1, 0 or +1 (probability 0.2 each way), never
//!   below 0; recency moves by up to ±5 days within 0-99;
//! - income is multiplied by a factor 1 ± 5 % (uniform) and rounded; a missing income stays
//!   missing;
//! - the enrolment date moves by up to ±10 days, within the case file's first and last dates;
//! - birth year, education, marital status, household, complaints, the earlier campaigns and
//!   the response are copied as they are.
//!
//! So the marginals and the response rate follow the case file's (tested within stated
//! tolerances), and the file keeps what gives every stage work: missing incomes, the birth-year
//! and income outliers, the rare categories ('Absurd', 'YOLO', 'Basic') and the copies. Rows are
//! written as they are generated (a buffered stream): memory does not grow with the row count.
//! Deterministic in its seed.

use crate::data::schema::RAW_COLUMNS;
use crate::error::{Result, StudyError};
use crate::scoring::records::Records;
use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::io::Write;
use std::path::Path;

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthReport {
    pub rows: usize,
    pub bytes: u64,
}

impl std::fmt::Display for SynthReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "wrote {} synthetic customers ({:.1} MB)",
            self.rows,
            self.bytes as f64 / 1e6
        )
    }
}

struct Rng(Xoshiro256PlusPlus);

impl Rng {
    fn uniform(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.0.next_u64() % n as u64) as usize
    }
    /// A standard normal draw (Box-Muller).
    fn normal(&mut self) -> f64 {
        let u = self.uniform().max(f64::MIN_POSITIVE);
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
    /// −1, 0 or +1 with probabilities 0.2, 0.6, 0.2.
    fn step(&mut self) -> i64 {
        let u = self.uniform();
        if u < 0.2 {
            -1
        } else if u < 0.8 {
            0
        } else {
            1
        }
    }
}

/// How a column is jittered.
#[derive(Clone, Copy)]
enum Jitter {
    Copy,
    Key,
    Spend,
    Count,
    Recency,
    Income,
    Date,
}

fn jitter_of(name: &str) -> Jitter {
    match name {
        "ID" => Jitter::Key,
        "Income" => Jitter::Income,
        "Dt_Customer" => Jitter::Date,
        "Recency" => Jitter::Recency,
        n if n.starts_with("Mnt") => Jitter::Spend,
        n if n.starts_with("Num") => Jitter::Count,
        _ => Jitter::Copy,
    }
}

/// Days since 1970-01-01 → ISO date.
fn iso_date(days: i64) -> String {
    // Howard Hinnant's civil_from_days
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Write `rows` synthetic customers resampled from the case file `source` to `output`
/// (comma-separated, the raw schema's columns in order), deterministically in `seed`.
pub fn synthesize(source: &Path, rows: usize, seed: u64, output: &Path) -> Result<SynthReport> {
    let case = Records::read_csv(source)?;
    let names: Vec<&str> = RAW_COLUMNS.iter().map(|c| c.name).collect();
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !case.columns().iter().any(|c| c == n))
        .collect();
    if !missing.is_empty() {
        return Err(StudyError::MissingColumns {
            path: source.to_path_buf(),
            columns: missing.iter().map(|s| s.to_string()).collect(),
        });
    }
    let table: Vec<Vec<Option<String>>> = names
        .iter()
        .map(|n| -> Result<Vec<Option<String>>> {
            let c = case
                .frame
                .column(n)
                .and_then(|c| c.str().cloned())
                .map_err(|e| {
                    StudyError::Invalid(format!("{}: column {n}: {e}", source.display()))
                })?;
            Ok(c.iter().map(|v| v.map(str::to_string)).collect())
        })
        .collect::<Result<_>>()?;
    let n = case.frame.height();
    if n == 0 {
        return Err(StudyError::NoRows {
            path: source.to_path_buf(),
        });
    }
    let dates: Vec<Option<i32>> = table
        [names.iter().position(|c| *c == "Dt_Customer").unwrap_or(0)]
    .iter()
    .map(|d| d.as_deref().and_then(crate::data::validation::iso_days))
    .collect();
    let (first, last) = dates
        .iter()
        .flatten()
        .fold((i32::MAX, i32::MIN), |(a, b), d| (a.min(*d), b.max(*d)));
    let jitters: Vec<Jitter> = names.iter().map(|n| jitter_of(n)).collect();
    let mut rng = Rng(Xoshiro256PlusPlus::seed_from_u64(seed));
    crate::io::write_atomic(output, |f| -> Result<()> {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
        let io = |source: std::io::Error| StudyError::Io {
            action: "write",
            path: output.to_path_buf(),
            source,
        };
        writeln!(w, "{}", names.join(",")).map_err(io)?;
        let mut line = String::with_capacity(256);
        for id in 0..rows {
            let r = rng.below(n);
            line.clear();
            for (j, jitter) in jitters.iter().enumerate() {
                if j > 0 {
                    line.push(',');
                }
                let value = table[j][r].as_deref();
                match (jitter, value) {
                    (_, None) => {}
                    (Jitter::Key, _) => line.push_str(&(id + 1).to_string()),
                    (Jitter::Copy, Some(v)) => line.push_str(v),
                    (Jitter::Spend, Some(v)) => {
                        let x = v.parse::<f64>().unwrap_or(0.0) * (0.15 * rng.normal()).exp();
                        line.push_str(&(x.round().max(0.0) as i64).to_string());
                    }
                    (Jitter::Count, Some(v)) => {
                        let x = v.parse::<i64>().unwrap_or(0) + rng.step();
                        line.push_str(&x.max(0).to_string());
                    }
                    (Jitter::Recency, Some(v)) => {
                        let x = v.parse::<i64>().unwrap_or(0) + rng.below(11) as i64 - 5;
                        line.push_str(&x.clamp(0, 99).to_string());
                    }
                    (Jitter::Income, Some(v)) => {
                        let x = v.parse::<f64>().unwrap_or(0.0) * (0.95 + 0.1 * rng.uniform());
                        line.push_str(&(x.round() as i64).to_string());
                    }
                    (Jitter::Date, Some(_)) => {
                        let d = dates[r].unwrap_or(first) as i64 + rng.below(21) as i64 - 10;
                        line.push_str(&iso_date(d.clamp(first as i64, last as i64)));
                    }
                }
            }
            line.push('\n');
            w.write_all(line.as_bytes()).map_err(io)?;
        }
        w.flush().map_err(io)?;
        Ok(())
    })?;
    Ok(SynthReport {
        rows,
        bytes: std::fs::metadata(output).map(|m| m.len()).unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_round_trip_through_days() {
        for d in [
            "1970-01-01",
            "2012-07-30",
            "2014-06-29",
            "2000-02-29",
            "2013-12-31",
        ] {
            let days = crate::data::validation::iso_days(d).unwrap();
            assert_eq!(iso_date(days as i64), d);
        }
    }
}
