//! polars frames in a notebook: a `DataFrame` or `LazyFrame` that is a cell's value shows its
//! shape, each column's name and type, and its first and last rows, as a table.

use super::table::Table;
use polars::prelude::{DataFrame, LazyFrame};

/// Rows shown from each end of a frame.
pub const SHOWN: usize = 5;

/// A frame as a notebook shows it: its shape in the caption, every column as "name (type)", its
/// first and last `n` rows (all of them when there are at most 2n), a row of "…" between.
pub fn frame_table(df: &DataFrame, n: usize) -> Table {
    let height = df.height();
    let columns: Vec<String> = df
        .columns()
        .iter()
        .map(|c| format!("{} ({})", c.name(), c.dtype()))
        .collect();
    let rows: Vec<Vec<String>> = if height <= 2 * n {
        Table::from_df(df).rows
    } else {
        let mut rows = Table::from_df(&df.head(Some(n))).rows;
        rows.push(vec!["…".to_string(); df.width()]);
        rows.extend(Table::from_df(&df.tail(Some(n))).rows);
        rows
    };
    Table::new(columns, rows)
        .with_caption(format!("DataFrame: {height} rows × {} columns", df.width()))
}

/// Frames display themselves in Jupyter: evcxr calls `evcxr_display` on a cell's value, and
/// finds this method when the trait is in scope (`use campaign_study::FrameDisplay;`).
pub trait FrameDisplay {
    fn evcxr_display(&self);
}

impl FrameDisplay for DataFrame {
    fn evcxr_display(&self) {
        frame_table(self, SHOWN).evcxr_display();
    }
}

impl FrameDisplay for LazyFrame {
    /// The first rows of its result (the limit goes into the plan: not the whole result).
    fn evcxr_display(&self) {
        match self.clone().limit(2 * SHOWN as u32).collect() {
            Ok(df) => frame_table(&df, SHOWN)
                .with_caption(format!(
                    "LazyFrame: the first {} rows of its result, {} columns",
                    df.height(),
                    df.width()
                ))
                .evcxr_display(),
            Err(e) => eprintln!("the LazyFrame cannot be computed: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;

    #[test]
    fn a_long_frame_shows_its_shape_types_and_both_ends() {
        let df = df!("id" => (1..=12).collect::<Vec<i64>>(), "x" => (0..12).map(|i| i as f64 / 2.0).collect::<Vec<f64>>())
            .unwrap();
        let t = frame_table(&df, 2);
        assert_eq!(t.caption.as_deref(), Some("DataFrame: 12 rows × 2 columns"));
        assert_eq!(t.columns, ["id (i64)", "x (f64)"]);
        let ids: Vec<&str> = t.rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(ids, ["1", "2", "…", "11", "12"]);
        // a short frame shows every row
        let t = frame_table(&df.head(Some(4)), 2);
        assert_eq!(t.rows.len(), 4);
    }
}
