//! Waiting for the previous step: a file's appearance (or its `.err` twin).
//!
//! Upstream polls once a second (tektoncd/pipeline#1570). Here the parent
//! directory is watched with inotify, so creations, renames and the kubelet's
//! `..data` symlink swap for Downward API files wake the waiter at once; a
//! short periodic re-check remains as a safety net for file systems that do
//! not deliver inotify events (some network and FUSE mounts).

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::events::{Event, Events};

/// How often files are re-checked when no event arrives.
pub const RECHECK: Duration = Duration::from_millis(100);

/// How a wait ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitOutcome {
    /// The file is there (with content, if content was asked for).
    Ready,
    /// `<file>.err` appeared first: a previous step failed.
    PreviousFailed(PathBuf),
}

/// Why a wait could not complete.
#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    #[error("waiting for {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("interrupted by signal {signal} while waiting for {path}")]
    Interrupted { path: PathBuf, signal: i32 },
}

/// `<path>.err`: the file a failed step writes instead of its post file.
pub fn err_path(path: &Path) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(".err");
    PathBuf::from(name)
}

/// Checks a wait file once, as upstream does: the file itself first, then its `.err`.
///
/// With `expect_content`, an empty file does not count yet. Errors other than
/// "not found" (permission denied, a path through a regular file) are returned.
pub fn check(file: &Path, expect_content: bool) -> io::Result<Option<WaitOutcome>> {
    match std::fs::metadata(file) {
        Ok(meta) if !expect_content || meta.len() > 0 => return Ok(Some(WaitOutcome::Ready)),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let err = err_path(file);
    match std::fs::metadata(&err) {
        Ok(_) => Ok(Some(WaitOutcome::PreviousFailed(err))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// True when `file` exists and is not empty (how the cancel file signals cancellation).
pub fn has_content(file: &Path) -> bool {
    std::fs::metadata(file).is_ok_and(|m| m.len() > 0)
}

/// Signals that do not end a wait: their default action is to ignore or to stop.
fn is_benign(signal: i32) -> bool {
    use nix::libc::{SIGCHLD, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGWINCH};
    [
        SIGCHLD, SIGCONT, SIGURG, SIGWINCH, SIGTSTP, SIGTTIN, SIGTTOU,
    ]
    .contains(&signal)
}

/// Blocks until `file` is ready or its `.err` appears.
///
/// A signal that would terminate the process by default ends the wait with
/// [`WaitError::Interrupted`], so the caller can still write its `.err` file.
pub fn wait_for(
    events: &mut Events,
    file: &Path,
    expect_content: bool,
) -> Result<WaitOutcome, WaitError> {
    let io_err = |source| WaitError::Io {
        path: file.to_path_buf(),
        source,
    };
    loop {
        // Watch before checking, so a file created in between is not missed.
        events.watch_parent_of(file);
        if let Some(outcome) = check(file, expect_content).map_err(io_err)? {
            return Ok(outcome);
        }
        match events.next(RECHECK).map_err(io_err)? {
            Event::Signal(signal) if !is_benign(signal) => {
                return Err(WaitError::Interrupted {
                    path: file.to_path_buf(),
                    signal,
                })
            }
            _ => {}
        }
    }
}

/// Waits up to `grace` for an existing file to gain content; true if it did.
///
/// For files that writers create and fill in two steps (a shell redirection),
/// so that a reader woken by the creation does not read an empty file.
pub fn settle(events: &mut Events, file: &Path, grace: Duration) -> bool {
    let deadline = std::time::Instant::now() + grace;
    loop {
        if has_content(file) {
            return true;
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() || events.next(left.min(RECHECK)).is_err() {
            return false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn err_path_appends() {
        assert_eq!(
            err_path(Path::new("/tekton/run/0/out")),
            Path::new("/tekton/run/0/out.err")
        );
    }

    #[test]
    fn check_order_and_content() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("out");
        assert_eq!(check(&f, false).unwrap(), None);
        std::fs::write(err_path(&f), "").unwrap();
        assert_eq!(
            check(&f, false).unwrap(),
            Some(WaitOutcome::PreviousFailed(err_path(&f)))
        );
        std::fs::write(&f, "").unwrap();
        assert_eq!(check(&f, false).unwrap(), Some(WaitOutcome::Ready));
        // An empty file does not count with expect_content; the .err still does.
        assert_eq!(
            check(&f, true).unwrap(),
            Some(WaitOutcome::PreviousFailed(err_path(&f)))
        );
        std::fs::remove_file(err_path(&f)).unwrap();
        assert_eq!(check(&f, true).unwrap(), None);
        std::fs::write(&f, "READY").unwrap();
        assert_eq!(check(&f, true).unwrap(), Some(WaitOutcome::Ready));
    }

    #[test]
    fn check_reports_real_errors() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain");
        std::fs::write(&file, "").unwrap();
        assert!(check(&file.join("below-a-file"), false).is_err());
    }

    #[test]
    fn wait_sees_a_file_created_by_another_thread() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("not-yet/nested/out");
        let mut events = Events::new().unwrap();
        let writer = {
            let target = target.clone();
            std::thread::spawn(move || {
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::write(&target, "").unwrap();
            })
        };
        assert_eq!(
            wait_for(&mut events, &target, false).unwrap(),
            WaitOutcome::Ready
        );
        writer.join().unwrap();
    }
}
