//! File helpers: writing test input, naming post-file companions, reading
//! what the wrapper wrote. All of them panic with the path on an I/O error.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

/// Writes `content` to `path`, creating its parents; panics on I/O errors.
pub fn write_file(path: &Path, content: &str) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .unwrap_or_else(|e| panic!("create parents of {}: {e}", path.display()));
    }
    fs::write(path, content).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Writes a file atomically (temporary sibling, then rename), so a watcher
/// never sees it empty; panics on I/O errors.
pub fn write_atomic(path: &Path, content: &str) {
    let tmp = with_suffix(path, ".tmp-test");
    write_file(&tmp, content);
    fs::rename(&tmp, path).unwrap_or_else(|e| panic!("rename into {}: {e}", path.display()));
}

/// Appends `suffix` to a path's file name (`out` -> `out.err`).
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s: OsString = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The `.err` companion of a post file.
pub fn err_file(path: &Path) -> PathBuf {
    with_suffix(path, ".err")
}

/// Reads a file to a string, or `None` when it cannot be read (missing).
pub fn read_opt(path: &Path) -> Option<String> {
    fs::read_to_string(path).ok()
}

/// Unix permission bits of a path (without the file type); panics when the
/// path cannot be stat'ed.
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path)
        .unwrap_or_else(|e| panic!("stat {}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}
