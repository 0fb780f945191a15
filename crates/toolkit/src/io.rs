//! Atomic file writes: a file is written to a temporary file in the same folder and renamed into
//! place, so a failure never leaves it half-written or missing. JSON in and out.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

/// An I/O error naming what was being done to which file.
pub fn io_err(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_path_buf();
    move |source| Error::Io {
        action,
        path,
        source,
    }
}

/// A temporary file in `path`'s folder (created if missing), named `.tmp-…{suffix}`, with the
/// permissions `File::create` would give `path` (0666 less the umask): tempfile's default is
/// private (0600), which a renamed layer would keep, unreadable to the user's group and tools.
pub fn temp_beside(path: &Path, suffix: &str) -> Result<tempfile::NamedTempFile> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir).map_err(io_err("create directory", dir))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".tmp-").suffix(suffix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder
        .tempfile_in(dir)
        .map_err(io_err("create a temporary file in", dir))
}

/// Write `path` atomically: `write` fills a temporary file next to it, which then replaces `path`.
/// Generic over the caller's error type, which must hold this crate's.
pub fn write_atomic<E: From<Error>>(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let mut tmp = temp_beside(path, "")?;
    write(tmp.as_file_mut())?;
    tmp.as_file_mut().flush().map_err(io_err("write", path))?;
    tmp.persist(path)
        .map_err(|e| io_err("replace", path)(e.error))?;
    Ok(())
}

/// Write a value as pretty JSON (with a final newline), atomically. Buffered: serde_json writes
/// a token at a time, and straight to the file that was a system call per token (52,000 in
/// `train`, whose saved models hold the MLPs' weights; strace).
pub fn write_json<T: serde::Serialize>(value: &T, path: &Path) -> Result<()> {
    write_atomic(path, |f| {
        let mut w = std::io::BufWriter::new(f);
        serde_json::to_writer_pretty(&mut w, value).map_err(|source| Error::Json {
            context: format!("writing {}", path.display()),
            source,
        })?;
        w.write_all(b"\n").map_err(io_err("write", path))?;
        w.flush().map_err(io_err("write", path))
    })
}

/// Read JSON written by [`write_json`].
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    if !path.exists() {
        return Err(Error::MissingFile {
            path: path.to_path_buf(),
        });
    }
    let text = std::fs::read_to_string(path).map_err(io_err("read", path))?;
    serde_json::from_str(&text).map_err(|source| Error::Json {
        context: format!("reading {}", path.display()),
        source,
    })
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
            Err(Error::Invalid("boom".into()))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("layer.csv")]);
    }

    #[cfg(unix)]
    #[test]
    fn a_written_file_has_the_permissions_of_a_created_one() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain.csv");
        std::fs::File::create(&plain).unwrap();
        let atomic = dir.path().join("layer.csv");
        write_atomic(&atomic, |f| {
            f.write_all(b"x").map_err(io_err("write", &atomic))
        })
        .unwrap();
        let mode = |p: &Path| p.metadata().unwrap().permissions().mode() & 0o777;
        // (under the usual umask 022: 0644, where tempfile's private default gave 0600)
        assert_eq!(mode(&atomic), mode(&plain));
    }
}
