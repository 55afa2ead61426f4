//! Where upstream's fixed `/tekton/...` locations live.
//!
//! Upstream hard-codes `/tekton/termination`, `/tekton/downward/cancel`,
//! `/tekton/results`, `/tekton/steps`, `/tekton/artifacts` and `/tekton/run`.
//! The extension `ENTRYPOINT_TEKTON_ROOT` moves that root (for tests and for the
//! simulator, which runs many "containers" on one host); unset, every default
//! is exactly upstream's. Paths given in flags are never rewritten.

use std::path::{Path, PathBuf};

/// Environment variable naming the directory that stands for `/tekton`.
pub const ROOT_ENV: &str = "ENTRYPOINT_TEKTON_ROOT";

/// The upstream root of all internal paths.
pub const DEFAULT_ROOT: &str = "/tekton";

/// The set of built-in locations, relative to one root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TektonPaths {
    root: PathBuf,
}

impl Default for TektonPaths {
    fn default() -> Self {
        Self::new(DEFAULT_ROOT)
    }
}

impl TektonPaths {
    /// Paths under an explicit root.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Paths under `$ENTRYPOINT_TEKTON_ROOT`, or `/tekton` when it is unset or empty.
    pub fn from_env() -> Self {
        match std::env::var_os(ROOT_ENV) {
            Some(root) if !root.is_empty() => Self::new(root),
            _ => Self::default(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Default `-termination_path`.
    pub fn termination(&self) -> PathBuf {
        self.root.join("termination")
    }

    /// The Downward API file whose content cancels the running step.
    pub fn cancel_file(&self) -> PathBuf {
        self.root.join("downward").join("cancel")
    }

    /// Task results, one file per result name.
    pub fn results_dir(&self) -> PathBuf {
        self.root.join("results")
    }

    /// `step-init`'s links, and where step results of other steps are read.
    pub fn steps_dir(&self) -> PathBuf {
        self.root.join("steps")
    }

    /// Per-step run directories (`run/<index>/status`).
    pub fn run_dir(&self) -> PathBuf {
        self.root.join("run")
    }

    /// Task-level artifacts (`artifacts/provenance.json`).
    pub fn artifacts_dir(&self) -> PathBuf {
        self.root.join("artifacts")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_upstreams() {
        let p = TektonPaths::default();
        assert_eq!(p.termination(), Path::new("/tekton/termination"));
        assert_eq!(p.cancel_file(), Path::new("/tekton/downward/cancel"));
        assert_eq!(p.results_dir(), Path::new("/tekton/results"));
        assert_eq!(p.steps_dir(), Path::new("/tekton/steps"));
        assert_eq!(p.run_dir(), Path::new("/tekton/run"));
        assert_eq!(p.artifacts_dir(), Path::new("/tekton/artifacts"));
    }

    #[test]
    fn relocated() {
        let p = TektonPaths::new("/tmp/pod/tekton");
        assert_eq!(
            p.cancel_file(),
            Path::new("/tmp/pod/tekton/downward/cancel")
        );
    }
}
