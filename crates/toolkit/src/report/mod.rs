//! How results display: tables (HTML in Jupyter, aligned text in a terminal), charts
//! (plotters: inline SVG in Jupyter, SVG and PNG files from the CLI) and polars frames (a
//! table of their shape, types and first and last rows).

pub mod charts;
pub mod frame;
pub mod table;

pub use charts::Chart;
pub use frame::FrameDisplay;
pub use table::{Note, Table, Tables};
