//! Customer records to score, as text: a CSV file (comma or semicolon, sniffed), CSV bytes (an
//! upload), a JSON object or list (the API), or field/value pairs (the form). Every reader keeps
//! the values as the user wrote them; the checks of [`crate::data::validation`] type them.

use crate::error::{PolarsContext, Result, StudyError};
use crate::io::pl_path;
use polars::prelude::*;
use std::path::Path;

/// Column holding each record's position: its line in a file (header = line 1), or its
/// 1-based place in a JSON list.
pub const LINE: &str = "__line";

/// How records are numbered in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numbering {
    /// Lines of a file (header = line 1).
    Line,
    /// Customers of a request (1, 2, …).
    Customer,
}

/// Records as text, with their positions.
#[derive(Debug, Clone)]
pub struct Records {
    /// Every input column as String, in input order, then [`LINE`].
    pub frame: DataFrame,
    /// The file or "request", for messages.
    pub origin: String,
    pub numbering: Numbering,
}

impl Records {
    /// The input columns, in input order.
    pub fn columns(&self) -> Vec<String> {
        self.frame
            .get_column_names()
            .into_iter()
            .filter(|c| c.as_str() != LINE)
            .map(|c| c.to_string())
            .collect()
    }

    pub fn len(&self) -> usize {
        self.frame.height()
    }

    pub fn is_empty(&self) -> bool {
        self.frame.height() == 0
    }

    /// "line 7" or "customer 2".
    pub fn record(&self, position: u64) -> String {
        match self.numbering {
            Numbering::Line => format!("line {position}"),
            Numbering::Customer => format!("customer {position}"),
        }
    }

    /// Read a CSV file: separator sniffed from the header line, every value kept as text.
    pub fn read_csv(path: &Path) -> Result<Self> {
        let origin = path.display().to_string();
        let frame = Self::scan_csv(path)?
            .collect()
            .ctx(|| format!("reading {origin}"))?;
        Self::from_frame(frame, origin, Numbering::Line)
    }

    /// A CSV file as a lazy frame of the columns [`Records::read_csv`] reads: every input
    /// column as String (no type is inferred), [`LINE`] as u32 first.
    pub fn scan_csv(path: &Path) -> Result<LazyFrame> {
        let header = first_line(path)?;
        if header.trim().is_empty() {
            return Err(StudyError::EmptyInput {
                path: path.to_path_buf(),
            });
        }
        Ok(LazyCsvReader::new(pl_path(path))
            .with_has_header(true)
            .with_separator(sniff(&header))
            .with_infer_schema_length(Some(0))
            .with_row_index(Some(RowIndex {
                name: LINE.into(),
                offset: 2,
            }))
            .finish()
            .ctx(|| format!("reading {}", path.display()))?)
    }

    /// Read CSV bytes (an upload): as [`Records::read_csv`].
    pub fn from_csv_bytes(bytes: &[u8], origin: &str) -> Result<Self> {
        let header =
            String::from_utf8_lossy(bytes.split(|b| *b == b'\n').next().unwrap_or(b"")).to_string();
        if header.trim().is_empty() {
            return Err(StudyError::Invalid(format!(
                "{origin}: the file is empty (expected a header line and data rows)"
            )));
        }
        let frame = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .with_row_index(Some(RowIndex {
                name: LINE.into(),
                offset: 2,
            }))
            .with_parse_options(CsvParseOptions::default().with_separator(sniff(&header)))
            .into_reader_with_file_handle(std::io::Cursor::new(bytes))
            .finish()
            .ctx(|| format!("reading {origin}"))?;
        Self::from_frame(frame, origin.to_string(), Numbering::Line)
    }

