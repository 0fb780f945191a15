//! Atomic file writes: every layer file is written to a temporary file in the same folder and
//! renamed into place, so a failure never leaves a half-written or missing layer behind.

use crate::error::{PolarsContext, Result, StudyError};
use polars::prelude::*;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

fn io_err(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> StudyError {
    let path = path.to_path_buf();
    move |source| StudyError::Io {
        action,
        path,
        source,
    }
}

/// Write `path` atomically: `write` fills a temporary file next to it, which then replaces `path`.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> Result<()>,
) -> Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir).map_err(io_err("create directory", dir))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(io_err("create a temporary file in", dir))?;
    write(tmp.as_file_mut())?;
    tmp.as_file_mut().flush().map_err(io_err("write", path))?;
    tmp.persist(path)
        .map_err(|e| io_err("replace", path)(e.error))?;
    Ok(())
}

/// Write a frame as zstd-compressed parquet, atomically. Same frame → same bytes.
pub fn write_parquet(df: &mut DataFrame, path: &Path) -> Result<()> {
    write_atomic(path, |f| {
        ParquetWriter::new(f)
            .with_compression(ParquetCompression::Zstd(None))
            .finish(df)
            .map(|_| ())
            .ctx(|| format!("writing {}", path.display()))
    })
}

/// Write a frame as CSV with a header, atomically.
pub fn write_csv(df: &mut DataFrame, path: &Path) -> Result<()> {
    write_atomic(path, |f| {
        CsvWriter::new(f)
            .include_header(true)
            .finish(df)
            .ctx(|| format!("writing {}", path.display()))
    })
}

/// Write a value as pretty JSON (with a final newline), atomically.
pub fn write_json<T: serde::Serialize>(value: &T, path: &Path) -> Result<()> {
    write_atomic(path, |f| {
        serde_json::to_writer_pretty(&mut *f, value).map_err(|source| StudyError::Json {
            context: format!("writing {}", path.display()),
            source,
        })?;
        f.write_all(b"\n").map_err(io_err("write", path))
    })
}

/// Read JSON written by [`write_json`].
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(io_err("read", path))?;
    serde_json::from_str(&text).map_err(|source| StudyError::Json {
        context: format!("reading {}", path.display()),
        source,
    })
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
    LazyFrame::scan_parquet(pl_path(path), ScanArgsParquet::default())
        .ctx(|| format!("scanning {}", path.display()))
}

/// A polars path from a std path.
pub(crate) fn pl_path(path: &Path) -> PlRefPath {
    PlRefPath::new(path.to_string_lossy().as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("layer.csv");
        write_atomic(&path, |f| {
            f.write_all(b"old").map_err(io_err("write", Path::new("x")))
        })
        .unwrap();
        let err = write_atomic(&path, |f| {
            f.write_all(b"half-written").unwrap();
            Err(StudyError::Invalid("boom".into()))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("layer.csv")]);
    }

    #[test]
    fn sha256_matches_a_known_digest() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
