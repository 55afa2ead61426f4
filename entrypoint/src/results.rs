//! Reading results and artifacts that the command left on disk, as
//! termination-message entries.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::termination::{Entry, ResultType};

/// A result that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error("invalid result name {0:?}: a name must not be empty or contain '/', '..' or NUL")]
    BadName(String),
    #[error("-enable_spire: results cannot be signed: this entrypoint does not implement SPIRE signing (agent socket {0})")]
    Unsigned(String),
    #[error("reading result {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
}

/// Rejects names that would read outside the results directory.
pub fn validate_name(name: &str) -> Result<(), ResultsError> {
    if name.is_empty()
        || name.contains('/')
        || name.contains('\0')
        || name == ".."
        || name.contains("..")
    {
        return Err(ResultsError::BadName(name.to_string()));
    }
    Ok(())
}

/// Reads `<dir>/<name>` for each name; missing files are skipped, as upstream does.
pub fn read(dir: &Path, names: &[String], kind: ResultType) -> Result<Vec<Entry>, ResultsError> {
    let mut entries = Vec::new();
    for name in names {
        validate_name(name)?;
        let path = dir.join(name);
        match fs::read(&path) {
            Ok(bytes) => entries.push(Entry {
                key: name.clone(),
                value: String::from_utf8_lossy(&bytes).into_owned(),
                kind,
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(source) => return Err(ResultsError::Read { path, source }),
        }
    }
    Ok(entries)
}

/// Reads an artifacts file (`provenance.json`) as one entry keyed by its path.
pub fn read_artifacts(path: &Path, kind: ResultType) -> Result<Option<Entry>, ResultsError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(Entry {
            key: path.display().to_string(),
            value: String::from_utf8_lossy(&bytes).into_owned(),
            kind,
        })),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ResultsError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_outside_the_directory_are_rejected() {
        for bad in ["", "a/b", "..", "../x", "a\0b", "x..y"] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
        validate_name("digest").unwrap();
        validate_name("image.url").unwrap();
    }

    #[test]
    fn missing_results_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a"), "1").unwrap();
        let got = read(dir.path(), &["a".into(), "b".into()], ResultType::TaskRun).unwrap();
        assert_eq!(
            got,
            [Entry {
                key: "a".into(),
                value: "1".into(),
                kind: ResultType::TaskRun
            }]
        );
    }
}
