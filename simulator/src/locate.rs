//! Finding the `entrypoint` binary the steps run.

use std::path::{Path, PathBuf};

/// Environment variable naming the entrypoint binary.
pub const ENV_VAR: &str = "PODSIM_ENTRYPOINT";

/// The entrypoint binary could not be found.
#[derive(Debug, thiserror::Error)]
#[error("entrypoint binary not found at {}: build it with `cargo build -p entrypoint`, or pass --entrypoint PATH or set PODSIM_ENTRYPOINT", .looked_at.display())]
pub struct NotFound {
    /// Where it was expected.
    pub looked_at: PathBuf,
}

/// Finds the entrypoint binary: `explicit` (the `--entrypoint` flag) if
/// given, else `$PODSIM_ENTRYPOINT`, else `entrypoint` next to the current
/// executable (one directory up when that directory is cargo's `deps`, as
/// for test binaries). The chosen candidate must be an existing file;
/// otherwise [`NotFound`] names it and tells how to build it.
pub fn entrypoint(explicit: Option<&Path>) -> Result<PathBuf, NotFound> {
    let candidate = match (explicit, std::env::var_os(ENV_VAR)) {
        (Some(path), _) => path.to_path_buf(),
        (None, Some(path)) if !path.is_empty() => PathBuf::from(path),
        _ => beside_current_exe().ok_or_else(|| NotFound {
            looked_at: PathBuf::from("entrypoint"),
        })?,
    };
    if candidate.is_file() {
        Ok(candidate)
    } else {
        Err(NotFound {
            looked_at: candidate,
        })
    }
}

fn beside_current_exe() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let mut dir = exe.parent()?;
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir = dir.parent()?;
    }
    Some(dir.join("entrypoint"))
}