    /// Records from JSON: one object (one customer) or a list of objects. Numbers, strings and
    /// nulls are accepted as values; anything else is an error naming the field.
    pub fn from_json(value: &serde_json::Value, origin: &str) -> Result<Self> {
        let items: Vec<&serde_json::Map<String, serde_json::Value>> = match value {
            serde_json::Value::Object(o) => vec![o],
            serde_json::Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    v.as_object().ok_or_else(|| {
                        StudyError::Invalid(format!(
                            "{origin}, customer {}: expected an object of field: value",
                            i + 1
                        ))
                    })
                })
                .collect::<Result<_>>()?,
            _ => {
                return Err(StudyError::Invalid(format!(
                    "{origin}: expected one customer (an object) or a list of customers"
                )))
            }
        };
        // Columns in first-seen order.
        let mut names: Vec<&str> = Vec::new();
        for o in &items {
            for k in o.keys() {
                if !names.contains(&k.as_str()) {
                    names.push(k);
                }
            }
        }
        let mut columns = Vec::with_capacity(names.len() + 1);
        for name in &names {
            let mut values: Vec<Option<String>> = Vec::with_capacity(items.len());
            for (i, o) in items.iter().enumerate() {
                values.push(match o.get(*name) {
                    None | Some(serde_json::Value::Null) => None,
                    Some(serde_json::Value::String(s)) => Some(s.clone()),
                    Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                    Some(serde_json::Value::Bool(b)) => Some(u8::from(*b).to_string()),
                    Some(other) => {
                        return Err(StudyError::InvalidRecord {
                            origin: origin.to_string(),
                            record: format!("customer {}", i + 1),
                            column: name.to_string(),
                            value: other.to_string(),
                            problem: "not a valid value".into(),
                            expected: "a number or a string".into(),
                        })
                    }
                });
            }
            columns.push(Column::new((*name).into(), values));
        }
        columns.push(Column::new(
            LINE.into(),
            (1..=items.len() as u32).collect::<Vec<u32>>(),
        ));
        let frame = DataFrame::new(items.len(), columns).ctx(|| format!("reading {origin}"))?;
        Self::from_frame(frame, origin.to_string(), Numbering::Customer)
    }

    /// One record from field/value pairs (a submitted form); empty values are missing.
    pub fn from_pairs(pairs: &[(String, String)], origin: &str) -> Result<Self> {
        let object: serde_json::Map<String, serde_json::Value> = pairs
            .iter()
            .map(|(k, v)| {
                let v = v.trim();
                (
                    k.clone(),
                    if v.is_empty() {
                        serde_json::Value::Null
                    } else {
                        serde_json::Value::String(v.to_string())
                    },
                )
            })
            .collect();
        Self::from_json(&serde_json::Value::Object(object), origin)
    }

    fn from_frame(frame: DataFrame, origin: String, numbering: Numbering) -> Result<Self> {
        // Text everywhere (a header-only CSV gives String columns too), positions as u32.
        let exprs: Vec<Expr> = frame
            .get_column_names()
            .into_iter()
            .map(|c| {
                if c.as_str() == LINE {
                    col(c.clone()).cast(DataType::UInt32)
                } else {
                    col(c.clone()).cast(DataType::String)
                }
            })
            .collect();
        let frame = frame
            .lazy()
            .select(exprs)
            .collect()
            .ctx(|| format!("reading {origin}"))?;
        Ok(Self {
            frame,
            origin,
            numbering,
        })
    }
}

/// The separator of a CSV header: `;` when it has more semicolons than commas, else `,`.
pub fn sniff(header: &str) -> u8 {
    let count = |c: char| header.chars().filter(|x| *x == c).count();
    if count(';') > count(',') {
        b';'
    } else {
        b','
    }
}

fn first_line(path: &Path) -> Result<String> {
    use std::io::BufRead;
    let f = std::fs::File::open(path).map_err(|source| StudyError::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    })?;
    let mut line = String::new();
    std::io::BufReader::new(f)
        .read_line(&mut line)
        .map_err(|source| StudyError::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        })?;
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_separator_is_sniffed_from_the_header() {
        assert_eq!(sniff("ID;Year_Birth;Education"), b';');
        assert_eq!(sniff("ID,Year_Birth,Education"), b',');
        assert_eq!(sniff("Income"), b',');
    }

    #[test]
    fn csv_bytes_keep_text_and_number_lines_from_two() {
        let r = Records::from_csv_bytes(b"a;b\n1;x\n2.50;\n", "upload").unwrap();
        assert_eq!(r.columns(), ["a", "b"]);
        let a: Vec<Option<&str>> = r.frame.column("a").unwrap().str().unwrap().iter().collect();
        assert_eq!(a, [Some("1"), Some("2.50")]);
        let lines: Vec<u32> = r
            .frame
            .column(LINE)
            .unwrap()
            .u32()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(lines, [2, 3]);
    }

    #[test]
    fn json_objects_become_records_and_bad_values_name_their_field() {
        let v: serde_json::Value =
            serde_json::from_str(r#"[{"a": 1, "b": "x"}, {"a": 2.5, "b": null}]"#).unwrap();
        let r = Records::from_json(&v, "request").unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r.record(2), "customer 2");
        let bad: serde_json::Value = serde_json::from_str(r#"{"a": [1]}"#).unwrap();
        let e = Records::from_json(&bad, "request").unwrap_err().to_string();
        assert!(e.contains("customer 1") && e.contains("column a"), "{e}");
    }
}
