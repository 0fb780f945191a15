//! Layer files: parquet, CSV and copies written atomically (through the toolkit's
//! [`write_atomic`]: a temporary file renamed into place, so a failure never leaves a
//! half-written or missing layer behind), hashes, and scans that name the missing stage.

use crate::error::{PolarsContext, Result, StudyError};
use polars::prelude::*;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

pub use toolkit::io::{read_json, write_atomic, write_json};

pub(crate) fn io_err(
    action: &'static str,
    path: &Path,
) -> impl FnOnce(std::io::Error) -> StudyError {
    let path = path.to_path_buf();
    move |source| StudyError::Io {
        action,
        path,
        source,
    }
}

/// Write a frame as zstd-compressed parquet, atomically. Same frame → same bytes.
pub fn write_parquet(df: &mut DataFrame, path: &Path) -> Result<()> {
    Ok(write_atomic(path, |f| {
        ParquetWriter::new(f)
            .with_compression(ParquetCompression::Zstd(None))
            .finish(df)
            .map(|_| ())
            .ctx(|| format!("writing {}", path.display()))
    })?)
}

/// Write a frame as CSV with a header, atomically.
pub fn write_csv(df: &mut DataFrame, path: &Path) -> Result<()> {
    Ok(write_atomic(path, |f| {
        CsvWriter::new(f)
            .include_header(true)
            .finish(df)
            .ctx(|| format!("writing {}", path.display()))
    })?)
}

/// Copy a file byte for byte, atomically; returns the SHA-256 of its content (hex).
pub fn copy_atomic(from: &Path, to: &Path) -> Result<String> {
    let bytes = std::fs::read(from).map_err(io_err("read", from))?;
    write_atomic(to, |f| f.write_all(&bytes).map_err(io_err("write", to)))?;
    Ok(sha256_hex(&bytes))
}

/// SHA-256 of bytes, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Lazily scan a layer's parquet file, with a clear error when the layer was not built yet.
pub fn scan_layer(path: &Path, stage: &'static str) -> Result<LazyFrame> {
    if !path.exists() {
        return Err(StudyError::MissingLayer {
            path: path.to_path_buf(),
            stage,
        });
    }
    Ok(
        LazyFrame::scan_parquet(pl_path(path), ScanArgsParquet::default())
            .ctx(|| format!("scanning {}", path.display()))?,
    )
}

/// A polars path from a std path.
pub(crate) fn pl_path(path: &Path) -> PlRefPath {
    PlRefPath::new(path.to_string_lossy().as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_a_known_digest() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
