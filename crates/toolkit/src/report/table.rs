//! A small owned table for display: HTML in Jupyter (through evcxr's `evcxr_display` protocol)
//! and aligned text in a terminal. Frames are converted inside the library, so notebook cells
//! only hold owned values (see TOOLCHAIN.md, pitfall 1: polars statics are per cell in evcxr).

use polars::prelude::*;
use std::fmt;

/// Rows of already formatted cells under named columns.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub caption: Option<String>,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Format a number for display: integers without decimals, others with up to 4 decimals.
pub fn fmt_num(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return format!("{x:.0}");
    }
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0');
    s.trim_end_matches('.').to_string()
}

fn fmt_value(v: &AnyValue) -> String {
    match v {
        AnyValue::Null => String::new(),
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Float64(x) => fmt_num(*x),
        AnyValue::Float32(x) => fmt_num(*x as f64),
        AnyValue::Boolean(b) => b.to_string(),
        other => other.to_string(),
    }
}

impl Table {
    pub fn new(columns: Vec<String>, rows: Vec<Vec<String>>) -> Self {
        Self {
            caption: None,
            columns,
            rows,
        }
    }

    /// The same table with a caption.
    pub fn with_caption(mut self, caption: impl Into<String>) -> Self {
        self.caption = Some(caption.into());
        self
    }

    /// Format every cell of a frame (meant for small frames: heads, summaries, aggregates).
    pub fn from_df(df: &DataFrame) -> Self {
        let columns: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        let rows = (0..df.height())
            .map(|i| {
                df.columns()
                    .iter()
                    .map(|c| c.get(i).map(|v| fmt_value(&v)).unwrap_or_default())
                    .collect()
            })
            .collect();
        Self::new(columns, rows)
    }

