//! How results display: tables (HTML in Jupyter, aligned text in a terminal) and charts
//! (plotters: inline SVG in Jupyter, SVG and PNG files from the CLI).

pub mod charts;
pub mod table;

pub use charts::Chart;
pub use table::{Note, Table, Tables};
