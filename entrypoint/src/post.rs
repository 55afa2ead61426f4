//! Post files and the step's `exitCode` file.
//!
//! The post file is how the next step learns that this one ended: `<post_file>`
//! on success, `<post_file>.err` on failure. It is written atomically (a
//! temporary file in the same directory, then `rename(2)`), so a watcher never
//! sees a half-written file; the content is empty, as upstream writes it.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::wait::err_path;

/// A file that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("writing {path}: {source}")]
pub struct WriteError {
    pub path: PathBuf,
    pub source: io::Error,
}

/// Writes `content` to `path` atomically, creating parent directories.
///
/// The temporary file lives next to `path` (so the rename stays on one file
/// system) under a hidden name that no waiter looks for, and is removed if
/// anything fails.
pub fn write_atomic(path: &Path, content: &[u8]) -> Result<(), WriteError> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let fail = |source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| {
        fail(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a file path",
        ))
    })?;
    fs::create_dir_all(dir).map_err(fail)?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(
        ".tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let tmp = dir.join(tmp_name);
    let result = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut f| f.write_all(content))
        .and_then(|()| fs::rename(&tmp, path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(fail)
}

/// Writes the post file for a finished step: `path` on success, `path.err` on failure.
pub fn write_post(path: &Path, failed: bool) -> Result<(), WriteError> {
    if failed {
        write_atomic(&err_path(path), b"")
    } else {
        write_atomic(path, b"")
    }
}

/// Writes `<step_metadata_dir>/exitCode` (a number, or `killed` for a cancelled step).
pub fn write_exit_code(step_metadata_dir: &Path, code: &str) -> Result<(), WriteError> {
    write_atomic(&step_metadata_dir.join("exitCode"), code.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_and_err() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run/0/out");
        write_post(&out, false).unwrap();
        assert_eq!(fs::read(&out).unwrap(), b"");
        write_post(&out, true).unwrap();
        assert!(err_path(&out).exists());
        // No temporary files are left behind.
        let names: Vec<_> = fs::read_dir(out.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn exit_code_replaces() {
        let dir = tempfile::tempdir().unwrap();
        write_exit_code(dir.path(), "1").unwrap();
        write_exit_code(dir.path(), "0").unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join("exitCode")).unwrap(),
            "0"
        );
    }

    #[test]
    fn unwritable_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        fs::write(&blocker, "").unwrap();
        let err = write_post(&blocker.join("out"), false).unwrap_err();
        assert!(err.to_string().contains("file/out"), "{err}");
    }
}