    /// Files written to `dir`, summarised: one row per group of charts (the name before the
    /// first `_`), with how many charts, in which formats, and the first and last names. The
    /// caption names the folder by its last two components, never a machine path.
    pub fn files(paths: &[std::path::PathBuf], dir: &std::path::Path) -> Self {
        use std::collections::BTreeMap;
        let mut groups: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
        for p in paths {
            let stem = p
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let ext = p
                .extension()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let prefix = stem.split('_').next().unwrap_or_default().to_string();
            let g = groups.entry(prefix).or_default();
            if !g.0.contains(&stem) {
                g.0.push(stem);
            }
            if !g.1.contains(&ext) {
                g.1.push(ext);
            }
        }
        let rows = groups
            .into_iter()
            .map(|(prefix, (mut stems, mut exts))| {
                stems.sort();
                exts.sort();
                vec![
                    prefix,
                    stems.len().to_string(),
                    exts.join(", "),
                    stems.first().cloned().unwrap_or_default(),
                    stems.last().cloned().unwrap_or_default(),
                ]
            })
            .collect();
        let shown: Vec<String> = dir
            .components()
            .rev()
            .take(2)
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let shown: Vec<String> = shown.into_iter().rev().collect();
        Self::new(
            ["group", "charts", "formats", "first", "last"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            rows,
        )
        .with_caption(format!(
            "{} files written to {}/",
            paths.len(),
            shown.join("/")
        ))
    }

    /// The cell at (row, column name), if any.
    pub fn cell(&self, row: usize, column: &str) -> Option<&str> {
        let j = self.columns.iter().position(|c| c == column)?;
        self.rows.get(row)?.get(j).map(String::as_str)
    }

    /// An HTML `<table>` (escaped), numbers right-aligned.
    pub fn to_html(&self) -> String {
        let mut html = String::from("<table class=\"dataframe\">\n");
        if let Some(c) = &self.caption {
            html.push_str(&format!("<caption>{}</caption>\n", escape(c)));
        }
        html.push_str("<thead><tr>");
        for c in &self.columns {
            html.push_str(&format!("<th>{}</th>", escape(c)));
        }
        html.push_str("</tr></thead>\n<tbody>\n");
        for row in &self.rows {
            html.push_str("<tr>");
            for cell in row {
                let align = if cell.parse::<f64>().is_ok() {
                    " style=\"text-align:right\""
                } else {
                    " style=\"text-align:left\""
                };
                html.push_str(&format!("<td{align}>{}</td>", escape(cell)));
            }
            html.push_str("</tr>\n");
        }
        html.push_str("</tbody></table>");
        html
    }

    /// evcxr display protocol: the table renders as HTML when it is a cell's value.
    pub fn evcxr_display(&self) {
        println!(
            "EVCXR_BEGIN_CONTENT text/html\n{}\nEVCXR_END_CONTENT",
            self.to_html()
        );
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(c) = &self.caption {
            writeln!(f, "{c}")?;
        }
        let widths: Vec<usize> = (0..self.columns.len())
            .map(|j| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(j))
                    .chain(std::iter::once(&self.columns[j]))
                    .map(|s| s.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |f: &mut fmt::Formatter<'_>, cells: &[String]| -> fmt::Result {
            let parts: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            writeln!(f, "{}", parts.join("  ").trim_end())
        };
        line(f, &self.columns)?;
        line(
            f,
            &widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>(),
        )?;
        for r in &self.rows {
            line(f, r)?;
        }
        Ok(())
    }
}

/// Any list of displayable items shows as HTML in a notebook: a markdown-like stack of tables.
#[derive(Debug, Clone, Default)]
pub struct Tables(pub Vec<Table>);

impl Tables {
    pub fn evcxr_display(&self) {
        let html: Vec<String> = self.0.iter().map(Table::to_html).collect();
        println!(
            "EVCXR_BEGIN_CONTENT text/html\n{}\nEVCXR_END_CONTENT",
            html.join("<br/>\n")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_list_is_summarised_by_group_without_the_machine_path() {
        let dir = std::path::Path::new("/home/someone/study/reports/figures");
        let paths: Vec<std::path::PathBuf> = ["nb04_b", "nb04_a", "nb05_x"]
            .iter()
            .flat_map(|s| ["svg", "png"].map(|e| dir.join(format!("{s}.{e}"))))
            .collect();
        let t = Table::files(&paths, dir);
        assert_eq!(
            t.caption.as_deref(),
            Some("6 files written to reports/figures/")
        );
        assert_eq!(
            t.rows,
            vec![
                vec![
                    "nb04".to_string(),
                    "2".into(),
                    "png, svg".into(),
                    "nb04_a".into(),
                    "nb04_b".into()
                ],
                vec![
                    "nb05".to_string(),
                    "1".into(),
                    "png, svg".into(),
                    "nb05_x".into(),
                    "nb05_x".into()
                ],
            ]
        );
    }

    #[test]
    fn numbers_format_like_a_data_scientist_expects() {
        assert_eq!(fmt_num(58138.0), "58138");
        assert_eq!(fmt_num(-14615.5), "-14615.5");
        assert_eq!(fmt_num(0.123456), "0.1235");
        assert_eq!(fmt_num(2.0 / 3.0), "0.6667");
        assert_eq!(fmt_num(f64::NAN), "NaN");
    }

    #[test]
    fn html_escapes_cells_and_right_aligns_numbers() {
        let t = Table::new(
            vec!["a<b".into(), "n".into()],
            vec![vec!["x & y".into(), "3.5".into()]],
        )
        .with_caption("c");
        let html = t.to_html();
        assert!(html.contains("<th>a&lt;b</th>"));
        assert!(html.contains("<td style=\"text-align:left\">x &amp; y</td>"));
        assert!(html.contains("<td style=\"text-align:right\">3.5</td>"));
        assert!(html.contains("<caption>c</caption>"));
    }

    #[test]
    fn from_df_formats_every_cell_and_text_aligns_columns() {
        let df = df!("name" => ["a", "bb"], "x" => [Some(1.5), None]).unwrap();
        let t = Table::from_df(&df);
        assert_eq!(
            t.rows,
            vec![
                vec!["a".to_string(), "1.5".into()],
                vec!["bb".into(), "".into()]
            ]
        );
        assert_eq!(t.cell(1, "name"), Some("bb"));
        assert_eq!(t.to_string(), "name  x\n----  ---\na     1.5\nbb\n");
    }
}

/// A short text (a summary written from the numbers), shown as paragraphs in Jupyter.
#[derive(Debug, Clone, PartialEq)]
pub struct Note(pub Vec<String>);

impl Note {
    pub fn evcxr_display(&self) {
        let html: Vec<String> = self
            .0
            .iter()
            .map(|p| format!("<p>{}</p>", escape(p)))
            .collect();
        println!(
            "EVCXR_BEGIN_CONTENT text/html\n{}\nEVCXR_END_CONTENT",
            html.join("\n")
        );
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.join("\n\n"))
    }
}
